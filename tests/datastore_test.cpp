// The incremental datastore (--datastore, trawl report, trawl merge): real
// SQLite files, a real PostgreSQL server (support/postgres_server.h) for the
// behaviours both backends share, and repositories the tests build with git.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "rules/rule_loader.h"
#include "store/sqlite_datastore.h"
#include "support/git_fixture.h"
#include "support/postgres_server.h"
#include "support/test_rules.h"

namespace trawl {
namespace {

using test::CommandResult;
using test::GitRepo;
using test::shell_quote;
using test::TempDir;

constexpr std::string_view kKeyRule = R"(
[[rules]]
id = "test-key"
description = "Test key"
regex = '''\b(key_[A-Z0-9]{16})\b'''
keywords = ["key_"]
)";

std::string token(char c) { return "tok_" + std::string(20, c); }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Every row of every table, sorted: equal dumps are equal stores.
std::string dump(const std::filesystem::path& db_path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::vector<std::string> tables;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1, &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW)
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  sqlite3_finalize(stmt);
  std::string out;
  for (const std::string& table : tables) {
    std::vector<std::string> rows;
    sqlite3_prepare_v2(db, ("SELECT * FROM " + table).c_str(), -1, &stmt, nullptr);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        row += (text == nullptr ? std::string("NULL") : std::string(text)) + "|";
      }
      rows.push_back(row);
    }
    sqlite3_finalize(stmt);
    std::sort(rows.begin(), rows.end());
    out += "== " + table + "\n";
    for (const std::string& row : rows) out += row + "\n";
  }
  sqlite3_close(db);
  return out;
}

std::int64_t count(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  std::int64_t n = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

class Datastore : public ::testing::Test {
 protected:
  Datastore() : repo_(dir_.path() / "repo") { write_rules(std::string(test::kTestTokenRule)); }
  ~Datastore() override = default;
  Datastore(const Datastore&) = delete;
  Datastore& operator=(const Datastore&) = delete;

  std::filesystem::path path(const std::string& name) const { return dir_.path() / name; }
  virtual std::string db() const { return (dir_.path() / "trawl.db").string(); }

  void write_rules(const std::string& toml) { write_file(path("rules.toml"), toml); }

  CommandResult trawl(const std::string& args) {
    return test::run_command(shell_quote(TRAWL_BINARY) + " " + args, dir_.path());
  }

  // A scan of `repo` with the rules file into the store; its json report.
  nlohmann::json scan(const std::filesystem::path& repo, const std::string& extra = "") {
    const CommandResult r = trawl("scan " + shell_quote(repo.string()) + " --no-progress -c " +
                                  shell_quote(path("rules.toml").string()) + " --datastore " + shell_quote(db()) +
                                  " -f json -r " + shell_quote(path("scan.json").string()) + " " + extra);
    EXPECT_LE(r.exit_code, 1) << r.err;
    return nlohmann::json::parse(read_file(path("scan.json")));
  }

  nlohmann::json fresh_scan(const std::filesystem::path& repo) {
    const CommandResult r =
        trawl("scan " + shell_quote(repo.string()) + " --no-progress -c " + shell_quote(path("rules.toml").string()) +
              " -f json -r " + shell_quote(path("fresh.json").string()));
    EXPECT_LE(r.exit_code, 1) << r.err;
    return nlohmann::json::parse(read_file(path("fresh.json")));
  }

  nlohmann::json report(const std::string& extra = "") {
    const CommandResult r = trawl("report --datastore " + shell_quote(db()) + " -f json -r " +
                                  shell_quote(path("report.json").string()) + " " + extra);
    EXPECT_LE(r.exit_code, 1) << r.err;
    return nlohmann::json::parse(read_file(path("report.json")));
  }

  // Three commits; the second leaks token('a').
  void small_history() {
    repo_.write("README", "hello\n");
    repo_.commit("one");
    repo_.write("config.env", "TOKEN=" + token('a') + "\n");
    repo_.commit("two");
    repo_.write("README", "hello again\n");
    repo_.commit("three");
  }

  TempDir dir_;
  GitRepo repo_;
};

enum class Backend : std::uint8_t { kSqlite, kPostgres };

// The behaviours both backends share, run on each: an SQLite file, or a
// fresh database of a PostgreSQL server the suite starts.
class DatastoreOnEveryBackend : public Datastore, public ::testing::WithParamInterface<Backend> {
 protected:
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (GetParam() != Backend::kPostgres) return;
    if (!test::PostgresServer::missing().empty()) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string(ci) == "true") FAIL() << test::PostgresServer::missing();
      GTEST_SKIP() << test::PostgresServer::missing();
    }
    if (!server_) server_ = std::make_unique<test::PostgresServer>();
    url_ = server_->create_database();
  }

  bool sqlite() const { return GetParam() == Backend::kSqlite; }
  std::string db() const override { return sqlite() ? Datastore::db() : url_; }

  // The integer `sql` (a count) gives.
  std::int64_t count(const std::string& sql) const {
    return sqlite() ? trawl::count(db(), sql) : std::stoll(server_->execute(url_, sql));
  }
  // The first sweep's id.
  std::string first_sweep() const {
    if (!sqlite()) return server_->execute(url_, "SELECT encode(id, 'escape') FROM sweeps ORDER BY id");
    sqlite3* handle = nullptr;
    sqlite3_open_v2(db().c_str(), &handle, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(handle, "SELECT min(id) FROM sweeps", -1, &stmt, nullptr);
    std::string id;
    if (sqlite3_step(stmt) == SQLITE_ROW) id = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
    return id;
  }

  static std::unique_ptr<test::PostgresServer> server_;
  std::string url_;
};

std::unique_ptr<test::PostgresServer> DatastoreOnEveryBackend::server_;

INSTANTIATE_TEST_SUITE_P(Backends, DatastoreOnEveryBackend, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return param.param == Backend::kSqlite ? "SQLite" : "PostgreSQL";
                         });

TEST_P(DatastoreOnEveryBackend, SecondScanWithNoChangeReadsNoBlobsAndGivesTheSameFindings) {
  small_history();
  const nlohmann::json first = scan(repo_.path());
  EXPECT_EQ(first["scan"]["blobs_read"], 3);
  EXPECT_EQ(first["scan"]["blobs_known"], 0);
  ASSERT_EQ(first["findings"].size(), 1u);
  const nlohmann::json second = scan(repo_.path());
  EXPECT_EQ(second["scan"]["blobs_read"], 0);
  EXPECT_EQ(second["scan"]["blobs_known"], 3);
  EXPECT_EQ(second["scan"]["blobs_scanned"], 0);
  EXPECT_EQ(second["findings"].dump(), first["findings"].dump());
  EXPECT_EQ(second["secrets"].dump(), first["secrets"].dump());
  if (sqlite()) {
    struct stat st {};
    ASSERT_EQ(::stat(db().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
}

constexpr std::string_view kConfRule = R"(
[[rules]]
id = "conf-token"
description = "Token in a .conf file"
regex = '''conf_token\s*=\s*(tok_[a-z0-9]{20})'''
path = '''\.conf$'''
keywords = ["conf_token"]
)";

constexpr std::string_view kDockerfileEnvCheck = R"(
[[rules]]
id = "dockerfile-env-secret"
description = "Dockerfile ENV sets a secret"
check = "dockerfile-env-secret"
path = '''(^|/)Dockerfile$'''
keywords = ["env "]
)";

// A rule with a path reports only where it applies, and its hit never
// hides another rule's where it does not. Such a rule runs only on blobs
// seen at a path it matches, with a store or without: both report the same.
TEST_P(DatastoreOnEveryBackend, ARuleWithAPathReportsOnlyWhereItAppliesWithOrWithoutAStore) {
  write_rules(std::string(kConfRule) + std::string(test::kTestTokenRule));
  const std::string line = "conf_token = " + token('c') + "\n";
  repo_.write("app.conf", line);
  repo_.write("notes.txt", line);  // the same blob, where the rule does not apply
  const std::string first = repo_.commit("add");
  repo_.remove("app.conf");
  const std::string second = repo_.commit("remove app.conf");
  for (const nlohmann::json& report : {fresh_scan(repo_.path()), scan(repo_.path())}) {
    std::vector<std::string> found;
    for (const auto& f : report["findings"]) {
      found.push_back(f["rule_id"].get<std::string>() + " " + f["path"].get<std::string>());
    }
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found, (std::vector<std::string>{"conf-token app.conf", "test-token notes.txt"}));
    ASSERT_EQ(report["secrets"].size(), 2u);
    for (const auto& t : report["secrets"]) {
      if (t["rule_id"] == "conf-token") {
        // Still in notes.txt, but not where the rule applies: gone.
        EXPECT_EQ(t["present_at_total"], 0);
        ASSERT_EQ(t["removed"].size(), 1u);
        EXPECT_EQ(t["removed"][0]["path"], "app.conf");
        EXPECT_EQ(t["removed"][0]["commit"], second);
      } else {
        // The value was in app.conf too (reported there by the rule for
        // .conf files) and left it.
        EXPECT_EQ(t["present_at_total"], 1);
        EXPECT_EQ(t["present_at"][0]["path"], "notes.txt");
        ASSERT_EQ(t["removed"].size(), 1u);
        EXPECT_EQ(t["removed"][0]["path"], "app.conf");
        ASSERT_EQ(t["introduced"].size(), 1u);
        EXPECT_EQ(t["introduced"][0]["commit"], first);
      }
    }
  }
  EXPECT_EQ(fresh_scan(repo_.path())["secrets"].dump(), scan(repo_.path())["secrets"].dump());
}

TEST_P(DatastoreOnEveryBackend, ANewCommitReadsOnlyItsNewBlobsAndItsFindingIsNew) {
  small_history();
  scan(repo_.path());
  repo_.write("deploy.sh", "export T=" + token('b') + "\n");
  repo_.commit("four");
  const nlohmann::json second = scan(repo_.path());
  EXPECT_EQ(second["scan"]["blobs_read"], 1);
  EXPECT_EQ(second["scan"]["blobs_known"], 3);
  EXPECT_EQ(second["findings"].size(), 2u);
  EXPECT_EQ(second["findings"].dump(), fresh_scan(repo_.path())["findings"].dump());

  const nlohmann::json fresh = report("--new");
  ASSERT_EQ(fresh["findings"].size(), 1u);
  EXPECT_EQ(fresh["findings"][0]["secret"], token('b'));
  EXPECT_EQ(fresh["findings"][0]["path"], "deploy.sh");
  EXPECT_EQ(report()["findings"].size(), 2u);
  const std::string first = first_sweep();
  ASSERT_FALSE(first.empty());
  const nlohmann::json since = report("--since-sweep " + shell_quote(first));
  ASSERT_EQ(since["findings"].size(), 1u);
  EXPECT_EQ(since["findings"][0]["path"], "deploy.sh");
}

TEST_P(DatastoreOnEveryBackend, ARedactedStoreHoldsNoSecretAndReadsBlobsWithMatchesAgain) {
  small_history();
  const nlohmann::json first = scan(repo_.path(), "--redact");
  ASSERT_EQ(first["findings"].size(), 1u);
  EXPECT_EQ(first["findings"][0]["secret"], "REDACTED");
  const nlohmann::json second = scan(repo_.path(), "--redact");
  EXPECT_EQ(second["scan"]["blobs_read"], 1);
  EXPECT_EQ(second["scan"]["blobs_known"], 2);
  EXPECT_EQ(second["findings"].dump(), first["findings"].dump());
  for (const std::string suffix : {"", "-wal"}) {
    const std::filesystem::path file = db() + suffix;
    if (sqlite() && std::filesystem::exists(file)) {
      EXPECT_EQ(read_file(file).find(token('a')), std::string::npos) << file;
    }
  }
  if (!sqlite()) {
    EXPECT_EQ(count("SELECT count(*) FROM matches WHERE secret IS NOT NULL OR match IS NOT NULL"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM locations WHERE position('" + token('a') + "'::bytea in line) > 0"), 0);
  }
  EXPECT_EQ(report()["findings"][0]["secret"], "REDACTED");
}

TEST_P(DatastoreOnEveryBackend, AnAddedRuleRunsOverOldBlobsAndFindsASecretDeepInHistory) {
  repo_.write("old.txt", "K=key_0123456789ABCDEF\n");
  repo_.commit("deep");
  for (const std::string name : {"a", "b", "c", "d", "e"}) {
    repo_.write("file-" + name, "line " + name + "\n");
    repo_.commit("change " + name);
  }
  EXPECT_EQ(scan(repo_.path())["findings"].size(), 0u);
  write_rules(std::string(test::kTestTokenRule) + std::string(kKeyRule));
  const nlohmann::json with_key = scan(repo_.path());
  EXPECT_EQ(with_key["scan"]["blobs_read"], 6);
  ASSERT_EQ(with_key["findings"].size(), 1u);
  EXPECT_EQ(with_key["findings"][0]["rule_id"], "test-key");
  EXPECT_EQ(with_key["findings"][0]["message"], "deep");
  // The six old blobs were read again for the new rule alone.
  EXPECT_EQ(with_key["scan"]["blobs_known"], 0);
  EXPECT_EQ(with_key["scan"]["blobs_rescanned"], 6);
  EXPECT_EQ(with_key["scan"]["rules_run_on_known_blobs"], 6);
  EXPECT_EQ(with_key["findings"].dump(), fresh_scan(repo_.path())["findings"].dump());
  EXPECT_EQ(with_key["secrets"].dump(), fresh_scan(repo_.path())["secrets"].dump());
  const nlohmann::json again = scan(repo_.path());
  EXPECT_EQ(again["scan"]["blobs_read"], 0);
  EXPECT_EQ(again["scan"]["blobs_rescanned"], 0);
  EXPECT_EQ(again["scan"]["rules_run_on_known_blobs"], 0);
}

// The store keeps every hit before stage 2's choice of one per span, so a
// rule added later competes for spans exactly as in a fresh scan: here the
// specific key rule takes the span the generic rule found first.
TEST_P(DatastoreOnEveryBackend, AnAddedRuleJoinsTheChoiceOfOneHitPerSpanAsInAFreshScan) {
  const std::string generic = R"(
[[rules]]
id = "generic-secret"
description = "Generic secret assignment"
regex = '''secret=([a-zA-Z0-9_]{10,})'''
keywords = ["secret="]
tags = ["generic"]
)";
  repo_.write("a.env", "secret=key_0123456789ABCDEF\nsecret=plainvalue123\n");
  repo_.commit("one");
  write_rules(std::string(test::kTestTokenRule) + generic);
  const nlohmann::json first = scan(repo_.path());
  ASSERT_EQ(first["findings"].size(), 2u);
  EXPECT_EQ(first["findings"][0]["rule_id"], "generic-secret");
  write_rules(std::string(test::kTestTokenRule) + generic + std::string(kKeyRule));
  const nlohmann::json second = scan(repo_.path());
  EXPECT_EQ(second["scan"]["blobs_rescanned"], 1);
  EXPECT_EQ(second["scan"]["rules_run_on_known_blobs"], 1);
  const nlohmann::json fresh = fresh_scan(repo_.path());
  ASSERT_EQ(fresh["findings"].size(), 2u);
  EXPECT_EQ(fresh["findings"][0]["rule_id"], "test-key");
  EXPECT_EQ(second["findings"].dump(), fresh["findings"].dump());
  EXPECT_EQ(second["secrets"].dump(), fresh["secrets"].dump());
}

// A rule with a path that did not run on a blob (seen only where the rule
// does not apply) runs on it, alone, once a later scan sees the blob where
// it applies: here another repository holds it at app.conf.
TEST_P(DatastoreOnEveryBackend, ABlobSeenLaterAtAPathARuleMatchesRunsThatRuleThen) {
  write_rules(std::string(kConfRule) + std::string(kKeyRule));
  repo_.write("notes.txt", "conf_token = " + token('c') + "\n");
  repo_.commit("notes");
  const nlohmann::json first = scan(repo_.path());
  EXPECT_EQ(first["findings"].size(), 0u);
  GitRepo other(path("other"));
  other.write("app.conf", "conf_token = " + token('c') + "\n");
  other.commit("config");
  const nlohmann::json second = scan(other.path());
  EXPECT_EQ(second["scan"]["blobs_read"], 1);
  EXPECT_EQ(second["scan"]["blobs_known"], 0);
  EXPECT_EQ(second["scan"]["blobs_rescanned"], 1);
  EXPECT_EQ(second["scan"]["rules_run_on_known_blobs"], 1);
  const nlohmann::json fresh = fresh_scan(other.path());
  ASSERT_EQ(second["findings"].size(), 1u);
  EXPECT_EQ(second["findings"][0]["rule_id"], "conf-token");
  EXPECT_EQ(second["findings"][0]["path"], "app.conf");
  EXPECT_EQ(second["findings"].dump(), fresh["findings"].dump());
  EXPECT_EQ(second["secrets"].dump(), fresh["secrets"].dump());
  const nlohmann::json third = scan(other.path());
  EXPECT_EQ(third["scan"]["blobs_read"], 0);
  EXPECT_EQ(third["findings"].dump(), fresh["findings"].dump());
}

// With rules with a path and a container check in play, a scan into a
// fresh store reports what a scan without one does, and so does the next.
TEST_P(DatastoreOnEveryBackend, AScanIntoAFreshStoreEqualsAScanWithoutOne) {
  write_rules(std::string(kConfRule) + std::string(kDockerfileEnvCheck) + std::string(test::kTestTokenRule));
  const std::string env = "FROM python:3.12\nENV DJANGO_SECRET_KEY=q8Zr3Lx9Tn2Vb7Wm4Kc1Pd6Hs0Gf5Jy\n";
  repo_.write("Dockerfile", env);
  repo_.write("notes.txt", env + "conf_token = " + token('e') + "\n");
  repo_.write("app.conf", "conf_token = " + token('e') + "\n");
  repo_.commit("one");
  repo_.write("Dockerfile", "FROM debian\n");
  repo_.commit("two");
  const nlohmann::json fresh = fresh_scan(repo_.path());
  const nlohmann::json first = scan(repo_.path());
  std::vector<std::string> rules_found;
  for (const auto& f : fresh["findings"]) rules_found.push_back(f["rule_id"].get<std::string>());
  std::sort(rules_found.begin(), rules_found.end());
  EXPECT_EQ(rules_found, (std::vector<std::string>{"conf-token", "dockerfile-env-secret", "test-token"}));
  EXPECT_EQ(first["findings"].dump(), fresh["findings"].dump());
  EXPECT_EQ(first["secrets"].dump(), fresh["secrets"].dump());
  const nlohmann::json second = scan(repo_.path());
  EXPECT_EQ(second["scan"]["blobs_read"], 0);
  EXPECT_EQ(second["findings"].dump(), fresh["findings"].dump());
  EXPECT_EQ(second["secrets"].dump(), fresh["secrets"].dump());
}

// A store of schema version 1 (which kept only the hits stage 2 chose) is
// brought to version 2: blobs with hits are read again, the others not.
TEST_F(Datastore, AVersion1StoreIsMigrated) {
  small_history();
  const nlohmann::json first = scan(repo_.path());
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &handle), SQLITE_OK);
  for (const char* sql :
       {"ALTER TABLE blob_scans DROP COLUMN base", "ALTER TABLE matches DROP COLUMN base", "DROP TABLE sweep_rounds",
        "DROP TABLE sweep_repositories", "UPDATE trawl_schema SET version = 1"}) {
    ASSERT_EQ(sqlite3_exec(handle, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(handle);
  }
  sqlite3_close(handle);
  const nlohmann::json second = scan(repo_.path());
  EXPECT_EQ(count(db(), "SELECT version FROM trawl_schema"), 2);
  EXPECT_EQ(second["scan"]["blobs_read"], 1);
  EXPECT_EQ(second["scan"]["blobs_known"], 2);
  EXPECT_EQ(second["findings"].dump(), first["findings"].dump());
  EXPECT_EQ(second["secrets"].dump(), first["secrets"].dump());
  EXPECT_EQ(scan(repo_.path())["scan"]["blobs_read"], 0);
}

TEST_P(DatastoreOnEveryBackend, EditingARulesPatternEqualsAFreshScanAndMarksOldFindingsStale) {
  repo_.write("a.env", "T=" + token('a') + "\nK=key_0123456789ABCDEF\n");
  repo_.commit("one");
  write_rules(std::string(test::kTestTokenRule) + std::string(kKeyRule));
  EXPECT_EQ(scan(repo_.path())["findings"].size(), 2u);
  // The key rule now wants 20 characters: the old key no longer matches.
  std::string edited = std::string(kKeyRule);
  edited.replace(edited.find("{16}"), 4, "{20}");
  write_rules(std::string(test::kTestTokenRule) + edited);
  const nlohmann::json after = scan(repo_.path());
  EXPECT_EQ(after["scan"]["blobs_read"], 1);
  EXPECT_EQ(after["findings"].dump(), fresh_scan(repo_.path())["findings"].dump());
  ASSERT_EQ(after["findings"].size(), 1u);
  const nlohmann::json stored = report();
  ASSERT_EQ(stored["findings"].size(), 1u);
  EXPECT_EQ(stored["findings"][0]["rule_id"], "test-token");
}

TEST_P(DatastoreOnEveryBackend, AKnownBlobInANewRepositoryGetsANewLocationWithoutANewMatch) {
  small_history();
  scan(repo_.path());
  GitRepo other(path("other"));
  other.write("settings.env", "TOKEN=" + token('a') + "\n");
  other.commit("copy");
  const nlohmann::json second = scan(other.path());
  EXPECT_EQ(second["scan"]["blobs_read"], 0);
  EXPECT_EQ(second["scan"]["blobs_known"], 1);
  ASSERT_EQ(second["findings"].size(), 1u);
  EXPECT_EQ(second["findings"][0]["path"], "settings.env");
  EXPECT_EQ(count("SELECT count(*) FROM findings"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM locations"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM matches"), 1);
  EXPECT_EQ(report()["findings"].size(), 2u);
}

TEST_F(Datastore, MergeIsIdempotentAndOrderIndependent) {
  small_history();
  scan(repo_.path());
  std::filesystem::rename(db(), path("a.db"));
  GitRepo other(path("other"));
  other.write("x.env", "TOKEN=" + token('c') + "\nTOKEN2=" + token('a') + "\n");
  other.commit("other");
  scan(other.path());
  std::filesystem::rename(db(), path("b.db"));
  const std::string a = path("a.db").string();
  const std::string b = path("b.db").string();

  std::filesystem::copy_file(a, path("aa.db"));
  ASSERT_EQ(trawl("merge " + shell_quote(path("aa.db").string()) + " " + shell_quote(a)).exit_code, 0);
  EXPECT_EQ(dump(path("aa.db")), dump(a));

  ASSERT_EQ(trawl("merge ab.db " + shell_quote(a) + " " + shell_quote(b)).exit_code, 0);
  ASSERT_EQ(trawl("merge ba.db " + shell_quote(b) + " " + shell_quote(a)).exit_code, 0);
  EXPECT_EQ(dump(path("ab.db")), dump(path("ba.db")));
  ASSERT_EQ(trawl("merge ab.db " + shell_quote(b)).exit_code, 0);
  EXPECT_EQ(dump(path("ab.db")), dump(path("ba.db")));
  EXPECT_EQ(count(path("ab.db"), "SELECT count(*) FROM findings"), 2);
  EXPECT_EQ(count(path("ab.db"), "SELECT count(*) FROM locations"), 3);
}

TEST_P(DatastoreOnEveryBackend, RaisingMaxBlobSizeReadsBlobsRecordedAsTooLarge) {
  repo_.write("big.txt", std::string(3000, 'x') + "\nT=" + token('d') + "\n");
  repo_.write("small.txt", "small\n");
  repo_.commit("one");
  const nlohmann::json limited = scan(repo_.path(), "--max-blob-size 1000");
  EXPECT_EQ(limited["findings"].size(), 0u);
  EXPECT_EQ(limited["scan"]["skipped"]["too_large"], 1);
  EXPECT_EQ(scan(repo_.path(), "--max-blob-size 1000")["scan"]["blobs_read"], 0);
  const nlohmann::json raised = scan(repo_.path(), "--max-blob-size 1MiB");
  EXPECT_EQ(raised["scan"]["blobs_read"], 1);
  EXPECT_EQ(raised["scan"]["blobs_known"], 1);
  EXPECT_EQ(raised["findings"].size(), 1u);
}

TEST_F(Datastore, AForeignNewerOrDamagedFileIsAClearError) {
  small_history();
  auto refused = [&](const std::string& file, const std::string& why) {
    const CommandResult r = trawl("scan " + shell_quote(repo_.path().string()) + " --no-progress --datastore " +
                                  shell_quote(path(file).string()));
    EXPECT_EQ(r.exit_code, 2) << file << ": " << r.err;
    EXPECT_NE(r.err.find(path(file).string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
  };
  write_file(path("text.db"), std::string(4096, 'z'));
  refused("text.db", "not a trawl datastore");

  sqlite3* handle = nullptr;
  sqlite3_open(path("other.db").c_str(), &handle);
  sqlite3_exec(handle, "CREATE TABLE notes(x)", nullptr, nullptr, nullptr);
  sqlite3_close(handle);
  refused("other.db", "not a trawl datastore");

  scan(repo_.path());
  std::filesystem::copy_file(db(), path("newer.db"));
  sqlite3_open(path("newer.db").c_str(), &handle);
  sqlite3_exec(handle, "UPDATE trawl_schema SET version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(handle);
  refused("newer.db", "newer trawl (schema version 99");

  std::string damaged = read_file(db());
  for (std::size_t i = 100; i < damaged.size(); ++i) damaged[i] = static_cast<char>(i * 7);
  write_file(path("damaged.db"), damaged);
  refused("damaged.db", "damaged");
}

TEST(DatastoreLock, ASecondWriterGetsAClearError) {
  TempDir dir;
  const std::string file = (dir.path() / "store.db").string();
  const RuleLoad rules = load_rules_text(test::kTestTokenRule, "test");
  StoreScan scan;
  scan.repository = "repo";
  scan.rules = &rules.rules;
  SqliteDatastore first(file);
  SqliteDatastore second(file);
  first.begin_scan(scan);
  try {
    second.begin_scan(scan);
    FAIL() << "a second writer was let in";
  } catch (const DatastoreError& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another writer"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trawl
