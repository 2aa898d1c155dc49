#include "store/sqlite_datastore.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

#include "content/text_escape.h"

namespace trawl {
namespace {

[[noreturn]] void raise(sqlite3* db, const std::string& path, const std::string& what, int code) {
  std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  const int primary = code & 0xff;
  if (primary == SQLITE_NOTADB) reason = "not a trawl datastore (not an SQLite database)";
  if (primary == SQLITE_CORRUPT) reason = "the file is damaged (" + reason + ")";
  if (primary == SQLITE_BUSY) reason = "in use by another writer";
  throw DatastoreError("datastore " + escape_text(path, true) + ": " + what + ": " + reason);
}

class SqliteStatement final : public SqlStatement {
 public:
  SqliteStatement(sqlite3* db, const std::string& sql, const std::string& path) : db_(db), path_(path) {
    const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) raise(db_, path_, "cannot prepare a statement", rc);
  }
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  using SqlStatement::bind;
  SqlStatement& bind(int i, const std::string& text) override {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  SqlStatement& bind(int i, std::int64_t value) override {
    sqlite3_bind_int64(stmt_, i, value);
    return *this;
  }
  SqlStatement& bind(int i, double value) override {
    sqlite3_bind_double(stmt_, i, value);
    return *this;
  }
  SqlStatement& bind_null(int i) override {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  bool step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    raise(db_, path_, "cannot read or write", rc);
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int columns() const override { return sqlite3_column_count(stmt_); }
  std::string text(int column) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  bool is_null(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::int64_t integer(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const override { return sqlite3_column_double(stmt_, column); }
  SqlValue value(int column) const override {
    switch (sqlite3_column_type(stmt_, column)) {
      case SQLITE_NULL:
        return std::monostate{};
      case SQLITE_INTEGER:
        return integer(column);
      case SQLITE_FLOAT:
        return real(column);
      default:
        return text(column);
    }
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(const std::string& path) : path_(path) {
    if (std::filesystem::is_directory(path)) {
      throw DatastoreError("datastore " + escape_text(path, true) + ": is a directory, not a trawl datastore");
    }
    // A new store holds secrets: it is made private (0600) before SQLite
    // opens it, and SQLite gives its journal files the same mode.
    if (!std::filesystem::exists(std::filesystem::symlink_status(path))) {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0) {
        throw DatastoreError("datastore " + escape_text(path, true) + ": cannot create: " + std::strerror(errno));
      }
      ::close(fd);
    }
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(db);
    if (rc != SQLITE_OK) raise(db, path_, "cannot open", rc);
    sqlite3_extended_result_codes(db, 1);
    // Another writer is waited for briefly, then refused (begin_write()).
    sqlite3_busy_timeout(db, 200);
  }

  const std::string& name() const override { return path_; }
  std::unique_ptr<SqlStatement> prepare(const std::string& sql) override {
    return std::make_unique<SqliteStatement>(db_.get(), sql, path_);
  }
  void exec(const std::string& sql) override {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &error);
    if (error != nullptr) sqlite3_free(error);
    if (rc != SQLITE_OK) raise(db_.get(), path_, "cannot read or write", rc);
  }
  std::vector<std::string> tables() override {
    std::vector<std::string> out;
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &raw, nullptr);
    if (rc != SQLITE_OK) raise(db_.get(), path_, "cannot read", rc);
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
      const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
      out.emplace_back(name != nullptr ? name : "");
    }
    sqlite3_finalize(raw);
    if (rc != SQLITE_DONE) raise(db_.get(), path_, "cannot read", rc);
    return out;
  }
  void begin_write() override {
    const int rc = sqlite3_exec(db_.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) raise(db_.get(), path_, "cannot start writing", rc);
  }
  void begin_migration() override {
    exec("PRAGMA journal_mode = WAL");
    begin_write();
  }
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override {
    if (sqlite3_get_autocommit(db_.get()) == 0) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::string path_;
  std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace

SqliteDatastore::SqliteDatastore(const std::string& path) : SqlDatastore(std::make_unique<SqliteConnection>(path)) {}

}  // namespace trawl
