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
#include "scan/stored_result.h"
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

  // A scan of `repo` with the rules file, into the store `store` unless it
  // is empty, reporting as `format` into `file`; the report's text.
  std::string scan_text(const std::filesystem::path& repo, const std::string& store, const std::string& format,
                        const std::string& extra = "") {
    const std::filesystem::path out = path("out." + format);
    const CommandResult r =
        trawl("scan " + shell_quote(repo.string()) + " --no-progress -c " + shell_quote(path("rules.toml").string()) +
              (store.empty() ? "" : " --datastore " + shell_quote(store)) + " -f " + format + " -r " +
              shell_quote(out.string()) + " " + extra);
    EXPECT_LE(r.exit_code, 1) << r.err;
    last_err_ = r.err;
    return read_file(out);
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
  std::string last_err_;  // scan_text()'s standard error
};

enum class Backend : std::uint8_t { kSqlite, kPostgres };

// The behaviours both backends share, run on each: an SQLite file, or a
// fresh database of a PostgreSQL server the suite starts.
class DatastoreOnEveryBackend : public Datastore, public ::testing::WithParamInterface<Backend> {
 protected:
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (GetParam() != Backend::kPostgres) return;
    TRAWL_REQUIRE_POSTGRES();
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

// The store is asked about blobs in batches: a history of more blobs than
// one batch holds, with matches spread over them, is known blob by blob.
TEST_P(DatastoreOnEveryBackend, ManyBlobsAreLookedUpInBatchesAndEachIsKnownWithItsHits) {
  for (int i = 0; i < 600; ++i) {
    std::string text = "file " + std::to_string(i) + "\n";
    if (i % 100 == 7) text += "TOKEN=" + token(static_cast<char>('a' + i / 100)) + "\n";
    repo_.write("dir" + std::to_string(i % 7) + "/f" + std::to_string(i) + ".env", text);
  }
  repo_.commit("many");
  const nlohmann::json first = scan(repo_.path());
  EXPECT_EQ(first["scan"]["blobs_read"], 600);
  EXPECT_EQ(first["findings"].size(), 6u);
  repo_.write("late.env", "TOKEN=" + token('z') + "\n");
  repo_.commit("late");
  const nlohmann::json second = scan(repo_.path());
  EXPECT_EQ(second["scan"]["blobs_read"], 1);
  EXPECT_EQ(second["scan"]["blobs_known"], 600);
  EXPECT_EQ(second["findings"].size(), 7u);
  EXPECT_EQ(second["findings"].dump(), fresh_scan(repo_.path())["findings"].dump());
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

// The scan object's counters of the run itself: time, and what was read.
nlohmann::json without_run_counters(nlohmann::json report) {
  for (const char* key : {"wall_seconds", "walk_seconds", "read_match_seconds", "match_seconds", "attribute_seconds",
                          "blobs_scanned", "bytes_scanned", "blobs_from_packs", "blobs_from_libgit2", "blobs_read",
                          "blobs_known", "blobs_rescanned", "rules_run_on_known_blobs", "history_walked"}) {
    report["scan"].erase(key);
  }
  return report;
}

nlohmann::json without_timing(nlohmann::json report) {
  for (const char* key :
       {"wall_seconds", "walk_seconds", "read_match_seconds", "match_seconds", "attribute_seconds", "history_walked"}) {
    report["scan"].erase(key);
  }
  return report;
}

// Findings as sorted json texts: a store's report orders them by
// repository and date, a scan's report by its own order.
std::vector<std::string> sorted_findings(const nlohmann::json& report) {
  std::vector<std::string> out;
  for (const auto& f : report["findings"]) out.push_back(f.dump());
  std::sort(out.begin(), out.end());
  return out;
}

// Nothing changed since the last complete scan (refs, rules, ignore files,
// options): the store's result is given again, byte for byte, without
// walking the history or reading a blob.
TEST_F(Datastore, AScanOfUnchangedContentReusesTheLastCompleteScanWithoutWalkingTheHistory) {
  small_history();
  repo_.git("tag v1");
  repo_.git("branch before-removal");
  repo_.remove("config.env");
  repo_.write("README", "bye\n");
  repo_.commit("four");
  const nlohmann::json first = nlohmann::json::parse(scan_text(repo_.path(), db(), "json"));
  EXPECT_EQ(first["scan"]["history_walked"], true);
  ASSERT_EQ(first["findings"].size(), 1u);
  ASSERT_EQ(first["secrets"].size(), 1u);
  EXPECT_EQ(first["secrets"][0]["removed"].size(), 1u);

  const nlohmann::json second = nlohmann::json::parse(scan_text(repo_.path(), db(), "json"));
  EXPECT_TRUE(last_err_.find("unchanged: history not walked") != std::string::npos) << last_err_;
  EXPECT_EQ(second["scan"]["history_walked"], false);
  EXPECT_EQ(second["scan"]["blobs_read"], 0);
  EXPECT_EQ(second["scan"]["blobs_scanned"], 0);
  EXPECT_EQ(second["scan"]["blobs_known"], first["scan"]["blobs"]);
  EXPECT_EQ(without_run_counters(second).dump(), without_run_counters(first).dump());

  // The same as a second scan that walks (its store without the result):
  // everything but the time taken.
  const std::string walked_db = path("walked.db").string();
  std::filesystem::copy_file(db(), walked_db);
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(walked_db.c_str(), &handle), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(handle, "DELETE FROM repository_results", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(handle);
  const nlohmann::json walked = nlohmann::json::parse(scan_text(repo_.path(), walked_db, "json"));
  EXPECT_EQ(walked["scan"]["history_walked"], true);
  EXPECT_EQ(without_timing(second).dump(), without_timing(walked).dump());

  for (const std::string format : {"sarif", "csv", "jsonl", "gitleaks"}) {
    const std::string reused = scan_text(repo_.path(), db(), format);
    EXPECT_TRUE(last_err_.find("unchanged: history not walked") != std::string::npos) << format << last_err_;
    EXPECT_EQ(reused, scan_text(repo_.path(), "", format)) << format;
  }
}

TEST_F(Datastore, AChangeOfRefsRulesIgnoreFilesOrOptionsWalksTheHistoryAgain) {
  small_history();
  auto walked = [&](const std::string& extra = "") {
    const nlohmann::json r = nlohmann::json::parse(scan_text(repo_.path(), db(), "json", extra));
    EXPECT_EQ(r["findings"].size(), 1u) << extra;
    return r["scan"]["history_walked"].get<bool>();
  };
  EXPECT_TRUE(walked());
  EXPECT_FALSE(walked());
  repo_.git("branch side HEAD~1");
  EXPECT_TRUE(walked());
  EXPECT_FALSE(walked());
  repo_.git("update-ref refs/heads/side HEAD");
  EXPECT_TRUE(walked());
  write_file(repo_.path() / ".trawlignore", "README:test-token:9\n");
  EXPECT_TRUE(walked());
  EXPECT_FALSE(walked());
  EXPECT_TRUE(walked("--max-blob-size 1000"));
  EXPECT_FALSE(walked("--max-blob-size 1000"));
  EXPECT_TRUE(walked("--branch side"));
  EXPECT_TRUE(walked());
  write_rules(std::string(test::kTestTokenRule) + std::string(kKeyRule));
  EXPECT_TRUE(walked());
  EXPECT_FALSE(walked());
  // A redacted store keeps no result to give again: it would hold secrets.
  EXPECT_TRUE(walked("--redact"));
  EXPECT_TRUE(walked("--redact"));
}

// A scan that could not read an object gives its result again only while
// the repository holds the same objects: once the object is back (a fetch
// into a partial clone moves no ref), the history is walked again.
TEST_F(Datastore, AnIncompleteScanIsReusedOnlyWhileTheRepositoryHoldsTheSameObjects) {
  small_history();
  std::string blob = repo_.git("rev-parse HEAD~2:README");
  blob.erase(blob.find_last_not_of('\n') + 1);
  const std::filesystem::path object = repo_.loose_object_path(blob);
  const std::filesystem::path kept = path("kept-object");
  std::filesystem::copy_file(object, kept);
  std::filesystem::remove(object);
  auto scanned = [&] { return nlohmann::json::parse(scan_text(repo_.path(), db(), "json")); };
  const nlohmann::json first = scanned();
  EXPECT_EQ(first["scan"]["unreadable"], 1);
  const nlohmann::json second = scanned();
  EXPECT_EQ(second["scan"]["history_walked"], false);
  EXPECT_EQ(second["scan"]["unreadable"], 1);
  EXPECT_EQ(without_run_counters(second).dump(), without_run_counters(first).dump());
  std::filesystem::copy_file(kept, object);
  const nlohmann::json restored = scanned();
  EXPECT_EQ(restored["scan"]["history_walked"], true);
  EXPECT_EQ(restored["scan"]["unreadable"], 0);
  EXPECT_EQ(scanned()["scan"]["history_walked"], false);
}

// Nights of force-pushes, deleted refs and new refs, each scanned into the
// store: each night's report equals a full scan of that night's state, and
// so does the store's own report. A secret only in history a force-push
// dropped is no longer reported: each repository's locations in the store
// are those its latest scan saw.
TEST_F(Datastore, NightsOfForcePushesAndDeletedRefsEqualOneFullScanOfTheFinalState) {
  repo_.write("README", "hello\n");
  repo_.commit("one");
  std::string main = repo_.git("rev-parse --abbrev-ref HEAD");
  main.erase(main.find_last_not_of('\n') + 1);
  repo_.git("tag v1");
  repo_.git("checkout -q -b feature");
  repo_.write("feature.env", "TOKEN=" + token('a') + "\n");
  repo_.commit("feature leaks a");
  repo_.write("README", "feature\n");
  repo_.commit("feature work");
  repo_.git("checkout -q -b old " + main);
  repo_.write("old.env", "TOKEN=" + token('c') + "\n");
  repo_.commit("old leaks c");
  repo_.git("checkout -q " + main);

  auto night = [&](bool expect_walked) {
    const nlohmann::json nightly = nlohmann::json::parse(scan_text(repo_.path(), db(), "json"));
    nlohmann::json full = nlohmann::json::parse(scan_text(repo_.path(), "", "json"));
    EXPECT_EQ(nightly["scan"]["history_walked"], expect_walked);
    EXPECT_EQ(without_run_counters(nightly).dump(), without_run_counters(full).dump());
    EXPECT_EQ(sorted_findings(report()), sorted_findings(full));
    return full;
  };
  night(true);

  // Force-push: feature's history rewritten without the commit leaking a,
  // with a new commit leaking b.
  repo_.git("checkout -q feature");
  repo_.git("reset -q --hard " + main);
  repo_.write("feature.env", "TOKEN=" + token('b') + "\n");
  repo_.commit("feature leaks b");
  repo_.git("checkout -q " + main);
  night(true);

  // A deleted branch (the only one holding c) and new refs.
  repo_.git("branch -D old");
  repo_.git("checkout -q -b release " + main);
  repo_.write("release.env", "TOKEN=" + token('d') + "\n");
  repo_.commit("release leaks d");
  repo_.git("tag v2");
  repo_.git("checkout -q " + main);
  night(true);

  const nlohmann::json final_state = night(false);
  const nlohmann::json stored = report();
  std::vector<std::string> secrets;
  for (const auto& f : stored["findings"]) secrets.push_back(f["secret"].get<std::string>());
  std::sort(secrets.begin(), secrets.end());
  EXPECT_EQ(secrets, (std::vector<std::string>{token('b'), token('d')}));
  EXPECT_EQ(final_state["findings"].size(), 2u);
}

// A store of schema version 1 (which kept only the hits stage 2 chose) is
// brought to version 2: blobs with hits are read again, the others not.
TEST_F(Datastore, AVersion1StoreIsMigrated) {
  small_history();
  const nlohmann::json first = scan(repo_.path());
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &handle), SQLITE_OK);
  for (const char* sql : {"ALTER TABLE blob_scans DROP COLUMN base", "ALTER TABLE matches DROP COLUMN base",
                          "DROP TABLE sweep_rounds", "DROP TABLE sweep_repositories", "DROP TABLE repository_results",
                          "ALTER TABLE findings DROP COLUMN confidence", "UPDATE trawl_schema SET version = 1"}) {
    ASSERT_EQ(sqlite3_exec(handle, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(handle);
  }
  sqlite3_close(handle);
  const nlohmann::json second = scan(repo_.path());
  EXPECT_EQ(count(db(), "SELECT version FROM trawl_schema"), 4);
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

TEST(StoredResult, RoundTripsEveryReportedFieldAndBytesThatAreNotUtf8) {
  ScanResult result;
  Finding f;
  f.rule_id = "test-token";
  f.secret = std::string("tok_\xff\xfe", 6);
  f.path = std::string("dir/\x80name", 9);
  f.start_line = 3;
  f.commit = ObjectId{};
  f.commit->bytes[0] = 0xab;
  f.date = -5;
  f.entropy = 3.1415926535897931;
  f.tags = {"a", "b"};
  ImageLocation image;
  image.layer = 2;
  image.created_by.emplace("RUN x");
  f.image = image;
  result.findings.push_back(f);
  SecretTimeline t;
  t.rule_id = f.rule_id;
  t.secret = f.secret;
  t.introduced.push_back({f.commit, 7, "a", "e", "p", 3, std::nullopt});
  t.moved.push_back({*f.commit, 8, "a", "e", "p", "q", true});
  t.removed.push_back({*f.commit, 9, "a", "e", "q", std::nullopt});
  t.reachable_from = {"refs/heads/main"};
  t.present_at.push_back({"refs/heads/main", "q", 3});
  t.reachable_from_total = 1;
  t.present_at_total = 1;
  result.secrets.push_back(t);
  result.summary.git = GitSummary{4, 5, 0, 0, true, 0.0};
  result.summary.blobs = 6;
  result.summary.skipped = {{"binary", 1}};
  result.summary.suppressed.baseline = 2;
  result.skipped.push_back({SkipReason::kBinary, "abc", "why"});
  result.malformed.push_back({MalformedKind::kTree, "def", "what"});
  const std::optional<ScanResult> back = parse_result(serialise_result(result));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(serialise_result(*back), serialise_result(result));
  EXPECT_EQ(back->findings[0].secret, f.secret);
  EXPECT_EQ(back->findings[0].path, f.path);
  EXPECT_EQ(back->findings[0].entropy, f.entropy);
  EXPECT_EQ(back->findings[0].image->layer, 2u);
  EXPECT_EQ(back->secrets[0].moved[0].to_path, "q");
  EXPECT_EQ(back->summary.git->commits, 5u);
  EXPECT_EQ(back->summary.suppressed.baseline, 2u);
  EXPECT_EQ(back->malformed[0].kind, MalformedKind::kTree);
  EXPECT_FALSE(parse_result("not a result").has_value());
  EXPECT_FALSE(parse_result("").has_value());
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
