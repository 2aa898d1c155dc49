#include "store/sql_datastore.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

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
// again without walking the history (bytes kept as TEXT: both engines keep
// every byte of a bound value).
constexpr const char* kToV3 = R"sql(
CREATE TABLE repository_results(repository TEXT PRIMARY KEY, state TEXT NOT NULL, sweep TEXT NOT NULL,
                                result TEXT NOT NULL);
)sql";

// From version 3 to 4: each finding's confidence (its rule's, as the scan
// that recorded it saw it). Findings recorded before read as high, so no
// filter hides them, until a scan of their repository records them again.
constexpr const char* kToV4 = R"sql(
ALTER TABLE findings ADD COLUMN confidence TEXT NOT NULL DEFAULT 'high';
)sql";

// How merging adds a row of each table: the row keyed as its table is, the
// later sweep's version of a row winning, so merging is idempotent and
// order-independent. SET is evaluated from the row as it was.
struct MergedTable {
  std::string name;
  int columns;
  std::string on_conflict;
};

// A finding's or location's merge: `columns` from the row of the later
// last sweep, the span of sweeps joined.
std::string merge_later(const std::string& table, const std::vector<std::string>& columns) {
  std::string out = "DO UPDATE SET ";
  auto pick = [&](const std::string& column, const std::string& when) {
    return column + " = CASE WHEN " + when + " THEN excluded." + column + " ELSE " + table + "." + column + " END, ";
  };
  for (const std::string& c : columns) out += pick(c, "excluded.last_sweep > " + table + ".last_sweep");
  out += pick("first_sweep", "excluded.first_sweep < " + table + ".first_sweep");
  out += pick("last_sweep", "excluded.last_sweep > " + table + ".last_sweep");
  out.resize(out.size() - 2);
  return out;
}

std::vector<MergedTable> merged_tables() {
  return {
      {"sweeps", 6, "ON CONFLICT DO NOTHING"},
      {"rules", 2, "ON CONFLICT DO NOTHING"},
      {"ruleset_rules", 2, "ON CONFLICT DO NOTHING"},
      {"blob_scans", 7,
       "ON CONFLICT(blob) DO UPDATE SET ruleset = excluded.ruleset, engine = excluded.engine, "
       "status = excluded.status, size_limit = excluded.size_limit, sweep = excluded.sweep, base = excluded.base "
       "WHERE excluded.sweep > blob_scans.sweep"},
      {"matches", 14, "ON CONFLICT DO NOTHING"},
      {"findings", 7,
       "ON CONFLICT(rule_id, secret_sha256) " + merge_later("findings", {"secret", "rule_digest", "confidence"})},
      {"locations", 21,
       "ON CONFLICT(rule_id, secret_sha256, repository, commit_id, path, start_line, start_column) " +
           merge_later("locations", {"end_line", "end_column", "description", "match", "line", "author", "email",
                                     "date", "message", "entropy", "tags", "fingerprint"})},
      {"repositories", 3,
       "ON CONFLICT(path) DO UPDATE SET status = excluded.status, last_sweep = excluded.last_sweep "
       "WHERE excluded.last_sweep > repositories.last_sweep"},
      {"repository_results", 4,
       "ON CONFLICT(repository) DO UPDATE SET state = excluded.state, sweep = excluded.sweep, result = "
       "excluded.result WHERE excluded.sweep > repository_results.sweep"},
      {"refs", 4,
       "ON CONFLICT(repository, name) DO UPDATE SET tip = excluded.tip, last_sweep = excluded.last_sweep "
       "WHERE excluded.last_sweep > refs.last_sweep"},
      {"sweep_rounds", 3,
       "ON CONFLICT(sweep_key, sweep) DO UPDATE SET closed = CASE WHEN excluded.closed > sweep_rounds.closed "
       "THEN excluded.closed ELSE sweep_rounds.closed END"},
      {"sweep_repositories", 4,
       "ON CONFLICT(sweep, repository) DO UPDATE SET status = excluded.status, message = excluded.message "
       "WHERE (CASE WHEN excluded.status = 'done' THEN 1 ELSE 0 END, excluded.message) > "
       "(CASE WHEN sweep_repositories.status = 'done' THEN 1 ELSE 0 END, sweep_repositories.message)"},
  };
}

// `INSERT INTO table VALUES (?, …)` with `columns` parameters.
std::string insert_values(const std::string& table, int columns) {
  std::string out = "INSERT INTO " + table + " VALUES (";
  for (int i = 0; i < columns; ++i) out += i == 0 ? "?" : ", ?";
  return out + ") ";
}

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
struct SqlDatastore::Recording {
  explicit Recording(SqlConnection& db)
      : scan(db.prepare("INSERT INTO blob_scans VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(blob) DO UPDATE SET "
                        "ruleset = excluded.ruleset, engine = excluded.engine, status = excluded.status, "
                        "size_limit = excluded.size_limit, sweep = excluded.sweep, base = excluded.base")),
        drop(db.prepare("DELETE FROM matches WHERE blob = ?")),
        drop_rule(db.prepare("DELETE FROM matches WHERE blob = ? AND base = ? AND rule_digest = ?")),
        match(db.prepare(
            "INSERT INTO matches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(blob, sweep, ordinal) "
            "DO UPDATE SET rule_digest = excluded.rule_digest, start_line = excluded.start_line, "
            "start_column = excluded.start_column, end_line = excluded.end_line, end_column = excluded.end_column, "
            "secret_sha256 = excluded.secret_sha256, secret = excluded.secret, match = excluded.match, "
            "line = excluded.line, entropy = excluded.entropy, base = excluded.base")) {}
  std::unique_ptr<SqlStatement> scan;
  std::unique_ptr<SqlStatement> drop;
  std::unique_ptr<SqlStatement> drop_rule;
  std::unique_ptr<SqlStatement> match;
};

SqlStatement& SqlStatement::bind(int i, const SqlValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return bind(i, *text);
  if (const auto* integer = std::get_if<std::int64_t>(&value)) return bind(i, *integer);
  if (const auto* real = std::get_if<double>(&value)) return bind(i, *real);
  return bind_null(i);
}

SqlDatastore::SqlDatastore(std::unique_ptr<SqlConnection> connection) : db_(std::move(connection)) { migrate(); }

SqlDatastore::~SqlDatastore() {
  recording_.reset();
  if (writing_) db_->rollback();
}

void SqlDatastore::begin_write() {
  db_->begin_write();
  writing_ = true;
}

void SqlDatastore::commit() {
  recording_.reset();
  db_->commit();
  writing_ = false;
}

void SqlDatastore::migrate() {
  // Reading the schema first tells a foreign store from ours before
  // anything is written to it; the version is read again once migrating,
  // as another process may have migrated the store meanwhile.
  auto version = [&] {
    const std::vector<std::string> tables = db_->tables();
    const bool ours = std::find(tables.begin(), tables.end(), "trawl_schema") != tables.end();
    if (!tables.empty() && !ours) {
      throw DatastoreError("datastore " + escape_text(db_->name(), true) +
                           ": cannot use: not a trawl datastore (it holds tables trawl did not make)");
    }
    if (!ours) return 0;
    const std::unique_ptr<SqlStatement> read = db_->prepare("SELECT version FROM trawl_schema");
    return read->step() ? static_cast<int>(read->integer(0)) : 0;
  };
  auto refuse_newer = [&](int found) {
    if (found <= kDatastoreSchemaVersion) return;
    throw DatastoreError("datastore " + escape_text(db_->name(), true) + ": written by a newer trawl (schema version " +
                         std::to_string(found) + "; this trawl reads up to " + std::to_string(kDatastoreSchemaVersion) +
                         ")");
  };
  int found = version();
  refuse_newer(found);
  if (found == kDatastoreSchemaVersion) return;
  db_->begin_migration();
  writing_ = true;
  found = version();
  refuse_newer(found);
  if (found == 0) {
    db_->exec(db_->ddl("CREATE TABLE IF NOT EXISTS trawl_schema(version INTEGER NOT NULL)"));
    db_->exec(db_->ddl(kSchemaV1));
    db_->exec("DELETE FROM trawl_schema; INSERT INTO trawl_schema VALUES (1)");
    found = 1;
  }
  if (found == 1) {
    db_->exec(db_->ddl(kToV2));
    db_->exec(db_->ddl(kSweepTables));
    found = 2;
  }
  if (found == 2) {
    db_->exec(db_->ddl(kToV3));
    found = 3;
  }
  if (found == 3) db_->exec(db_->ddl(kToV4));
  db_->exec("DELETE FROM trawl_schema; INSERT INTO trawl_schema VALUES (" + std::to_string(kDatastoreSchemaVersion) +
            ")");
  commit();
}

void SqlDatastore::begin_scan(const StoreScan& scan) {
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
  listed_ = false;
  stored_.clear();
  ruleset_ = ruleset_digest(*scan.rules);
  const std::unique_ptr<SqlStatement> rule = db_->prepare("INSERT INTO rules VALUES (?, ?) ON CONFLICT DO NOTHING");
  const std::unique_ptr<SqlStatement> member =
      db_->prepare("INSERT INTO ruleset_rules VALUES (?, ?) ON CONFLICT DO NOTHING");
  for (const Rule& r : scan.rules->rules) {
    rule_digests_.push_back(rule_digest(r));
    current_digests_.insert(rule_digests_.back());
    rule->bind(1, rule_digests_.back()).bind(2, r.id).run();
    member->bind(1, ruleset_).bind(2, rule_digests_.back()).run();
  }
  const std::unique_ptr<SqlStatement> sweep =
      db_->prepare("INSERT INTO sweeps VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  sweep->bind(1, sweep_)
      .bind(2, static_cast<std::int64_t>(now))
      .bind(3, scan.repository)
      .bind(4, ruleset_)
      .bind(5, static_cast<std::int64_t>(kEngineVersion))
      .bind(6, static_cast<std::int64_t>(scan.redact_percent))
      .run();
}

const std::unordered_set<std::string>& SqlDatastore::members(const std::string& set) {
  auto it = members_.find(set);
  if (it != members_.end()) return it->second;
  std::unordered_set<std::string> held;
  const std::unique_ptr<SqlStatement> read = db_->prepare("SELECT rule_digest FROM ruleset_rules WHERE ruleset = ?");
  read->bind(1, set);
  while (read->step()) held.insert(read->text(0));
  return members_.emplace(set, std::move(held)).first->second;
}

std::string SqlDatastore::record_set(const std::vector<std::string>& digests) {
  std::string id = rule_set_id(digests);
  if (members_.count(id) == 0) {
    const std::unique_ptr<SqlStatement> member =
        db_->prepare("INSERT INTO ruleset_rules VALUES (?, ?) ON CONFLICT DO NOTHING");
    for (const std::string& d : digests) member->bind(1, id).bind(2, d).run();
    members_.emplace(id, std::unordered_set<std::string>(digests.begin(), digests.end()));
  }
  return id;
}

std::uint64_t SqlDatastore::classes_of(const BlobKey& blob) const {
  return scan_.scope != nullptr ? scan_.scope->classes_of(blob) : PathScope::kEveryClass;
}

bool SqlDatastore::runs(std::uint32_t r, std::uint64_t classes) const {
  return scan_.scope == nullptr || scan_.scope->applies(r, classes);
}

const std::string& SqlDatastore::run_set(std::uint64_t classes) {
  auto it = run_sets_.find(classes);
  if (it != run_sets_.end()) return it->second;
  std::vector<std::string> digests;
  for (std::uint32_t r = 0; r < rule_digests_.size(); ++r) {
    if (runs(r, classes)) digests.push_back(rule_digests_[r]);
  }
  return run_sets_.emplace(classes, record_set(digests)).first->second;
}

const SqlDatastore::Missing& SqlDatastore::missing(const std::string& set, std::uint64_t classes) {
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

namespace {

// Blobs looked up per query: one round trip for this many (a PostgreSQL
// server may be across a network), well under SQLite's parameter limit.
constexpr std::size_t kLookupBatch = 256;

// `head`, then "?, ?, ..., ?" with `n` parameters, then `tail`.
std::string with_parameters(std::string_view head, std::size_t n, std::string_view tail) {
  std::string out(head);
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  out += tail;
  return out;
}

}  // namespace

KnownBlobs SqlDatastore::known_blobs(const std::vector<BlobKey>& listed) {
  KnownBlobs out;
  listed_ = true;
  std::unordered_map<std::string, std::uint32_t> rule_index;
  for (std::uint32_t i = 0; i < rule_digests_.size(); ++i) rule_index.emplace(rule_digests_[i], i);
  // A blob's scan, and its stored matches, as the batched queries give them.
  struct Stored {
    std::string set;
    std::int64_t engine = 0;
    std::string status;
    std::uint64_t size_limit = 0;
    std::string base;
  };
  struct StoredMatch {
    std::string base;
    std::string digest;
    Hit hit;
    bool has_secret = false;
  };
  // Statements for a full batch and for the last, shorter one.
  std::unique_ptr<SqlStatement> scans_full;
  std::unique_ptr<SqlStatement> matches_full;
  for (std::size_t first = 0; first < listed.size(); first += kLookupBatch) {
    const std::size_t count = std::min(kLookupBatch, listed.size() - first);
    std::unique_ptr<SqlStatement> scans_short;
    std::unique_ptr<SqlStatement> matches_short;
    auto statement = [&](std::unique_ptr<SqlStatement>& full, std::unique_ptr<SqlStatement>& short_one,
                         const std::string& head, const std::string& tail) -> SqlStatement& {
      std::unique_ptr<SqlStatement>& slot = count == kLookupBatch ? full : short_one;
      if (!slot) slot = db_->prepare(with_parameters(head, count, tail));
      return *slot;
    };
    std::vector<std::string> texts;
    texts.reserve(count);
    for (std::size_t i = 0; i < count; ++i) texts.push_back(key_text(listed[first + i]));

    std::unordered_map<std::string, Stored> stored;
    SqlStatement& scans = statement(scans_full, scans_short,
                                    "SELECT blob, ruleset, engine, status, size_limit, base FROM blob_scans "
                                    "WHERE blob IN (",
                                    ")");
    for (std::size_t i = 0; i < count; ++i) scans.bind(static_cast<int>(i + 1), texts[i]);
    while (scans.step()) {
      Stored row;
      row.set = scans.text(1);
      row.engine = scans.integer(2);
      row.status = scans.text(3);
      row.size_limit = static_cast<std::uint64_t>(scans.integer(4));
      row.base = scans.text(5);
      stored.emplace(scans.text(0), std::move(row));
    }
    scans.reset();
    if (stored.empty()) continue;

    // The matches of the blobs whose stored scan may stand in for a read.
    std::vector<std::string> wanted;
    for (const std::string& text : texts) {
      auto it = stored.find(text);
      if (it != stored.end() && it->second.status == "scanned" && it->second.engine == kEngineVersion) {
        wanted.push_back(text);
      }
    }
    std::unordered_map<std::string, std::vector<StoredMatch>> matches_of;
    if (!wanted.empty()) {
      std::unique_ptr<SqlStatement> matches_any;
      const std::string head =
          "SELECT blob, base, rule_digest, start_line, start_column, end_line, end_column, secret, match, line, "
          "entropy FROM matches WHERE blob IN (";
      const std::string tail = ") ORDER BY blob, sweep, ordinal";
      SqlStatement& matches = wanted.size() == kLookupBatch
                                  ? statement(matches_full, matches_short, head, tail)
                                  : *(matches_any = db_->prepare(with_parameters(head, wanted.size(), tail)));
      for (std::size_t i = 0; i < wanted.size(); ++i) matches.bind(static_cast<int>(i + 1), wanted[i]);
      while (matches.step()) {
        StoredMatch m;
        m.base = matches.text(1);
        m.digest = matches.text(2);
        m.hit.start_line = static_cast<std::uint32_t>(matches.integer(3));
        m.hit.start_column = static_cast<std::uint32_t>(matches.integer(4));
        m.hit.end_line = static_cast<std::uint32_t>(matches.integer(5));
        m.hit.end_column = static_cast<std::uint32_t>(matches.integer(6));
        m.has_secret = !matches.is_null(7);
        if (m.has_secret) m.hit.secret = matches.text(7);
        m.hit.match = matches.text(8);
        m.hit.line = matches.text(9);
        m.hit.entropy = matches.real(10);
        matches_of[matches.text(0)].push_back(std::move(m));
      }
      matches.reset();
    }

    for (std::size_t i = 0; i < count; ++i) {
      const BlobKey& key = listed[first + i];
      auto found = stored.find(texts[i]);
      if (found == stored.end()) continue;
      stored_.insert(key);
      const Stored& row = found->second;
      if (row.status == "binary") {
        out.known.insert(key);
        continue;
      }
      if (row.status == "too_large") {
        if (row.size_limit >= scan_.max_blob_size) out.known.insert(key);
        continue;
      }
      if (row.status != "scanned" || row.engine != kEngineVersion) continue;
      const std::uint64_t classes = classes_of(key);
      const std::unordered_set<std::string>& held = members(row.set);
      // The stored hits of the rules that ran and that this scan runs on the
      // blob; they stand in for a new read only when each holds its texts
      // (not a redacted store).
      std::vector<Hit> hits;
      bool usable = true;
      auto blob_matches = matches_of.find(texts[i]);
      if (blob_matches != matches_of.end()) {
        for (const StoredMatch& m : blob_matches->second) {
          if (m.base != row.base) continue;
          auto rule = rule_index.find(m.digest);
          if (rule == rule_index.end() || !runs(rule->second, classes) || held.count(m.digest) == 0) continue;
          if (!m.has_secret || scan_.redact_percent > 0) {
            usable = false;
            break;
          }
          Hit hit = m.hit;
          hit.rule = rule->second;
          hits.push_back(std::move(hit));
        }
      }
      if (!usable) continue;
      const Missing& left = missing(row.set, classes);
      if (left.mask) {
        out.rescan.emplace(key, left.mask);
        rescans_.emplace(key, Rescan{row.set, row.base, classes});
      } else {
        out.known.insert(key);
      }
      if (!hits.empty()) out.hits.emplace(key, std::move(hits));
    }
  }
  return out;
}

void SqlDatastore::record_blob(const BlobKey& blob, BlobScanStatus status, const std::vector<Hit>& hits) {
  const std::string text = key_text(blob);
  if (!recording_) recording_ = std::make_unique<Recording>(*db_);
  // A blob read again for the rules it had not run keeps what the others
  // found, and adds those rules to the set that ran on it.
  std::string set;
  std::string base = sweep_;
  auto rescan = rescans_.find(blob);
  if (status == BlobScanStatus::kScanned && rescan != rescans_.end()) {
    const std::string key = rescan->second.set + "/" + std::to_string(rescan->second.classes);
    set = wider_sets_.at(key);
    base = rescan->second.base;
    SqlStatement& drop = *recording_->drop_rule;
    for (const std::string& digest : missing_.at(key).digests) drop.bind(1, text).bind(2, base).bind(3, digest).run();
  } else {
    set = run_set(classes_of(blob));
    if (!listed_ || stored_.count(blob) != 0) recording_->drop->bind(1, text).run();
  }
  SqlStatement& scan = *recording_->scan;
  scan.bind(1, text)
      .bind(2, set)
      .bind(3, static_cast<std::int64_t>(kEngineVersion))
      .bind(4, std::string(status_name(status)))
      .bind(5, static_cast<std::int64_t>(scan_.max_blob_size))
      .bind(6, sweep_)
      .bind(7, base)
      .run();
  if (hits.empty()) return;
  if (listed_) stored_.insert(blob);  // recorded again later in this scan: drop these
  SqlStatement& match = *recording_->match;
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

void SqlDatastore::record_refs(const std::vector<RefInfo>& refs) {
  const std::unique_ptr<SqlStatement> ref = db_->prepare(
      "INSERT INTO refs VALUES (?, ?, ?, ?) ON CONFLICT(repository, name) DO UPDATE SET tip = excluded.tip, last_sweep "
      "= excluded.last_sweep");
  for (const RefInfo& r : refs)
    ref->bind(1, scan_.repository).bind(2, r.name).bind(3, r.commit.hex()).bind(4, sweep_).run();
}

std::optional<std::string> SqlDatastore::unchanged_result(const std::string& state) {
  const std::unique_ptr<SqlStatement> query =
      db_->prepare("SELECT result FROM repository_results WHERE repository = ? AND state = ?");
  query->bind(1, scan_.repository).bind(2, state);
  if (!query->step()) return std::nullopt;
  return query->text(0);
}

void SqlDatastore::record_result(const std::string& state, const std::string& result) {
  if (scan_.redact_percent > 0) return;  // it would hold the secrets
  const std::unique_ptr<SqlStatement> record = db_->prepare(
      "INSERT INTO repository_results VALUES (?, ?, ?, ?) ON CONFLICT(repository) DO UPDATE SET state = "
      "excluded.state, sweep = excluded.sweep, result = excluded.result");
  record->bind(1, scan_.repository).bind(2, state).bind(3, sweep_).bind(4, result).run();
}

void SqlDatastore::abandon_scan() {
  recording_.reset();
  if (!writing_) return;
  db_->rollback();
  writing_ = false;
}

std::string SqlDatastore::open_sweep(const std::string& key) {
  const std::unique_ptr<SqlStatement> open =
      db_->prepare("SELECT sweep FROM sweep_rounds WHERE sweep_key = ? AND closed = 0 ORDER BY sweep DESC LIMIT 1");
  open->bind(1, key);
  std::string sweep = open->step() ? open->text(0) : std::string();
  open->reset();
  if (!sweep.empty()) return sweep;
  sweep = new_sweep_id();
  const std::unique_ptr<SqlStatement> round = db_->prepare("INSERT INTO sweep_rounds VALUES (?, ?, 0)");
  round->bind(1, key).bind(2, sweep).run();
  return sweep;
}

std::vector<SweepRepository> SqlDatastore::sweep_repositories(const std::string& sweep) {
  const std::unique_ptr<SqlStatement> query =
      db_->prepare("SELECT repository, status, message FROM sweep_repositories WHERE sweep = ? ORDER BY repository");
  query->bind(1, sweep);
  std::vector<SweepRepository> out;
  while (query->step()) out.push_back({query->text(0), query->text(1), query->text(2)});
  return out;
}

void SqlDatastore::record_sweep_repository(const std::string& sweep, const SweepRepository& repository) {
  const std::unique_ptr<SqlStatement> record = db_->prepare(
      "INSERT INTO sweep_repositories VALUES (?, ?, ?, ?) ON CONFLICT(sweep, repository) DO UPDATE SET status = "
      "excluded.status, message = excluded.message");
  record->bind(1, sweep).bind(2, repository.repository).bind(3, repository.status).bind(4, repository.message).run();
}

void SqlDatastore::close_sweep(const std::string& key, const std::string& sweep) {
  const std::unique_ptr<SqlStatement> close =
      db_->prepare("UPDATE sweep_rounds SET closed = 1 WHERE sweep_key = ? AND sweep = ?");
  close->bind(1, key).bind(2, sweep).run();
}

void SqlDatastore::finish(const ReportContent& content) {
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
  const std::unique_ptr<SqlStatement> finding = db_->prepare(
      "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(rule_id, secret_sha256) DO UPDATE "
      "SET secret = excluded.secret, rule_digest = excluded.rule_digest, last_sweep = excluded.last_sweep, "
      "confidence = excluded.confidence");
  const std::unique_ptr<SqlStatement> location = db_->prepare(
      "INSERT INTO locations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(rule_id, secret_sha256, repository, commit_id, path, start_line, start_column) DO UPDATE SET "
      "end_line = excluded.end_line, end_column = excluded.end_column, description = excluded.description, "
      "match = excluded.match, line = excluded.line, author = excluded.author, email = excluded.email, "
      "date = excluded.date, message = excluded.message, entropy = excluded.entropy, tags = excluded.tags, "
      "fingerprint = excluded.fingerprint, last_sweep = excluded.last_sweep");
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const Finding& f = stored[i];
    auto digest = digest_of.find(f.rule_id);
    finding->bind(1, f.rule_id)
        .bind(2, digests[i])
        .bind(3, f.secret)
        .bind(4, digest == digest_of.end() ? std::string() : digest->second)
        .bind(5, sweep_)
        .bind(6, sweep_)
        .bind(7, std::string(confidence_name(f.confidence)))
        .run();
    location->bind(1, f.rule_id)
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
  const std::unique_ptr<SqlStatement> repository = db_->prepare(
      "INSERT INTO repositories VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET last_sweep = excluded.last_sweep, "
      "status = excluded.status");
  repository->bind(1, scan_.repository)
      .bind(2, sweep_)
      .bind(3, std::string(content.summary.unreadable > 0 ? "incomplete" : "scanned"))
      .run();
  commit();
}

std::string SqlDatastore::latest_sweep() {
  const std::unique_ptr<SqlStatement> latest = db_->prepare("SELECT id FROM sweeps ORDER BY id DESC LIMIT 1");
  return latest->step() ? latest->text(0) : std::string();
}

std::vector<Finding> SqlDatastore::stored_findings(const StoredSelection& selection) {
  const std::string latest = latest_sweep();
  std::string after = selection.since_sweep;
  const std::unique_ptr<SqlStatement> query = db_->prepare(
      "SELECT l.rule_id, l.description, f.secret, l.match, l.line, l.path, l.start_line, l.start_column, "
      "l.end_line, l.end_column, l.commit_id, l.author, l.email, l.date, l.message, l.entropy, l.tags, "
      "l.fingerprint, l.repository, f.confidence FROM locations l JOIN findings f "
      "ON f.rule_id = l.rule_id AND f.secret_sha256 = l.secret_sha256 "
      "WHERE f.rule_digest IN (SELECT r.rule_digest FROM ruleset_rules r JOIN sweeps s "
      "ON s.ruleset = r.ruleset WHERE s.id = ?1) "
      "AND (?2 = 0 OR l.first_sweep = ?1) AND (?3 = '' OR l.first_sweep > ?3) "
      "AND (?4 = '' OR l.first_sweep = ?4) "
      "AND l.last_sweep = (SELECT p.last_sweep FROM repositories p WHERE p.path = l.repository) "
      "ORDER BY l.repository, l.date, l.commit_id, l.path, l.start_line, l.start_column, l.rule_id");
  query->bind(1, latest)
      .bind(2, static_cast<std::int64_t>(selection.only_new ? 1 : 0))
      .bind(3, after)
      .bind(4, selection.in_sweep);
  std::vector<Finding> out;
  while (query->step()) {
    Finding f;
    f.rule_id = query->text(0);
    f.description = query->text(1);
    f.secret = query->text(2);
    f.match = query->text(3);
    f.line = query->text(4);
    f.path = query->text(5);
    f.start_line = static_cast<std::uint32_t>(query->integer(6));
    f.start_column = static_cast<std::uint32_t>(query->integer(7));
    f.end_line = static_cast<std::uint32_t>(query->integer(8));
    f.end_column = static_cast<std::uint32_t>(query->integer(9));
    f.commit = commit_from_hex(query->text(10));
    f.author = query->text(11);
    f.email = query->text(12);
    f.date = query->integer(13);
    f.message = query->text(14);
    f.entropy = query->real(15);
    f.tags = split_tags(query->text(16));
    f.fingerprint = query->text(17);
    f.confidence = confidence_named(query->text(19)).value_or(Confidence::kHigh);
    out.push_back(std::move(f));
  }
  return out;
}

std::uint64_t SqlDatastore::stale_findings() {
  const std::unique_ptr<SqlStatement> query = db_->prepare(
      "SELECT count(*) FROM findings WHERE rule_digest NOT IN (SELECT r.rule_digest FROM ruleset_rules r "
      "JOIN sweeps s ON s.ruleset = r.ruleset WHERE s.id = (SELECT id FROM sweeps ORDER BY id DESC LIMIT 1))");
  return query->step() ? static_cast<std::uint64_t>(query->integer(0)) : 0;
}

void SqlDatastore::merge_from(const std::string& path) {
  // Opening it first checks it is a datastore this trawl reads.
  const std::unique_ptr<Datastore> opened = open_datastore(path);
  SqlConnection& src = *dynamic_cast<SqlDatastore&>(*opened).db_;
  begin_write();
  try {
    for (const MergedTable& table : merged_tables()) {
      const std::unique_ptr<SqlStatement> read = src.prepare("SELECT * FROM " + table.name);
      const std::unique_ptr<SqlStatement> add =
          db_->prepare(insert_values(table.name, table.columns) + table.on_conflict);
      while (read->step()) {
        for (int c = 0; c < table.columns; ++c) add->bind(c + 1, read->value(c));
        add->run();
      }
    }
    // Matches of a blob's older reads go with them.
    db_->prepare(
           "DELETE FROM matches WHERE NOT EXISTS "
           "(SELECT 1 FROM blob_scans b WHERE b.blob = matches.blob AND b.base = matches.base)")
        ->run();
    commit();
  } catch (...) {
    db_->rollback();
    writing_ = false;
    throw;
  }
}

}  // namespace trawl
