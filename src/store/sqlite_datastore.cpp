#include "store/sqlite_datastore.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>

#include "content/sha256.h"
#include "content/text_escape.h"
#include "report/redact.h"
#include "rules/rule_digest.h"

namespace trawl {
namespace {

// Version 1: every table. A later version appends its steps to migrate().
// Version 2 (kToV2) records which rules ran on each blob and every hit
// before stage 2's choice of one per span.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE sweeps(id TEXT PRIMARY KEY, started INTEGER NOT NULL, repository TEXT NOT NULL,
                    ruleset TEXT NOT NULL, engine INTEGER NOT NULL, redact INTEGER NOT NULL);
CREATE TABLE rules(digest TEXT PRIMARY KEY, rule_id TEXT NOT NULL);
CREATE TABLE ruleset_rules(ruleset TEXT NOT NULL, rule_digest TEXT NOT NULL, PRIMARY KEY(ruleset, rule_digest));
CREATE TABLE blob_scans(blob TEXT PRIMARY KEY, ruleset TEXT NOT NULL, engine INTEGER NOT NULL,
                        status TEXT NOT NULL, size_limit INTEGER NOT NULL, sweep TEXT NOT NULL);
CREATE TABLE matches(blob TEXT NOT NULL, sweep TEXT NOT NULL, ordinal INTEGER NOT NULL, rule_digest TEXT NOT NULL,
                     start_line INTEGER NOT NULL, start_column INTEGER NOT NULL,
                     end_line INTEGER NOT NULL, end_column INTEGER NOT NULL,
                     secret_sha256 TEXT NOT NULL, secret TEXT, match TEXT, line TEXT, entropy REAL NOT NULL,
                     PRIMARY KEY(blob, sweep, ordinal));
CREATE TABLE findings(rule_id TEXT NOT NULL, secret_sha256 TEXT NOT NULL, secret TEXT NOT NULL,
                      rule_digest TEXT NOT NULL, first_sweep TEXT NOT NULL, last_sweep TEXT NOT NULL,
                      PRIMARY KEY(rule_id, secret_sha256));
CREATE TABLE locations(rule_id TEXT NOT NULL, secret_sha256 TEXT NOT NULL, repository TEXT NOT NULL,
                       commit_id TEXT NOT NULL, path TEXT NOT NULL, start_line INTEGER NOT NULL,
                       start_column INTEGER NOT NULL, end_line INTEGER NOT NULL, end_column INTEGER NOT NULL,
                       description TEXT NOT NULL, match TEXT NOT NULL, line TEXT NOT NULL, author TEXT NOT NULL,
                       email TEXT NOT NULL, date INTEGER NOT NULL, message TEXT NOT NULL, entropy REAL NOT NULL,
                       tags TEXT NOT NULL, fingerprint TEXT NOT NULL, first_sweep TEXT NOT NULL,
                       last_sweep TEXT NOT NULL,
                       PRIMARY KEY(rule_id, secret_sha256, repository, commit_id, path, start_line, start_column));
CREATE TABLE repositories(path TEXT PRIMARY KEY, last_sweep TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE refs(repository TEXT NOT NULL, name TEXT NOT NULL, tip TEXT NOT NULL, last_sweep TEXT NOT NULL,
                  PRIMARY KEY(repository, name));
)sql";

// From version 1 to 2: blob_scans.ruleset names the set of rules that ran
// on the blob (rows of ruleset_rules; a version 1 scan ran the whole
// ruleset), and `base` the sweep that last read the blob with every rule
// it ran, which its matches share. Version 1 kept only the hits stage 2
// chose: blobs with hits are read again.
constexpr const char* kToV2 = R"sql(
ALTER TABLE blob_scans ADD COLUMN base TEXT NOT NULL DEFAULT '';
ALTER TABLE matches ADD COLUMN base TEXT NOT NULL DEFAULT '';
DELETE FROM blob_scans WHERE blob IN (SELECT blob FROM matches);
DELETE FROM matches;
UPDATE blob_scans SET base = sweep;
DELETE FROM trawl_schema;
INSERT INTO trawl_schema VALUES (2);
)sql";

// Also from version 1 to 2: trawl sweep's rounds and each repository's
// outcome in them.
constexpr const char* kSweepTables = R"sql(
CREATE TABLE sweep_rounds(sweep_key TEXT NOT NULL, sweep TEXT NOT NULL, closed INTEGER NOT NULL,
                          PRIMARY KEY(sweep_key, sweep));
CREATE TABLE sweep_repositories(sweep TEXT NOT NULL, repository TEXT NOT NULL, status TEXT NOT NULL,
                                message TEXT NOT NULL, PRIMARY KEY(sweep, repository));
)sql";

// From version 2 to 3: each repository's last complete scan's result,
// under the state it scanned, for a scan of unchanged content to report
// again without walking the history.
constexpr const char* kToV3 = R"sql(
CREATE TABLE repository_results(repository TEXT PRIMARY KEY, state TEXT NOT NULL, sweep TEXT NOT NULL,
                                result BLOB NOT NULL);
)sql";

// Adds src's rows to main's: each row keyed as its table is, the later
// sweep's version of a row winning, so merging is idempotent and
// order-independent. SQLite evaluates SET from the row as it was.
constexpr const char* kMerge = R"sql(
INSERT OR IGNORE INTO sweeps SELECT * FROM src.sweeps;
INSERT OR IGNORE INTO rules SELECT * FROM src.rules;
INSERT OR IGNORE INTO ruleset_rules SELECT * FROM src.ruleset_rules;
INSERT INTO blob_scans SELECT * FROM src.blob_scans WHERE true ON CONFLICT(blob) DO UPDATE SET
  ruleset = excluded.ruleset, engine = excluded.engine, status = excluded.status,
  size_limit = excluded.size_limit, sweep = excluded.sweep, base = excluded.base
  WHERE excluded.sweep > blob_scans.sweep;
INSERT OR IGNORE INTO matches SELECT * FROM src.matches;
DELETE FROM matches WHERE NOT EXISTS
  (SELECT 1 FROM blob_scans b WHERE b.blob = matches.blob AND b.base = matches.base);
INSERT INTO findings SELECT * FROM src.findings WHERE true ON CONFLICT(rule_id, secret_sha256) DO UPDATE SET
  secret = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.secret ELSE secret END,
  rule_digest = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.rule_digest ELSE rule_digest END,
  first_sweep = min(first_sweep, excluded.first_sweep), last_sweep = max(last_sweep, excluded.last_sweep);
INSERT INTO locations SELECT * FROM src.locations WHERE true
  ON CONFLICT(rule_id, secret_sha256, repository, commit_id, path, start_line, start_column) DO UPDATE SET
  end_line = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.end_line ELSE end_line END,
  end_column = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.end_column ELSE end_column END,
  description = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.description ELSE description END,
  match = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.match ELSE match END,
  line = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.line ELSE line END,
  author = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.author ELSE author END,
  email = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.email ELSE email END,
  date = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.date ELSE date END,
  message = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.message ELSE message END,
  entropy = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.entropy ELSE entropy END,
  tags = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.tags ELSE tags END,
  fingerprint = CASE WHEN excluded.last_sweep > last_sweep THEN excluded.fingerprint ELSE fingerprint END,
  first_sweep = min(first_sweep, excluded.first_sweep), last_sweep = max(last_sweep, excluded.last_sweep);
INSERT INTO repositories SELECT * FROM src.repositories WHERE true ON CONFLICT(path) DO UPDATE SET
  status = excluded.status, last_sweep = excluded.last_sweep WHERE excluded.last_sweep > last_sweep;
INSERT INTO repository_results SELECT * FROM src.repository_results WHERE true ON CONFLICT(repository) DO UPDATE SET
  state = excluded.state, sweep = excluded.sweep, result = excluded.result WHERE excluded.sweep > sweep;
INSERT INTO refs SELECT * FROM src.refs WHERE true ON CONFLICT(repository, name) DO UPDATE SET
  tip = excluded.tip, last_sweep = excluded.last_sweep WHERE excluded.last_sweep > last_sweep;
INSERT INTO sweep_rounds SELECT * FROM src.sweep_rounds WHERE true ON CONFLICT(sweep_key, sweep) DO UPDATE SET
  closed = max(closed, excluded.closed);
INSERT INTO sweep_repositories SELECT * FROM src.sweep_repositories WHERE true
  ON CONFLICT(sweep, repository) DO UPDATE SET status = excluded.status, message = excluded.message
  WHERE (excluded.status = 'done', excluded.message) > (sweep_repositories.status = 'done', sweep_repositories.message);
)sql";

// One prepared statement; binds by position from 1.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::string& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) raise("cannot prepare a statement");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t value) {
    sqlite3_bind_int64(stmt_, i, value);
    return *this;
  }
  Statement& bind(int i, double value) {
    sqlite3_bind_double(stmt_, i, value);
    return *this;
  }
  Statement& bind_blob(int i, const std::string& bytes) {
    sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    raise("cannot read or write");
  }
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int column) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::string blob(int column) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const { return sqlite3_column_double(stmt_, column); }

 private:
  [[noreturn]] void raise(const std::string& what) const {
    throw DatastoreError("datastore " + escape_text(path_, true) + ": " + what + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::string key_text(const BlobKey& key) { return std::string(hash_algorithm_name(key.algorithm())) + ":" + key.hex(); }

std::string_view status_name(BlobScanStatus status) {
  switch (status) {
    case BlobScanStatus::kScanned:
      return "scanned";
    case BlobScanStatus::kTooLarge:
      return "too_large";
    case BlobScanStatus::kBinary:
      return "binary";
    case BlobScanStatus::kError:
      return "error";
  }
  return "error";
}

// A sweep's id: its UTC start to the microsecond and a random suffix, so
// ids sort by time and two stores never mint the same one.
std::string new_sweep_id() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1'000'000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%s.%06lldZ-", stamp, static_cast<long long>(micros));
  const std::string random = random_bytes(4);
  return text + to_hex(reinterpret_cast<const std::uint8_t*>(random.data()), random.size());
}

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const std::string& tag : tags) out += (out.empty() ? "" : "\n") + tag;
  return out;
}

std::vector<std::string> split_tags(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The id of a set of rules, by their digests: SHA-256 over the sorted
// digests, so the same set has the same id in every store.
std::string rule_set_id(std::vector<std::string> digests) {
  std::sort(digests.begin(), digests.end());
  std::string joined;
  for (const std::string& d : digests) joined += d + "\n";
  return sha256_hex(joined);
}

std::optional<ObjectId> commit_from_hex(const std::string& hex) {
  if (hex.size() != 40) return std::nullopt;
  ObjectId id;
  for (std::size_t i = 0; i < 20; ++i) {
    id.bytes[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  return id;
}

}  // namespace

// record_blob()'s statements, prepared once per scan.
struct SqliteDatastore::Recording {
  Recording(sqlite3* db, const std::string& path)
      : scan(db, "INSERT OR REPLACE INTO blob_scans VALUES (?, ?, ?, ?, ?, ?, ?)", path),
        drop(db, "DELETE FROM matches WHERE blob = ?", path),
        drop_rule(db, "DELETE FROM matches WHERE blob = ? AND base = ? AND rule_digest = ?", path),
        match(db, "INSERT OR REPLACE INTO matches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", path) {}
  Statement scan;
  Statement drop;
  Statement drop_rule;
  Statement match;
};

SqliteDatastore::SqliteDatastore(const std::string& path) : path_(path) {
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
  if (rc != SQLITE_OK) fail("cannot open", rc);
  sqlite3_extended_result_codes(db, 1);
  // Another writer is waited for briefly, then refused (begin_write()).
  sqlite3_busy_timeout(db, 200);
  migrate();
}

SqliteDatastore::~SqliteDatastore() {
  recording_.reset();
  if (writing_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteDatastore::fail(const std::string& what, int code) const {
  std::string reason = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(code);
  const int primary = code & 0xff;
  if (primary == SQLITE_NOTADB) reason = "not a trawl datastore (not an SQLite database)";
  if (primary == SQLITE_CORRUPT) reason = "the file is damaged (" + reason + ")";
  if (primary == SQLITE_BUSY) reason = "in use by another writer";
  throw DatastoreError("datastore " + escape_text(path_, true) + ": " + what + ": " + reason);
}

void SqliteDatastore::exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &error);
  if (error != nullptr) sqlite3_free(error);
  if (rc != SQLITE_OK) fail("cannot read or write", rc);
}

void SqliteDatastore::begin_write() {
  const int rc = sqlite3_exec(db_.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail("cannot start writing", rc);
  writing_ = true;
}

void SqliteDatastore::migrate() {
  // Reading the schema first tells a foreign or damaged file from ours
  // before anything is written to it.
  int version = 0;
  bool has_tables = false;
  bool ours = false;
  {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &raw, nullptr);
    if (rc != SQLITE_OK) fail("cannot read", rc);
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
      has_tables = true;
      const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
      if (name != nullptr && std::string(name) == "trawl_schema") ours = true;
    }
    sqlite3_finalize(raw);
    if (rc != SQLITE_DONE) fail("cannot read", rc);
  }
  if (has_tables && !ours) fail("cannot use", SQLITE_NOTADB);
  if (ours) {
    Statement read(db_.get(), "SELECT version FROM trawl_schema", path_);
    if (read.step()) version = static_cast<int>(read.integer(0));
  }
  if (version > kDatastoreSchemaVersion) {
    throw DatastoreError("datastore " + escape_text(path_, true) + ": written by a newer trawl (schema version " +
                         std::to_string(version) + "; this trawl reads up to " +
                         std::to_string(kDatastoreSchemaVersion) + ")");
  }
  if (version == kDatastoreSchemaVersion) return;
  exec("PRAGMA journal_mode = WAL");
  begin_write();
  if (version == 0) {
    exec("CREATE TABLE IF NOT EXISTS trawl_schema(version INTEGER NOT NULL)");
    exec(kSchemaV1);
    exec("DELETE FROM trawl_schema; INSERT INTO trawl_schema VALUES (1)");
    version = 1;
  }
  if (version == 1) {
    exec(kToV2);
    exec(kSweepTables);
    version = 2;
  }
  if (version == 2) exec(kToV3);
  exec("DELETE FROM trawl_schema; INSERT INTO trawl_schema VALUES (" + std::to_string(kDatastoreSchemaVersion) + ")");
  exec("COMMIT");
  writing_ = false;
}

void SqliteDatastore::begin_scan(const StoreScan& scan) {
  begin_write();
  scan_ = scan;
  sweep_ = scan.sweep.empty() ? new_sweep_id() : scan.sweep;
  rule_digests_.clear();
  current_digests_.clear();
  members_.clear();
  run_sets_.clear();
  wider_sets_.clear();
  missing_.clear();
  rescans_.clear();
  ruleset_ = ruleset_digest(*scan.rules);
  Statement rule(db_.get(), "INSERT OR IGNORE INTO rules VALUES (?, ?)", path_);
  Statement member(db_.get(), "INSERT OR IGNORE INTO ruleset_rules VALUES (?, ?)", path_);
  for (const Rule& r : scan.rules->rules) {
    rule_digests_.push_back(rule_digest(r));
    current_digests_.insert(rule_digests_.back());
    rule.bind(1, rule_digests_.back()).bind(2, r.id).run();
    member.bind(1, ruleset_).bind(2, rule_digests_.back()).run();
  }
  Statement sweep(db_.get(), "INSERT OR IGNORE INTO sweeps VALUES (?, ?, ?, ?, ?, ?)", path_);
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  sweep.bind(1, sweep_)
      .bind(2, static_cast<std::int64_t>(now))
      .bind(3, scan.repository)
      .bind(4, ruleset_)
      .bind(5, static_cast<std::int64_t>(kEngineVersion))
      .bind(6, static_cast<std::int64_t>(scan.redact_percent))
      .run();
}

const std::unordered_set<std::string>& SqliteDatastore::members(const std::string& set) {
  auto it = members_.find(set);
  if (it != members_.end()) return it->second;
  std::unordered_set<std::string> held;
  Statement read(db_.get(), "SELECT rule_digest FROM ruleset_rules WHERE ruleset = ?", path_);
  read.bind(1, set);
  while (read.step()) held.insert(read.text(0));
  return members_.emplace(set, std::move(held)).first->second;
}

std::string SqliteDatastore::record_set(const std::vector<std::string>& digests) {
  std::string id = rule_set_id(digests);
  if (members_.count(id) == 0) {
    Statement member(db_.get(), "INSERT OR IGNORE INTO ruleset_rules VALUES (?, ?)", path_);
    for (const std::string& d : digests) member.bind(1, id).bind(2, d).run();
    members_.emplace(id, std::unordered_set<std::string>(digests.begin(), digests.end()));
  }
  return id;
}

std::uint64_t SqliteDatastore::classes_of(const BlobKey& blob) const {
  return scan_.scope != nullptr ? scan_.scope->classes_of(blob) : PathScope::kEveryClass;
}

bool SqliteDatastore::runs(std::uint32_t r, std::uint64_t classes) const {
  return scan_.scope == nullptr || scan_.scope->applies(r, classes);
}

const std::string& SqliteDatastore::run_set(std::uint64_t classes) {
  auto it = run_sets_.find(classes);
  if (it != run_sets_.end()) return it->second;
  std::vector<std::string> digests;
  for (std::uint32_t r = 0; r < rule_digests_.size(); ++r) {
    if (runs(r, classes)) digests.push_back(rule_digests_[r]);
  }
  return run_sets_.emplace(classes, record_set(digests)).first->second;
}

const SqliteDatastore::Missing& SqliteDatastore::missing(const std::string& set, std::uint64_t classes) {
  const std::string key = set + "/" + std::to_string(classes);
  auto it = missing_.find(key);
  if (it != missing_.end()) return it->second;
  const std::unordered_set<std::string>& held = members(set);
  Missing out;
  auto mask = std::make_shared<RuleMask>(rule_digests_.size(), false);
  for (std::uint32_t r = 0; r < rule_digests_.size(); ++r) {
    if (!runs(r, classes) || held.count(rule_digests_[r]) > 0) continue;
    (*mask)[r] = true;
    out.digests.push_back(rule_digests_[r]);
  }
  if (!out.digests.empty()) {
    out.mask = std::move(mask);
    std::vector<std::string> wider(held.begin(), held.end());
    wider.insert(wider.end(), out.digests.begin(), out.digests.end());
    wider_sets_.emplace(key, record_set(wider));
  }
  return missing_.emplace(key, std::move(out)).first->second;
}

KnownBlobs SqliteDatastore::known_blobs(const std::vector<BlobKey>& listed) {
  KnownBlobs out;
  std::unordered_map<std::string, std::uint32_t> rule_index;
  for (std::uint32_t i = 0; i < rule_digests_.size(); ++i) rule_index.emplace(rule_digests_[i], i);
  Statement scanned(db_.get(), "SELECT ruleset, engine, status, size_limit, base FROM blob_scans WHERE blob = ?",
                    path_);
  Statement matches(db_.get(),
                    "SELECT rule_digest, start_line, start_column, end_line, end_column, secret, match, line, "
                    "entropy FROM matches WHERE blob = ? AND base = ? ORDER BY sweep, ordinal",
                    path_);
  for (const BlobKey& key : listed) {
    const std::string text = key_text(key);
    scanned.bind(1, text);
    if (!scanned.step()) {
      scanned.reset();
      continue;
    }
    const std::string set = scanned.text(0);
    const std::int64_t engine = scanned.integer(1);
    const std::string status = scanned.text(2);
    const auto size_limit = static_cast<std::uint64_t>(scanned.integer(3));
    const std::string base = scanned.text(4);
    scanned.reset();
    if (status == "binary") {
      out.known.insert(key);
      continue;
    }
    if (status == "too_large") {
      if (size_limit >= scan_.max_blob_size) out.known.insert(key);
      continue;
    }
    if (status != "scanned" || engine != kEngineVersion) continue;
    const std::uint64_t classes = classes_of(key);
    const std::unordered_set<std::string>& held = members(set);
    // The stored hits of the rules that ran and that this scan runs on the
    // blob; they stand in for a new read only when each holds its texts
    // (not a redacted store).
    std::vector<Hit> hits;
    bool usable = true;
    matches.bind(1, text).bind(2, base);
    while (usable && matches.step()) {
      const std::string digest = matches.text(0);
      auto rule = rule_index.find(digest);
      if (rule == rule_index.end() || !runs(rule->second, classes) || held.count(digest) == 0) continue;
      if (matches.is_null(5) || scan_.redact_percent > 0) {
        usable = false;
        continue;
      }
      Hit hit;
      hit.rule = rule->second;
      hit.start_line = static_cast<std::uint32_t>(matches.integer(1));
      hit.start_column = static_cast<std::uint32_t>(matches.integer(2));
      hit.end_line = static_cast<std::uint32_t>(matches.integer(3));
      hit.end_column = static_cast<std::uint32_t>(matches.integer(4));
      hit.secret = matches.text(5);
      hit.match = matches.text(6);
      hit.line = matches.text(7);
      hit.entropy = matches.real(8);
      hits.push_back(std::move(hit));
    }
    matches.reset();
    if (!usable) continue;
    const Missing& left = missing(set, classes);
    if (left.mask) {
      out.rescan.emplace(key, left.mask);
      rescans_.emplace(key, Rescan{set, base, classes});
    } else {
      out.known.insert(key);
    }
    if (!hits.empty()) out.hits.emplace(key, std::move(hits));
  }
  return out;
}

void SqliteDatastore::record_blob(const BlobKey& blob, BlobScanStatus status, const std::vector<Hit>& hits) {
  const std::string text = key_text(blob);
  if (!recording_) recording_ = std::make_unique<Recording>(db_.get(), path_);
  // A blob read again for the rules it had not run keeps what the others
  // found, and adds those rules to the set that ran on it.
  std::string set;
  std::string base = sweep_;
  auto rescan = rescans_.find(blob);
  if (status == BlobScanStatus::kScanned && rescan != rescans_.end()) {
    const std::string key = rescan->second.set + "/" + std::to_string(rescan->second.classes);
    set = wider_sets_.at(key);
    base = rescan->second.base;
    Statement& drop = recording_->drop_rule;
    for (const std::string& digest : missing_.at(key).digests) drop.bind(1, text).bind(2, base).bind(3, digest).run();
  } else {
    set = run_set(classes_of(blob));
    recording_->drop.bind(1, text).run();
  }
  Statement& scan = recording_->scan;
  scan.bind(1, text)
      .bind(2, set)
      .bind(3, static_cast<std::int64_t>(kEngineVersion))
      .bind(4, std::string(status_name(status)))
      .bind(5, static_cast<std::int64_t>(scan_.max_blob_size))
      .bind(6, sweep_)
      .bind(7, base)
      .run();
  if (hits.empty()) return;
  Statement& match = recording_->match;
  std::int64_t ordinal = 0;
  for (const Hit& hit : hits) {
    match.bind(1, text)
        .bind(2, sweep_)
        .bind(3, ordinal++)
        .bind(4, rule_digests_.at(hit.rule))
        .bind(5, static_cast<std::int64_t>(hit.start_line))
        .bind(6, static_cast<std::int64_t>(hit.start_column))
        .bind(7, static_cast<std::int64_t>(hit.end_line))
        .bind(8, static_cast<std::int64_t>(hit.end_column))
        .bind(9, sha256_hex(hit.secret));
    // A redacted store keeps no text that may hold the secret.
    if (scan_.redact_percent > 0) {
      match.bind_null(10).bind_null(11).bind_null(12);
    } else {
      match.bind(10, hit.secret).bind(11, hit.match).bind(12, hit.line);
    }
    match.bind(13, hit.entropy).bind(14, base).run();
  }
}

void SqliteDatastore::record_refs(const std::vector<RefInfo>& refs) {
  Statement ref(db_.get(), "INSERT OR REPLACE INTO refs VALUES (?, ?, ?, ?)", path_);
  for (const RefInfo& r : refs)
    ref.bind(1, scan_.repository).bind(2, r.name).bind(3, r.commit.hex()).bind(4, sweep_).run();
}

std::optional<std::string> SqliteDatastore::unchanged_result(const std::string& state) {
  Statement query(db_.get(), "SELECT result FROM repository_results WHERE repository = ? AND state = ?", path_);
  query.bind(1, scan_.repository).bind(2, state);
  if (!query.step()) return std::nullopt;
  return query.blob(0);
}

void SqliteDatastore::record_result(const std::string& state, const std::string& result) {
  if (scan_.redact_percent > 0) return;
  Statement record(db_.get(), "INSERT OR REPLACE INTO repository_results VALUES (?, ?, ?, ?)", path_);
  record.bind(1, scan_.repository).bind(2, state).bind(3, sweep_).bind_blob(4, result).run();
}

void SqliteDatastore::abandon_scan() {
  recording_.reset();
  if (!writing_) return;
  sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  writing_ = false;
}

std::string SqliteDatastore::open_sweep(const std::string& key) {
  Statement open(db_.get(), "SELECT max(sweep) FROM sweep_rounds WHERE sweep_key = ? AND closed = 0", path_);
  open.bind(1, key);
  std::string sweep = open.step() ? open.text(0) : std::string();
  open.reset();
  if (!sweep.empty()) return sweep;
  sweep = new_sweep_id();
  Statement round(db_.get(), "INSERT INTO sweep_rounds VALUES (?, ?, 0)", path_);
  round.bind(1, key).bind(2, sweep).run();
  return sweep;
}

std::vector<SweepRepository> SqliteDatastore::sweep_repositories(const std::string& sweep) {
  Statement query(db_.get(),
                  "SELECT repository, status, message FROM sweep_repositories WHERE sweep = ? ORDER BY repository",
                  path_);
  query.bind(1, sweep);
  std::vector<SweepRepository> out;
  while (query.step()) out.push_back({query.text(0), query.text(1), query.text(2)});
  return out;
}

void SqliteDatastore::record_sweep_repository(const std::string& sweep, const SweepRepository& repository) {
  Statement record(db_.get(), "INSERT OR REPLACE INTO sweep_repositories VALUES (?, ?, ?, ?)", path_);
  record.bind(1, sweep).bind(2, repository.repository).bind(3, repository.status).bind(4, repository.message).run();
}

void SqliteDatastore::close_sweep(const std::string& key, const std::string& sweep) {
  Statement close(db_.get(), "UPDATE sweep_rounds SET closed = 1 WHERE sweep_key = ? AND sweep = ?", path_);
  close.bind(1, key).bind(2, sweep).run();
}

void SqliteDatastore::finish(const ReportContent& content) {
  if (!writing_) return;
  std::unordered_map<std::string, std::string> digest_of;
  for (std::size_t i = 0; i < rule_digests_.size(); ++i) digest_of.emplace(scan_.rules->rules[i].id, rule_digests_[i]);
  std::vector<std::string> digests;
  digests.reserve(content.findings.size());
  for (const Finding& f : content.findings) digests.push_back(sha256_hex(f.secret));
  std::vector<Finding> stored = content.findings;
  if (scan_.redact_percent > 0) {
    std::vector<SecretTimeline> none;
    redact_report(stored, none, scan_.redact_percent, "datastore");
  }
  Statement finding(
      db_.get(),
      "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(rule_id, secret_sha256) DO UPDATE "
      "SET secret = excluded.secret, rule_digest = excluded.rule_digest, last_sweep = excluded.last_sweep",
      path_);
  Statement location(
      db_.get(),
      "INSERT INTO locations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(rule_id, secret_sha256, repository, commit_id, path, start_line, start_column) DO UPDATE SET "
      "end_line = excluded.end_line, end_column = excluded.end_column, description = excluded.description, "
      "match = excluded.match, line = excluded.line, author = excluded.author, email = excluded.email, "
      "date = excluded.date, message = excluded.message, entropy = excluded.entropy, tags = excluded.tags, "
      "fingerprint = excluded.fingerprint, last_sweep = excluded.last_sweep",
      path_);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const Finding& f = stored[i];
    auto digest = digest_of.find(f.rule_id);
    finding.bind(1, f.rule_id)
        .bind(2, digests[i])
        .bind(3, f.secret)
        .bind(4, digest == digest_of.end() ? std::string() : digest->second)
        .bind(5, sweep_)
        .bind(6, sweep_)
        .run();
    location.bind(1, f.rule_id)
        .bind(2, digests[i])
        .bind(3, scan_.repository)
        .bind(4, f.commit_hex())
        .bind(5, f.path)
        .bind(6, static_cast<std::int64_t>(f.start_line))
        .bind(7, static_cast<std::int64_t>(f.start_column))
        .bind(8, static_cast<std::int64_t>(f.end_line))
        .bind(9, static_cast<std::int64_t>(f.end_column))
        .bind(10, f.description)
        .bind(11, f.match)
        .bind(12, f.line)
        .bind(13, f.author)
        .bind(14, f.email)
        .bind(15, static_cast<std::int64_t>(f.date))
        .bind(16, f.message)
        .bind(17, f.entropy)
        .bind(18, join_tags(f.tags))
        .bind(19, f.fingerprint)
        .bind(20, sweep_)
        .bind(21, sweep_)
        .run();
  }
  Statement repository(db_.get(), "INSERT OR REPLACE INTO repositories VALUES (?, ?, ?)", path_);
  repository.bind(1, scan_.repository)
      .bind(2, sweep_)
      .bind(3, std::string(content.summary.unreadable > 0 ? "incomplete" : "scanned"))
      .run();
  recording_.reset();
  exec("COMMIT");
  writing_ = false;
}

std::string SqliteDatastore::latest_sweep() {
  Statement latest(db_.get(), "SELECT max(id) FROM sweeps", path_);
  return latest.step() ? latest.text(0) : std::string();
}

std::vector<Finding> SqliteDatastore::stored_findings(const StoredSelection& selection) {
  const std::string latest = latest_sweep();
  std::string after = selection.since_sweep;
  Statement query(db_.get(),
                  "SELECT l.rule_id, l.description, f.secret, l.match, l.line, l.path, l.start_line, l.start_column, "
                  "l.end_line, l.end_column, l.commit_id, l.author, l.email, l.date, l.message, l.entropy, l.tags, "
                  "l.fingerprint, l.repository FROM locations l JOIN findings f "
                  "ON f.rule_id = l.rule_id AND f.secret_sha256 = l.secret_sha256 "
                  "WHERE f.rule_digest IN (SELECT r.rule_digest FROM ruleset_rules r JOIN sweeps s "
                  "ON s.ruleset = r.ruleset WHERE s.id = ?1) "
                  "AND (?2 = 0 OR l.first_sweep = ?1) AND (?3 = '' OR l.first_sweep > ?3) "
                  "AND (?4 = '' OR l.first_sweep = ?4) "
                  "AND l.last_sweep = (SELECT p.last_sweep FROM repositories p WHERE p.path = l.repository) "
                  "ORDER BY l.repository, l.date, l.commit_id, l.path, l.start_line, l.start_column, l.rule_id",
                  path_);
  query.bind(1, latest)
      .bind(2, static_cast<std::int64_t>(selection.only_new ? 1 : 0))
      .bind(3, after)
      .bind(4, selection.in_sweep);
  std::vector<Finding> out;
  while (query.step()) {
    Finding f;
    f.rule_id = query.text(0);
    f.description = query.text(1);
    f.secret = query.text(2);
    f.match = query.text(3);
    f.line = query.text(4);
    f.path = query.text(5);
    f.start_line = static_cast<std::uint32_t>(query.integer(6));
    f.start_column = static_cast<std::uint32_t>(query.integer(7));
    f.end_line = static_cast<std::uint32_t>(query.integer(8));
    f.end_column = static_cast<std::uint32_t>(query.integer(9));
    f.commit = commit_from_hex(query.text(10));
    f.author = query.text(11);
    f.email = query.text(12);
    f.date = query.integer(13);
    f.message = query.text(14);
    f.entropy = query.real(15);
    f.tags = split_tags(query.text(16));
    f.fingerprint = query.text(17);
    out.push_back(std::move(f));
  }
  return out;
}

std::uint64_t SqliteDatastore::stale_findings() {
  Statement query(db_.get(),
                  "SELECT count(*) FROM findings WHERE rule_digest NOT IN (SELECT r.rule_digest FROM ruleset_rules r "
                  "JOIN sweeps s ON s.ruleset = r.ruleset WHERE s.id = (SELECT max(id) FROM sweeps))",
                  path_);
  return query.step() ? static_cast<std::uint64_t>(query.integer(0)) : 0;
}

void SqliteDatastore::merge_from(const std::string& path) {
  // Opening it first checks it is a datastore this trawl reads.
  { SqliteDatastore check(path); }
  Statement attach(db_.get(), "ATTACH DATABASE ? AS src", path_);
  attach.bind(1, path).run();
  try {
    begin_write();
    exec(kMerge);
    exec("COMMIT");
    writing_ = false;
  } catch (...) {
    if (writing_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    writing_ = false;
    sqlite3_exec(db_.get(), "DETACH DATABASE src", nullptr, nullptr, nullptr);
    throw;
  }
  exec("DETACH DATABASE src");
}

std::unique_ptr<Datastore> open_datastore(const std::string& location) {
  return std::make_unique<SqliteDatastore>(location);
}

}  // namespace trawl
