// `trawl sweep`: manifests, shards, the clone cache, failures and resuming,
// over real repositories the tests build with git, served by a `git daemon`
// on 127.0.0.1, and real SQLite stores.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scan/scan_result.h"
#include "scan/sweep.h"
#include "support/git_daemon.h"
#include "support/git_fixture.h"
#include "support/postgres_server.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

std::string token(int i) {
  std::string digits = std::to_string(i);
  return "tok_" + std::string(20 - digits.size(), 'a') + digits;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The rows `sql` selects, each as its columns joined by '|', sorted.
std::vector<std::string> rows(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return out;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        if (c > 0) row.push_back('|');
        row.append(text == nullptr ? "NULL" : text);
      }
      out.push_back(row);
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  std::sort(out.begin(), out.end());
  return out;
}

bool holds(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class Sweep : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(dir_.path() / "rules.toml") << kTestTokenRule; }

  // A repository named `name` under work/ with one commit holding `secret`.
  GitRepo& make_repo(const std::string& name, const std::string& secret) {
    repos_.emplace(name, GitRepo(dir_.path() / "work" / name));
    GitRepo& repo = repos_.at(name);
    repo.write("app.env", "TOKEN=" + secret + "\n");
    repo.commit("add app.env");
    return repo;
  }
  // A bare copy of work/NAME under served/, for the git daemon.
  std::filesystem::path serve(const std::string& name) {
    std::filesystem::path bare = dir_.path() / "served" / (name + ".git");
    repos_.at(name).git("clone -q --bare . " + shell_quote(bare.string()));
    return bare;
  }
  std::string write_manifest(const std::string& file, const std::vector<nlohmann::json>& entries) {
    std::ofstream out(dir_.path() / file);
    for (const nlohmann::json& e : entries) out << e.dump() << "\n";
    return (dir_.path() / file).string();
  }
  static nlohmann::json local(const std::string& name, const std::string& fork_of = "") {
    nlohmann::json e = {{"name", name}, {"path", "work/" + name}};
    if (!fork_of.empty()) e["fork_of"] = fork_of;
    return e;
  }

  CommandResult trawl(const std::string& args, const std::string& env = "") {
    return run_command(env + "timeout 120 " + shell_quote(TRAWL_BINARY) + " " + args, dir_.path());
  }
  CommandResult sweep(const std::string& manifest, const std::string& db, const std::string& args = "",
                      const std::string& env = "") {
    return trawl("sweep " + shell_quote(manifest) + " --datastore " + shell_quote(db) + " -c " +
                     shell_quote((dir_.path() / "rules.toml").string()) + " --clone-dir " +
                     shell_quote((dir_.path() / "clones").string()) + " -l debug " + args,
                 env);
  }
  // The findings of a datastore's report, as json text.
  std::string report(const std::string& db) {
    const CommandResult r = trawl("report --datastore " + shell_quote(db) + " -f json --exit-code 0");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["findings"].dump();
  }
  // The repositories a store's sweeps recorded, "name|status".
  std::vector<std::string> swept(const std::string& db) {
    return rows(db, "SELECT repository, status FROM sweep_repositories");
  }
  std::string db(const std::string& name) const { return (dir_.path() / name).string(); }
  void killed_sweep_resumes(const std::string& store, const std::string& whole,
                            const std::function<std::vector<std::string>(const std::string&)>& swept_in,
                            const std::function<std::string(const std::string&)>& findings);

  TempDir dir_;
  std::map<std::string, GitRepo> repos_;
};

// A sweep into `store` killed after its first repository, and resumed:
// it skips what it finished. `whole` is a second, empty store; `swept`
// lists a store's "name|status" rows and `findings` counts its findings.
void Sweep::killed_sweep_resumes(const std::string& store, const std::string& whole,
                                 const std::function<std::vector<std::string>(const std::string&)>& swept_in,
                                 const std::function<std::string(const std::string&)>& findings) {
  make_repo("first", token(1));
  make_repo("second", token(2));
  serve("second");
  // The second repository's server accepts and never answers: the sweep
  // finishes the first and then waits, until it is killed.
  const Listener silent;
  const std::string stalled = write_manifest(
      "stalled.jsonl",
      {local("first"),
       {{"name", "second"}, {"url", "git://127.0.0.1:" + std::to_string(silent.port()) + "/second.git"}}});
  std::vector<std::string> args = {TRAWL_BINARY,
                                   "sweep",
                                   stalled,
                                   "--datastore",
                                   store,
                                   "-c",
                                   (dir_.path() / "rules.toml").string(),
                                   "--clone-dir",
                                   (dir_.path() / "clones").string(),
                                   "--sweep-id",
                                   "night-1"};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, TRAWL_BINARY, nullptr, nullptr, argv.data(), environ), 0);
  // Bounded: the first repository is recorded within seconds.
  bool first_done = false;
  for (int i = 0; i < 600 && !first_done; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    first_done = swept_in(store) == std::vector<std::string>{"first|done"};
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(first_done);
  ASSERT_TRUE(WIFSIGNALED(status));

  const GitDaemon daemon(dir_.path() / "served");
  const std::string manifest =
      write_manifest("m.jsonl", {local("first"), {{"name", "second"}, {"url", daemon.url("second.git")}}});
  const CommandResult resumed = sweep(manifest, store, "--sweep-id night-1");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(holds(
      resumed.err,
      "2 repositories: 1 done, 1 already done, 0 failed; 0 unchanged (history not walked); 1 blobs read, 0 known; "
      "2 new findings"))
      << resumed.err;
  EXPECT_FALSE(holds(resumed.err, "trawl: sweep: first:")) << resumed.err;
  // The interrupted clone is gone from the clone cache; the mirror is there.
  std::vector<std::string> cached;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "clones")) {
    cached.push_back(entry.path().filename().string());
  }
  ASSERT_EQ(cached.size(), 1U);
  EXPECT_TRUE(cached[0].starts_with("second-") && cached[0].ends_with(".git")) << cached[0];
  const CommandResult at_once = sweep(manifest, whole);
  ASSERT_EQ(at_once.exit_code, 0) << at_once.err;
  EXPECT_EQ(report(store), report(whole));
  EXPECT_EQ(findings(store), "2");
  // The round is closed: the next sweep of night-1 starts a new one.
  const CommandResult next = sweep(manifest, store, "--sweep-id night-1");
  EXPECT_TRUE(
      holds(next.err, "2 done, 0 already done, 0 failed; 2 unchanged (history not walked); 0 blobs read, 2 known"))
      << next.err;
}

TEST_F(Sweep, ASecondSweepWithNoChangeReadsNoBlobsAndGivesTheSameFindings) {
  make_repo("alpha", token(1));
  make_repo("beta", token(2)).write("notes.txt", "nothing here\n");
  repos_.at("beta").commit("notes");
  serve("alpha");
  serve("beta");
  const GitDaemon daemon(dir_.path() / "served");
  const std::string manifest = write_manifest("m.jsonl", {{{"name", "alpha"}, {"url", daemon.url("alpha.git")}},
                                                          {{"name", "beta"}, {"url", daemon.url("beta.git")}}});
  const std::string report1 = (dir_.path() / "r1.json").string();
  const std::string report2 = (dir_.path() / "r2.json").string();
  const CommandResult first = sweep(manifest, db("org.db"), "-r " + shell_quote(report1));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(
      holds(first.err,
            "2 repositories: 2 done, 0 already done, 0 failed; 0 unchanged (history not walked); 3 blobs read, 0 "
            "known; 2 new findings"))
      << first.err;
  const CommandResult second = sweep(manifest, db("org.db"), "-r " + shell_quote(report2));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(
      holds(second.err,
            "2 repositories: 2 done, 0 already done, 0 failed; 2 unchanged (history not walked); 0 blobs read, 3 "
            "known; 0 new findings"))
      << second.err;
  const auto doc1 = nlohmann::json::parse(slurp(report1));
  const auto doc2 = nlohmann::json::parse(slurp(report2));
  ASSERT_EQ(doc1["findings"].size(), 2U);
  EXPECT_EQ(doc1["findings"].dump(), doc2["findings"].dump());
  EXPECT_EQ(doc2["scan"]["blobs_read"], 0);
  EXPECT_EQ(doc2["scan"]["blobs_known"], 3);
  EXPECT_EQ(doc1["scan"]["repositories_unchanged"], 0);
  EXPECT_EQ(doc2["scan"]["repositories_unchanged"], 2);
  // The mirrors stay in the clone cache, one per repository.
  std::size_t mirrors = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "clones")) {
    EXPECT_TRUE(entry.path().extension() == ".git") << entry.path();
    ++mirrors;
  }
  EXPECT_EQ(mirrors, 2U);
}

TEST_F(Sweep, ANewCommitOnTheRemoteIsFetchedAndOnlyItsBlobIsRead) {
  make_repo("alpha", token(1));
  const std::filesystem::path served = serve("alpha");
  const GitDaemon daemon(dir_.path() / "served");
  const std::string manifest = write_manifest("m.jsonl", {{{"name", "alpha"}, {"url", daemon.url("alpha.git")}}});
  ASSERT_EQ(sweep(manifest, db("org.db")).exit_code, 0);
  GitRepo& work = repos_.at("alpha");
  work.write("more.env", "TOKEN=" + token(7) + "\n");
  work.commit("more");
  work.git("push -q " + shell_quote(served.string()) + " HEAD:main");
  const CommandResult r = sweep(manifest, db("org.db"), "--new -f json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(holds(
      r.err,
      "1 done, 0 already done, 0 failed; 0 unchanged (history not walked); 1 blobs read, 1 known; 1 new findings"))
      << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["findings"].size(), 1U);
  EXPECT_EQ(doc["findings"][0]["path"], "more.env");
}

TEST_F(Sweep, AFetchThatFailsOnALaterNightIsRecordedAndTheOthersComplete) {
  make_repo("alpha", token(1));
  make_repo("beta", token(2));
  const std::filesystem::path served = serve("alpha");
  const GitDaemon daemon(dir_.path() / "served");
  const std::string manifest =
      write_manifest("m.jsonl", {{{"name", "alpha"}, {"url", daemon.url("alpha.git")}}, local("beta")});
  ASSERT_EQ(sweep(manifest, db("org.db")).exit_code, 0);
  // The remote is gone on the next night: its mirror is in the clone cache,
  // so this is a fetch, not a clone, that fails.
  std::filesystem::remove_all(served);
  const CommandResult r = sweep(manifest, db("org.db"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(holds(r.err, "trawl: warning: sweep: alpha: failed: fetching " + daemon.url("alpha.git") + ": "))
      << r.err;
  EXPECT_TRUE(holds(r.err, "2 repositories: 1 done, 0 already done, 1 failed;")) << r.err;
  const std::vector<std::string> failed =
      rows(db("org.db"), "SELECT repository, message FROM sweep_repositories WHERE status = 'failed'");
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_TRUE(holds(failed[0], "alpha|fetching " + daemon.url("alpha.git"))) << failed[0];
  // The first night's finding is still in the store.
  EXPECT_EQ(rows(db("org.db"), "SELECT repository, path FROM locations"),
            (std::vector<std::string>{"alpha|app.env", "beta|app.env"}));
}

TEST_F(Sweep, AForkHoldingItsParentsSecretIsOneFindingAtTwoLocationsReadOnce) {
  make_repo("parent", token(1));
  repos_.at("parent").git("clone -q . " + shell_quote((dir_.path() / "work" / "fork").string()));
  GitRepo& fork = repos_.emplace("fork", GitRepo(dir_.path() / "work" / "fork", GitRepo::kExisting)).first->second;
  fork.write("readme.txt", "a fork\n");
  fork.commit("fork's own commit");
  // The fork is listed first; its parent is still swept before it.
  const std::string manifest = write_manifest("m.jsonl", {local("fork", "parent"), local("parent")});
  const CommandResult r = sweep(manifest, db("org.db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::size_t parent = r.err.find("trawl: sweep: parent: 1 blobs read, 0 known, 1 findings\n");
  const std::size_t fork_line = r.err.find("trawl: sweep: fork: 1 blobs read, 1 known, 1 findings\n");
  ASSERT_NE(parent, std::string::npos) << r.err;
  ASSERT_NE(fork_line, std::string::npos) << r.err;
  EXPECT_LT(parent, fork_line);
  EXPECT_EQ(rows(db("org.db"), "SELECT rule_id FROM findings"), std::vector<std::string>{"test-token"});
  EXPECT_EQ(rows(db("org.db"), "SELECT repository, path FROM locations"),
            (std::vector<std::string>{"fork|app.env", "parent|app.env"}));
  EXPECT_EQ(swept(db("org.db")), (std::vector<std::string>{"fork|done", "parent|done"}));
}

TEST_F(Sweep, ShardsAreDisjointCoverTheManifestAndMergeToTheSingleMachineSweep) {
  std::vector<nlohmann::json> entries;
  for (int i = 0; i < 6; ++i) {
    make_repo("r" + std::to_string(i), token(i));
    entries.push_back(local("r" + std::to_string(i)));
  }
  make_repo("r0-fork", token(0));
  entries.push_back(local("r0-fork", "r0"));
  const std::string manifest = write_manifest("m.jsonl", entries);
  ASSERT_EQ(sweep(manifest, db("single.db")).exit_code, 0);
  const std::string single = report(db("single.db"));
  for (const int n : {1, 3, 7}) {
    std::set<std::string> covered;
    std::size_t total = 0;
    std::string merge = "merge " + shell_quote(db("merged-" + std::to_string(n) + ".db"));
    for (int i = 0; i < n; ++i) {
      const std::string shard_db = db("shard-" + std::to_string(n) + "-" + std::to_string(i) + ".db");
      const CommandResult r = sweep(manifest, shard_db, "--shard " + std::to_string(i) + "/" + std::to_string(n));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const std::vector<std::string> names = rows(shard_db, "SELECT repository FROM sweep_repositories");
      total += names.size();
      covered.insert(names.begin(), names.end());
      // A fork is swept in its parent's shard.
      const bool has_parent = std::find(names.begin(), names.end(), "r0") != names.end();
      EXPECT_EQ(has_parent, std::find(names.begin(), names.end(), "r0-fork") != names.end());
      merge += " " + shell_quote(shard_db);
    }
    EXPECT_EQ(total, entries.size()) << n;
    EXPECT_EQ(covered.size(), entries.size()) << n;
    const CommandResult merged = trawl(merge);
    ASSERT_EQ(merged.exit_code, 0) << merged.err;
    EXPECT_EQ(report(db("merged-" + std::to_string(n) + ".db")), single) << n;
  }
}

TEST_F(Sweep, TheSchedulersEnvironmentSelectsTheShard) {
  std::vector<nlohmann::json> entries;
  for (int i = 0; i < 6; ++i) {
    make_repo("r" + std::to_string(i), token(i));
    entries.push_back(local("r" + std::to_string(i)));
  }
  const std::string manifest = write_manifest("m.jsonl", entries);
  ASSERT_EQ(sweep(manifest, db("flag.db"), "--shard 1/3").exit_code, 0);
  const CommandResult k8s = sweep(manifest, db("k8s.db"), "", "JOB_COMPLETION_INDEX=1 TRAWL_SHARD_COUNT=3 ");
  ASSERT_EQ(k8s.exit_code, 0) << k8s.err;
  EXPECT_TRUE(holds(k8s.err, " shard 1/3 (round ")) << k8s.err;
  const CommandResult slurm =
      sweep(manifest, db("slurm.db"), "", "SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 ");
  ASSERT_EQ(slurm.exit_code, 0) << slurm.err;
  EXPECT_TRUE(holds(slurm.err, " shard 1/3 (round ")) << slurm.err;
  EXPECT_EQ(swept(db("k8s.db")), swept(db("flag.db")));
  EXPECT_EQ(swept(db("slurm.db")), swept(db("flag.db")));
  const CommandResult missing = sweep(manifest, db("bad.db"), "", "JOB_COMPLETION_INDEX=1 ");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(holds(missing.err, "set TRAWL_SHARD_COUNT")) << missing.err;
}

TEST_F(Sweep, ARepositoryThatCannotBeClonedIsRecordedAsFailedAndTheOthersComplete) {
  make_repo("good", token(1));
  std::filesystem::create_directories(dir_.path() / "served");
  const GitDaemon daemon(dir_.path() / "served");
  const std::string manifest =
      write_manifest("m.jsonl", {{{"name", "gone"}, {"url", daemon.url("missing.git")}}, local("good")});
  const CommandResult r = sweep(manifest, db("org.db"), "-f json");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(holds(r.err, "trawl: warning: sweep: gone: failed: cloning " + daemon.url("missing.git") + ": "))
      << r.err;
  EXPECT_TRUE(holds(r.err, "2 repositories: 1 done, 0 already done, 1 failed;")) << r.err;
  EXPECT_EQ(swept(db("org.db")), (std::vector<std::string>{"gone|failed", "good|done"}));
  const std::vector<std::string> message =
      rows(db("org.db"), "SELECT message FROM sweep_repositories WHERE repository = 'gone'");
  ASSERT_EQ(message.size(), 1U);
  EXPECT_TRUE(holds(message[0], "cloning " + daemon.url("missing.git"))) << message[0];
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["findings"].size(), 1U);
  EXPECT_EQ(doc["findings"][0]["secret"], token(1));
  // No partial mirror is left in the clone cache.
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "clones"));
}

TEST_F(Sweep, AKilledSweepResumesSkippingTheRepositoriesItFinished) {
  killed_sweep_resumes(
      db("org.db"), db("whole.db"), [&](const std::string& store) { return swept(store); },
      [](const std::string& store) { return rows(store, "SELECT count(*) FROM findings").at(0); });
}

TEST_F(Sweep, AKilledSweepIntoPostgreSqlResumesSkippingTheRepositoriesItFinished) {
  TRAWL_REQUIRE_POSTGRES();
  test::PostgresServer server;
  const std::string store = server.create_database();
  const std::string whole = server.create_database();
  killed_sweep_resumes(
      store, whole,
      [&](const std::string& url) {
        std::string listed;
        try {
          listed =
              server.execute(url,
                             "SELECT string_agg(encode(repository, 'escape') || '|' || encode(status, 'escape'), ',' "
                             "ORDER BY repository) FROM sweep_repositories");
        } catch (const std::runtime_error&) {
          // Before the sweep has made its tables.
        }
        std::vector<std::string> out;
        std::stringstream in(listed);
        for (std::string row; std::getline(in, row, ',');) out.push_back(row);
        return out;
      },
      [&](const std::string& url) { return server.execute(url, "SELECT count(*) FROM findings"); });
}

TEST_F(Sweep, AMalformedManifestLineIsAnErrorNamingTheFileAndLine) {
  make_repo("good", token(1));
  const std::string manifest = (dir_.path() / "m.jsonl").string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"path\": \"work/good\"}\n{\"name\": \"x\"\n", "line 2: not valid JSON"},
      {"[1]\n", "line 1: not a JSON object"},
      {"\n{\"path\": \"work/good\", \"url\": \"git://h/x\"}\n", "line 2: give one of \"url\" or \"path\""},
      {"{\"url\": \"git://h/x\"}\n", "line 1: a \"url\" entry needs a \"name\""},
      {"{\"name\": \"a\", \"url\": \"h/x\"}\n", "line 1: 'h/x' is not a URL"},
      {"{\"path\": \"work/good\", \"nmae\": \"a\"}\n", "line 1: unknown key nmae"},
      {"{\"path\": \"work/good\"}\n{\"path\": \"work/good\"}\n", "line 2: the name work/good is given on line 1 too"},
      {"{\"name\": \"a\", \"path\": \"p\", \"fork_of\": \"b\"}\n{\"name\": \"b\", \"path\": \"q\", \"fork_of\": "
       "\"a\"}\n",
       "line 1: its fork_of chain loops"},
  };
  for (const auto& [text, error] : cases) {
    std::ofstream(manifest, std::ios::trunc) << text;
    const CommandResult r = sweep(manifest, db("org.db"));
    EXPECT_EQ(r.exit_code, 2) << text;
    std::string expected = "trawl: error: manifest " + manifest;
    expected += " ";
    expected += error;
    EXPECT_TRUE(holds(r.err, expected)) << r.err;
  }
}

// The value of the first `key: value` line of `text` whose key is `key`.
std::string yaml_value(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, key.size() + 2, key + ": ") == 0) {
      return line.substr(start + key.size() + 2);
    }
  }
  return "";
}

TEST(SweepDeploy, TheKubernetesJobNamesItsShardCountAsItsCompletions) {
  const std::string yaml = slurp(std::string(TRAWL_TEST_SOURCE_DIR) + "/../deploy/kubernetes/trawl-sweep.yaml");
  ASSERT_FALSE(yaml.empty());
  EXPECT_EQ(yaml_value(yaml, "completionMode"), "Indexed");
  const std::string completions = yaml_value(yaml, "completions");
  ASSERT_FALSE(completions.empty());
  EXPECT_EQ(yaml_value(yaml, "parallelism"), completions);
  EXPECT_TRUE(holds(yaml, "- name: TRAWL_SHARD_COUNT\n              value: \"" + completions + "\"\n")) << yaml;
  EXPECT_TRUE(holds(yaml, "fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']"));
  EXPECT_FALSE(holds(yaml, "\t"));
}

TEST_F(Sweep, TheSlurmArrayScriptSweepsTheShardItsTaskIdNames) {
  make_repo("alpha", token(1));
  std::filesystem::create_directories(dir_.path() / "cache");
  write_manifest("cache/repos.jsonl", {{{"name", "alpha"}, {"path", (dir_.path() / "work" / "alpha").string()}}});
  const std::string script = std::string(TRAWL_TEST_SOURCE_DIR) + "/../deploy/slurm/trawl-sweep.sbatch";
  const std::string bin = std::filesystem::path(TRAWL_BINARY).parent_path().string();
  const CommandResult r = run_command(
      "PATH=" + shell_quote(bin) + ":\"$PATH\" TRAWL_CACHE=" + shell_quote((dir_.path() / "cache").string()) +
          " GITLEAKS_CONFIG=" + shell_quote((dir_.path() / "rules.toml").string()) +
          " SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_COUNT=1 SLURM_CPUS_PER_TASK=2 timeout 120 bash " +
          shell_quote(script),
      dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(holds(r.err, " shard 0/1 (round ")) << r.err;
  EXPECT_EQ(rows(dir_.path() / "cache" / "stores" / "shard-0.db", "SELECT repository, path FROM locations"),
            std::vector<std::string>{"alpha|app.env"});
}

TEST(SweepShards, ShardsComeFromTheFlagOrTheSchedulersEnvironment) {
  EXPECT_EQ(parse_shard("2/5").index, 2U);
  EXPECT_EQ(parse_shard("2/5").count, 5U);
  EXPECT_THROW(parse_shard("5/5"), UsageError);
  EXPECT_THROW(parse_shard("1/0"), UsageError);
  EXPECT_THROW(parse_shard("-1/3"), UsageError);
  EXPECT_THROW(parse_shard("3"), UsageError);
  EXPECT_EQ(shard_from_environment({}).count, 1U);
  const Shard k8s = shard_from_environment({{"JOB_COMPLETION_INDEX", "4"}, {"TRAWL_SHARD_COUNT", "7"}});
  EXPECT_EQ(k8s.index, 4U);
  EXPECT_EQ(k8s.count, 7U);
  const Shard slurm = shard_from_environment({{"SLURM_ARRAY_TASK_ID", "7"},
                                              {"SLURM_ARRAY_TASK_COUNT", "4"},
                                              {"SLURM_ARRAY_TASK_MIN", "1"},
                                              {"SLURM_ARRAY_TASK_STEP", "2"}});
  EXPECT_EQ(slurm.index, 3U);
  EXPECT_EQ(slurm.count, 4U);
  EXPECT_THROW(shard_from_environment({{"JOB_COMPLETION_INDEX", "3"}, {"TRAWL_SHARD_COUNT", "3"}}), UsageError);
  EXPECT_THROW(shard_from_environment({{"SLURM_ARRAY_TASK_ID", "1"}}), UsageError);
}

TEST(SweepShards, AnEntryKeepsItsShardWhenTheManifestGrows) {
  SweepManifest small;
  SweepManifest large;
  for (int i = 0; i < 40; ++i) {
    SweepEntry e;
    e.name = "repo-" + std::to_string(i);
    e.path = e.name;
    if (i < 20) small.entries.push_back(e);
    large.entries.push_back(e);
  }
  for (std::uint64_t s = 0; s < 4; ++s) {
    std::set<std::string> in_large;
    for (const SweepEntry& e : shard_entries(large, {s, 4})) in_large.insert(e.name);
    for (const SweepEntry& e : shard_entries(small, {s, 4})) EXPECT_EQ(in_large.count(e.name), 1U) << e.name;
  }
}

TEST(SweepShards, SizesBalanceTheShardsAndKeepForkNetworksTogether) {
  // 30 networks of sizes 1..30 (KiB, say), each root with two forks of size 5;
  // every third entry has no size and weighs the average of those given.
  SweepManifest manifest;
  std::uint64_t given = 0;
  std::uint64_t given_count = 0;
  for (int i = 0; i < 30; ++i) {
    SweepEntry root;
    root.name = "org/repo-" + std::to_string(i);
    root.path = root.name;
    if (i % 3 != 0) {
      root.size = static_cast<std::uint64_t>(i + 1);
      given += *root.size;
      ++given_count;
    }
    manifest.entries.push_back(root);
    for (int f = 0; f < 2; ++f) {
      SweepEntry fork;
      fork.name = "fork-" + std::to_string(f) + "/repo-" + std::to_string(i);
      fork.path = fork.name;
      fork.fork_of = root.name;
      fork.size = 5;
      given += 5;
      ++given_count;
      manifest.entries.push_back(fork);
    }
  }
  const std::uint64_t average = given / given_count;
  auto weight = [&](const SweepEntry& e) { return e.size.value_or(average); };
  std::uint64_t total = 0;
  std::uint64_t largest_network = 0;
  for (int i = 0; i < 30; ++i) {
    const std::uint64_t network = weight(manifest.entries[static_cast<std::size_t>(i) * 3]) + 10;
    largest_network = std::max(largest_network, network);
    total += network;
  }
  for (const std::uint64_t count : {1U, 3U, 7U}) {
    std::map<std::string, std::uint64_t> shard_of_entry;
    std::uint64_t heaviest = 0;
    for (std::uint64_t s = 0; s < count; ++s) {
      const auto entries = shard_entries(manifest, {s, count});
      EXPECT_EQ(entries, shard_entries(manifest, {s, count})) << "the assignment is fixed for a manifest";
      std::uint64_t load = 0;
      for (const SweepEntry& e : entries) {
        EXPECT_TRUE(shard_of_entry.emplace(e.name, s).second) << e.name << " is in two shards";
        load += weight(e);
      }
      heaviest = std::max(heaviest, load);
    }
    EXPECT_EQ(shard_of_entry.size(), manifest.entries.size()) << "the shards cover the manifest";
    EXPECT_LE(heaviest, total / count + largest_network) << count << " shards";
    for (const SweepEntry& e : manifest.entries) {
      if (!e.fork_of.empty()) {
        EXPECT_EQ(shard_of_entry.at(e.name), shard_of_entry.at(e.fork_of)) << e.name;
      }
    }
  }
}

TEST(SweepShards, ASizeThatIsNotACountIsAnErrorNamingTheLine) {
  TempDir dir;
  const std::string manifest = (dir.path() / "manifest.jsonl").string();
  std::ofstream(manifest) << "{\"path\": \"a\", \"size\": 12}\n{\"path\": \"b\", \"size\": \"big\"}\n";
  try {
    (void)read_sweep_manifest(manifest);
    FAIL() << "a string size was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2: \"size\" must be a non-negative integer"), std::string::npos)
        << e.what();
  }
  std::ofstream(manifest) << "{\"path\": \"a\", \"size\": 12}\n{\"path\": \"b\", \"size\": -3}\n";
  EXPECT_THROW((void)read_sweep_manifest(manifest), UsageError);
  std::ofstream(manifest) << "{\"path\": \"a\", \"size\": 12}\n{\"path\": \"b\"}\n";
  const SweepManifest read = read_sweep_manifest(manifest);
  ASSERT_EQ(read.entries.size(), 2U);
  EXPECT_EQ(read.entries[0].size, std::optional<std::uint64_t>(12));
  EXPECT_EQ(read.entries[1].size, std::nullopt);
}

}  // namespace
}  // namespace trawl::test
