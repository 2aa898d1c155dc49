#include "store/postgres_datastore.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "content/text_escape.h"

namespace trawl {
namespace {

// The schema's column types as PostgreSQL spells them: TEXT (bytes, kept
// exactly) as BYTEA, INTEGER as BIGINT, REAL as DOUBLE PRECISION; whole
// words only.
std::string postgres_types(const std::string& sql) {
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  std::string out;
  out.reserve(sql.size() + sql.size() / 4);
  std::size_t i = 0;
  while (i < sql.size()) {
    if (!word_char(sql[i])) {
      out += sql[i++];
      continue;
    }
    std::size_t end = i;
    while (end < sql.size() && word_char(sql[end])) ++end;
    const std::string_view word(sql.data() + i, end - i);
    if (word == "TEXT") {
      out += "BYTEA";
    } else if (word == "INTEGER") {
      out += "BIGINT";
    } else if (word == "REAL") {
      out += "DOUBLE PRECISION";
    } else {
      out += word;
    }
    i = end;
  }
  return out;
}

// Type oids (pg_type.h) of the values trawl sends and reads, all in binary.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;

// Serializes writers of one database: pg_advisory_xact_lock's key.
constexpr const char* kWriteLock = "SELECT pg_advisory_xact_lock(7408182105472397824)";

// A held write's statements go to the server in pipelines this long.
constexpr std::size_t kPipelineDepth = 256;

std::string big_endian(std::uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

std::uint64_t from_big_endian(const char* bytes, int length) {
  std::uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// The dialect's `?` and `?N` parameters as PostgreSQL's `$N`.
std::string numbered_parameters(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') quoted = !quoted;
    if (c != '?' || quoted) {
      out += c;
      continue;
    }
    out += '$';
    if (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') continue;
    out += std::to_string(++next);
  }
  return out;
}

// Whether `sql` writes (held until commit() during a scan).
bool writes(const std::string& sql) {
  const std::size_t start = sql.find_first_not_of(" \n");
  if (start == std::string::npos) return false;
  for (const char* verb : {"INSERT", "UPDATE", "DELETE"}) {
    if (sql.compare(start, std::strlen(verb), verb) == 0) return true;
  }
  return false;
}

// The passwords `url` spells (in its user information or a `password`
// parameter), as written and percent-decoded.
std::vector<std::string> url_passwords(const std::string& url) {
  const std::string masked = datastore_name(url);
  std::vector<std::string> out;
  std::size_t u = 0;
  std::size_t m = 0;
  while (u < url.size() && m < masked.size()) {
    if (url[u] == masked[m]) {
      ++u;
      ++m;
      continue;
    }
    // masked holds "***" where url holds a password up to '@' or '&'.
    const std::size_t end = std::min(url.find_first_of("@&", u), url.size());
    out.push_back(url.substr(u, end - u));
    u = end;
    m += 3;
  }
  for (std::size_t i = 0, n = out.size(); i < n; ++i) {
    std::string decoded;
    for (std::size_t j = 0; j < out[i].size(); ++j) {
      if (out[i][j] == '%' && j + 2 < out[i].size() && std::isxdigit(static_cast<unsigned char>(out[i][j + 1])) &&
          std::isxdigit(static_cast<unsigned char>(out[i][j + 2]))) {
        decoded += static_cast<char>(std::stoi(out[i].substr(j + 1, 2), nullptr, 16));
        j += 2;
      } else {
        decoded += out[i][j];
      }
    }
    out.push_back(decoded);
  }
  return out;
}

struct Parameter {
  Oid type = 0;
  std::string bytes;
  bool null = true;
};

// One statement and its parameters, as sent. The SQL text is shared by
// every statement a prepared SqlStatement runs.
struct HeldStatement {
  std::shared_ptr<const std::string> sql;
  std::vector<Parameter> parameters;
};

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

class PostgresConnection final : public SqlConnection {
 public:
  explicit PostgresConnection(const std::string& url) : name_(datastore_name(url)) {
    // The URL's own connect_timeout wins over this default.
    const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"10", "trawl", url.c_str(), nullptr};
    conn_.reset(PQconnectdbParams(keywords, values, 1));
    if (!conn_) throw DatastoreError("datastore " + escape_text(name_, true) + ": cannot connect: out of memory");
    secrets_ = url_passwords(url);
    if (const char* password = PQpass(conn_.get()); password != nullptr && *password != '\0') {
      secrets_.emplace_back(password);
    }
    if (PQstatus(conn_.get()) != CONNECTION_OK) fail("cannot connect", PQerrorMessage(conn_.get()));
    PQsetNoticeProcessor(
        conn_.get(), [](void*, const char*) {}, nullptr);
  }

  const std::string& name() const override { return name_; }
  std::unique_ptr<SqlStatement> prepare(const std::string& sql) override;
  void exec(const std::string& sql) override {
    const Result r(PQexec(conn_.get(), sql.c_str()));
    check(r.get(), "cannot read or write");
  }
  std::vector<std::string> tables() override {
    const Result r(PQexecParams(conn_.get(), "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()", 0,
                                nullptr, nullptr, nullptr, nullptr, 0));
    check(r.get(), "cannot read");
    const int rows = PQntuples(r.get());
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i) out.emplace_back(PQgetvalue(r.get(), i, 0));
    return out;
  }
  std::string ddl(const std::string& sql) const override { return postgres_types(sql); }
  void begin_write() override {
    held_.clear();
    holding_ = true;
  }
  void begin_migration() override {
    exec("BEGIN");
    in_transaction_ = true;
    exec(kWriteLock);
  }
  void commit() override {
    if (holding_) {
      holding_ = false;
      exec("BEGIN");
      in_transaction_ = true;
      exec(kWriteLock);
      send_held();
    }
    exec("COMMIT");
    in_transaction_ = false;
  }
  void rollback() noexcept override {
    holding_ = false;
    held_.clear();
    if (in_transaction_) PQclear(PQexec(conn_.get(), "ROLLBACK"));
    in_transaction_ = false;
    if (deallocate_) {
      PQclear(PQexec(conn_.get(), "DEALLOCATE ALL"));
      deallocate_ = false;
    }
  }

  // Runs `statement` now, or holds it while a scan's writes are held.
  Result run(HeldStatement statement, bool write) {
    if (write && holding_) {
      held_.push_back(std::move(statement));
      return nullptr;
    }
    std::vector<Oid> types;
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    arguments(statement, types, values, lengths, formats);
    bool fresh = false;
    const std::string& name = prepared_name(statement, types, fresh);
    if (fresh) {
      const Result prepared(
          PQprepare(conn_.get(), name.c_str(), statement.sql->c_str(), static_cast<int>(types.size()), types.data()));
      if (!ok(prepared.get())) forget_prepared();
      check(prepared.get(), write ? "cannot write" : "cannot read");
    }
    Result r(PQexecPrepared(conn_.get(), name.c_str(), static_cast<int>(types.size()), values.data(), lengths.data(),
                            formats.data(), 1));
    check(r.get(), write ? "cannot write" : "cannot read");
    return r;
  }

 private:
  struct ConnFree {
    void operator()(PGconn* c) const { PQfinish(c); }
  };

  static void arguments(const HeldStatement& statement, std::vector<Oid>& types, std::vector<const char*>& values,
                        std::vector<int>& lengths, std::vector<int>& formats) {
    for (const Parameter& p : statement.parameters) {
      types.push_back(p.type);
      values.push_back(p.null ? nullptr : p.bytes.data());
      lengths.push_back(static_cast<int>(p.bytes.size()));
      formats.push_back(1);
    }
  }

  // Sends the held statements in pipelines; the first error throws (the
  // caller's rollback() ends the transaction).
  void send_held() {
    std::vector<HeldStatement> held = std::move(held_);
    held_.clear();
    if (PQenterPipelineMode(conn_.get()) == 0) fail("cannot write", PQerrorMessage(conn_.get()));
    std::string error;
    for (std::size_t start = 0; start < held.size() && error.empty(); start += kPipelineDepth) {
      const std::size_t end = std::min(held.size(), start + kPipelineDepth);
      std::size_t sent = 0;
      for (std::size_t i = start; i < end; ++i, ++sent) {
        std::vector<Oid> types;
        std::vector<const char*> values;
        std::vector<int> lengths;
        std::vector<int> formats;
        arguments(held[i], types, values, lengths, formats);
        bool fresh = false;
        const std::string& name = prepared_name(held[i], types, fresh);
        // A statement is parsed and planned once per connection, then only
        // its parameters travel.
        if (fresh) {
          if (PQsendPrepare(conn_.get(), name.c_str(), held[i].sql->c_str(), static_cast<int>(types.size()),
                            types.data()) == 0) {
            error = PQerrorMessage(conn_.get());
            break;
          }
          ++sent;
        }
        if (PQsendQueryPrepared(conn_.get(), name.c_str(), static_cast<int>(types.size()), values.data(),
                                lengths.data(), formats.data(), 1) == 0) {
          error = PQerrorMessage(conn_.get());
          break;
        }
      }
      if (PQpipelineSync(conn_.get()) == 0 && error.empty()) error = PQerrorMessage(conn_.get());
      // Each statement's result, then the sync's.
      for (std::size_t i = 0; i <= sent; ++i) {
        for (;;) {
          const Result r(PQgetResult(conn_.get()));
          if (!r) break;
          const ExecStatusType status = PQresultStatus(r.get());
          if (status == PGRES_PIPELINE_SYNC) break;
          if (status == PGRES_FATAL_ERROR && error.empty()) error = PQresultErrorMessage(r.get());
          if (status == PGRES_NONFATAL_ERROR && error.empty()) error = PQresultErrorMessage(r.get());
        }
        if (PQstatus(conn_.get()) == CONNECTION_BAD) {
          if (error.empty()) error = PQerrorMessage(conn_.get());
          break;
        }
      }
    }
    PQexitPipelineMode(conn_.get());
    if (!error.empty()) {
      // The pipeline stopped at the error: what it was to prepare after it
      // may not exist.
      forget_prepared();
      fail("cannot write", error);
    }
  }

  // The server-side name of `statement` with parameters of `types`;
  // `fresh` when it has not been prepared on this connection yet (the
  // caller prepares it before its first use).
  const std::string& prepared_name(const HeldStatement& statement, const std::vector<Oid>& types, bool& fresh) {
    std::string key = *statement.sql;
    key += '\0';
    for (const Oid type : types) key += std::to_string(type) + ",";
    auto [it, added] = prepared_.try_emplace(std::move(key));
    if (added) it->second = "trawl_" + std::to_string(prepared_.size());
    fresh = added;
    return it->second;
  }

  // After an error, the server may hold fewer prepared statements than
  // recorded: drop them all and prepare again as needed.
  void forget_prepared() noexcept {
    if (prepared_.empty()) return;
    prepared_.clear();
    if (!in_transaction_) PQclear(PQexec(conn_.get(), "DEALLOCATE ALL"));
    deallocate_ = in_transaction_;
  }

  static bool ok(const PGresult* r) {
    const ExecStatusType status = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }

  void check(const PGresult* r, const std::string& what) const {
    const ExecStatusType status = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    fail(what, r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_.get()));
  }

  [[noreturn]] void fail(const std::string& what, std::string reason) const {
    // libpq's messages span lines: one line here.
    for (char& c : reason) {
      if (c == '\n' || c == '\t') c = ' ';
    }
    while (!reason.empty() && reason.back() == ' ') reason.pop_back();
    for (const std::string& secret : secrets_) {
      if (secret.empty()) continue;
      for (std::size_t at = reason.find(secret); at != std::string::npos; at = reason.find(secret, at + 3)) {
        reason.replace(at, secret.size(), "***");
      }
    }
    throw DatastoreError("datastore " + escape_text(name_, true) + ": " + what + ": " + reason);
  }

  std::string name_;
  std::unique_ptr<PGconn, ConnFree> conn_;
  // What no message may show: the URL's user information, the password.
  std::vector<std::string> secrets_;
  bool holding_ = false;
  bool in_transaction_ = false;
  std::vector<HeldStatement> held_;
  // Statements prepared on the server: by SQL and parameter types, the name.
  std::unordered_map<std::string, std::string> prepared_;
  bool deallocate_ = false;  // DEALLOCATE ALL once the failed transaction ends
};

class PostgresStatement final : public SqlStatement {
 public:
  PostgresStatement(PostgresConnection& connection, const std::string& sql)
      : connection_(connection),
        statement_{std::make_shared<const std::string>(numbered_parameters(sql)), {}},
        write_(writes(sql)) {}

  using SqlStatement::bind;
  SqlStatement& bind(int i, const std::string& text) override { return set(i, kByteaOid, text); }
  SqlStatement& bind(int i, std::int64_t value) override {
    return set(i, kInt8Oid, big_endian(static_cast<std::uint64_t>(value)));
  }
  SqlStatement& bind(int i, double value) override {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return set(i, kFloat8Oid, big_endian(bits));
  }
  SqlStatement& bind_null(int i) override {
    slot(i) = Parameter{};
    return *this;
  }
  bool step() override {
    if (!ran_) {
      ran_ = true;
      result_ = connection_.run(statement_, write_);
      row_ = -1;
    }
    return result_ && ++row_ < PQntuples(result_.get());
  }
  void reset() override {
    result_.reset();
    ran_ = false;
    statement_.parameters.clear();
  }
  int columns() const override { return result_ ? PQnfields(result_.get()) : 0; }
  std::string text(int column) const override {
    return {PQgetvalue(result_.get(), row_, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row_, column))};
  }
  bool is_null(int column) const override { return PQgetisnull(result_.get(), row_, column) != 0; }
  std::int64_t integer(int column) const override {
    if (is_null(column)) return 0;
    const char* bytes = PQgetvalue(result_.get(), row_, column);
    const int length = PQgetlength(result_.get(), row_, column);
    const std::uint64_t raw = from_big_endian(bytes, length);
    switch (PQftype(result_.get(), column)) {
      case kInt2Oid:
        return static_cast<std::int16_t>(raw);
      case kInt4Oid:
        return static_cast<std::int32_t>(raw);
      case kInt8Oid:
      case kBoolOid:
        return static_cast<std::int64_t>(raw);
      default:
        return static_cast<std::int64_t>(real(column));
    }
  }
  double real(int column) const override {
    if (is_null(column)) return 0;
    const Oid type = PQftype(result_.get(), column);
    const std::uint64_t raw =
        from_big_endian(PQgetvalue(result_.get(), row_, column), PQgetlength(result_.get(), row_, column));
    if (type == kFloat8Oid) {
      double value = 0;
      std::memcpy(&value, &raw, sizeof value);
      return value;
    }
    if (type == kFloat4Oid) {
      const auto bits = static_cast<std::uint32_t>(raw);
      float value = 0;
      std::memcpy(&value, &bits, sizeof value);
      return value;
    }
    return static_cast<double>(integer(column));
  }
  SqlValue value(int column) const override {
    if (is_null(column)) return std::monostate{};
    switch (PQftype(result_.get(), column)) {
      case kBoolOid:
      case kInt2Oid:
      case kInt4Oid:
      case kInt8Oid:
        return integer(column);
      case kFloat4Oid:
      case kFloat8Oid:
        return real(column);
      default:
        return text(column);
    }
  }

 private:
  Parameter& slot(int i) {
    const auto index = static_cast<std::size_t>(i - 1);
    if (statement_.parameters.size() <= index) statement_.parameters.resize(index + 1);
    return statement_.parameters[index];
  }
  SqlStatement& set(int i, Oid type, std::string bytes) {
    slot(i) = Parameter{type, std::move(bytes), false};
    return *this;
  }

  PostgresConnection& connection_;
  HeldStatement statement_;
  bool write_;
  bool ran_ = false;
  Result result_;
  int row_ = -1;
};

std::unique_ptr<SqlStatement> PostgresConnection::prepare(const std::string& sql) {
  return std::make_unique<PostgresStatement>(*this, sql);
}

}  // namespace

PostgresDatastore::PostgresDatastore(const std::string& url)
    : SqlDatastore(std::make_unique<PostgresConnection>(url)) {}

}  // namespace trawl
