// The PostgreSQL datastore's own behaviours: several writers at once (the
// shards of one sweep), merging SQLite shard stores into it, and clear
// errors that never show the password. A real server runs on loopback
// (support/postgres_server.h); without one the tests skip, except in CI.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/reports.h"
#include "rules/rule_loader.h"
#include "scan/sweep.h"
#include "store/datastore.h"
#include "support/git_fixture.h"
#include "support/postgres_server.h"
#include "support/test_rules.h"

namespace trawl {
namespace {

using test::CommandResult;
using test::GitRepo;
using test::shell_quote;
using test::TempDir;

class PostgresDatastore : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    TRAWL_REQUIRE_POSTGRES();
    if (!server_) server_ = std::make_unique<test::PostgresServer>();
    url_ = server_->create_database();
    std::ofstream(dir_.path() / "rules.toml") << test::kTestTokenRule;
  }

  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

  CommandResult trawl(const std::string& args) {
    return test::run_command("timeout 120 " + shell_quote(TRAWL_BINARY) + " " + args, dir_.path());
  }

  // Repositories work/r0..r5, each leaking its own token, and a fork of r0
  // holding r0's; their manifest's path.
  std::string repositories() {
    std::ofstream manifest(path("m.jsonl"));
    for (int i = 0; i < 6; ++i) {
      std::string name = "r";
      name += std::to_string(i);
      GitRepo repo(dir_.path() / "work" / name);
      repo.write("app.env", "TOKEN=tok_" + std::string(20, static_cast<char>('a' + i)) + "\n");
      repo.commit("add app.env");
      manifest << nlohmann::json{{"name", name}, {"path", "work/" + name}}.dump() << "\n";
    }
    GitRepo fork(dir_.path() / "work" / "r0-fork");
    fork.write("app.env", "TOKEN=tok_" + std::string(20, 'a') + "\n");
    fork.commit("fork");
    manifest << nlohmann::json{{"name", "r0-fork"}, {"path", "work/r0-fork"}, {"fork_of", "r0"}}.dump() << "\n";
    return path("m.jsonl");
  }

  std::string sweep_command(const std::string& manifest, const std::string& store, const std::string& args = "") {
    return shell_quote(TRAWL_BINARY) + " sweep " + shell_quote(manifest) + " --datastore " + shell_quote(store) +
           " -c " + shell_quote(path("rules.toml")) + " " + args;
  }

  // The findings of a store's report, as json text.
  std::string report(const std::string& store) {
    const CommandResult r = trawl("report --datastore " + shell_quote(store) + " -f json --exit-code 0");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["findings"].dump();
  }

  static std::unique_ptr<test::PostgresServer> server_;
  TempDir dir_;
  std::string url_;
};

std::unique_ptr<test::PostgresServer> PostgresDatastore::server_;

TEST_F(PostgresDatastore, ThreeShardsSweepingAtOnceEqualASingleMachineSweepIntoSQLite) {
  const std::string manifest = repositories();
  const CommandResult single = trawl("sweep " + shell_quote(manifest) + " --datastore " +
                                     shell_quote(path("single.db")) + " -c " + shell_quote(path("rules.toml")));
  ASSERT_EQ(single.exit_code, 0) << single.err;
  // The three shards run as concurrent processes into one database.
  std::string together;
  for (int i = 0; i < 3; ++i) {
    together += "( " + sweep_command(manifest, url_, "--shard " + std::to_string(i) + "/3") + " 2>shard-" +
                std::to_string(i) + ".err; echo $? >shard-" + std::to_string(i) + ".rc ) & ";
  }
  const CommandResult r = test::run_command("timeout 120 sh -c " + shell_quote(together + "wait"), dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < 3; ++i) {
    std::ifstream rc(path("shard-" + std::to_string(i) + ".rc"));
    int code = -1;
    rc >> code;
    std::ifstream err(path("shard-" + std::to_string(i) + ".err"));
    const std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    EXPECT_EQ(code, 0) << "shard " << i << ": " << text;
  }
  EXPECT_EQ(report(url_), report(path("single.db")));
  EXPECT_EQ(server_->execute(url_, "SELECT count(*) FROM findings"), "6");
  EXPECT_EQ(server_->execute(url_, "SELECT count(*) FROM locations"), "7");
  EXPECT_EQ(server_->execute(url_, "SELECT count(*) FROM sweep_repositories WHERE status = 'done'"), "7");
  // A second night reads nothing and reports the same.
  const CommandResult again = test::run_command(sweep_command(manifest, url_, "--shard 1/3"), dir_.path());
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find(" 0 blobs read"), std::string::npos) << again.err;
  EXPECT_EQ(report(url_), report(path("single.db")));
}

// A fork the manifest does not name as one (no fork_of) can fall in
// another shard than its parent. Into the shared store, the second shard
// finds the blob known: one finding, two locations, one match. Shard
// stores merged give the same finding and locations.
TEST_F(PostgresDatastore, AForkInAnotherShardIsOneFindingAtTwoLocationsItsBlobMatchedOnce) {
  const std::string secret = "TOKEN=tok_" + std::string(20, 'q') + "\n";
  GitRepo parent(dir_.path() / "work" / "parent");
  parent.write("app.env", secret);
  parent.commit("add app.env");
  GitRepo fork(dir_.path() / "work" / "fork");
  fork.write("app.env", secret);
  fork.commit("fork");
  std::ofstream(path("m.jsonl")) << nlohmann::json{{"name", "parent"}, {"path", "work/parent"}}.dump() << "\n"
                                 << nlohmann::json{{"name", "fork"}, {"path", "work/fork"}}.dump() << "\n";
  // The smallest shard count that puts them apart, and their shards.
  const SweepManifest manifest = read_sweep_manifest(path("m.jsonl"));
  std::uint64_t count = 2;
  std::uint64_t parent_shard = 0;
  std::uint64_t fork_shard = 0;
  for (;; ++count) {
    ASSERT_LT(count, 64U) << "no shard count puts them apart";
    for (std::uint64_t i = 0; i < count; ++i) {
      for (const SweepEntry& e : shard_entries(manifest, {i, count}))
        (e.name == "parent" ? parent_shard : fork_shard) = i;
    }
    if (parent_shard != fork_shard) break;
  }
  auto shard = [&](std::uint64_t i) { return "--shard " + std::to_string(i) + "/" + std::to_string(count); };
  const CommandResult first = test::run_command(sweep_command(path("m.jsonl"), url_, shard(parent_shard)), dir_.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("1 blobs read, 0 known"), std::string::npos) << first.err;
  const CommandResult second = test::run_command(sweep_command(path("m.jsonl"), url_, shard(fork_shard)), dir_.path());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("0 blobs read, 1 known"), std::string::npos) << second.err;
  EXPECT_EQ(server_->execute(url_, "SELECT count(*) FROM findings"), "1");
  EXPECT_EQ(server_->execute(url_, "SELECT count(*) FROM locations"), "2");
  EXPECT_EQ(server_->execute(url_, "SELECT count(*) FROM matches"), "1");

  std::string inputs;
  for (const std::uint64_t i : {parent_shard, fork_shard}) {
    const std::string store = path("shard-" + std::to_string(i) + ".db");
    ASSERT_EQ(test::run_command(sweep_command(path("m.jsonl"), store, shard(i)), dir_.path()).exit_code, 0);
    inputs += " " + shell_quote(store);
  }
  ASSERT_EQ(trawl("merge " + shell_quote(path("merged.db")) + inputs).exit_code, 0);
  EXPECT_EQ(report(path("merged.db")), report(url_));
  const nlohmann::json findings = nlohmann::json::parse(report(url_));
  ASSERT_EQ(findings.size(), 2U);  // one finding per location
  EXPECT_EQ(findings[0]["secret"], findings[1]["secret"]);
}

TEST_F(PostgresDatastore, ASecondWriterIsLetIn) {
  const RuleLoad rules = load_rules_text(test::kTestTokenRule, "test");
  StoreScan scan;
  scan.repository = "repo";
  scan.rules = &rules.rules;
  const std::unique_ptr<Datastore> first = open_datastore(url_);
  const std::unique_ptr<Datastore> second = open_datastore(url_);
  first->begin_scan(scan);
  EXPECT_NO_THROW(second->begin_scan(scan));
  const std::vector<Finding> findings;
  const std::vector<SecretTimeline> secrets;
  const ScanSummary summary;
  EXPECT_NO_THROW(second->finish({findings, secrets, summary}));
  EXPECT_NO_THROW(first->finish({findings, secrets, summary}));
  EXPECT_EQ(server_->execute(url_, "SELECT count(*) FROM sweeps"), "2");
}

TEST_F(PostgresDatastore, SQLiteShardStoresMergeIntoIt) {
  const std::string manifest = repositories();
  std::string inputs;
  for (int i = 0; i < 3; ++i) {
    const std::string shard = path("shard-" + std::to_string(i) + ".db");
    const CommandResult r =
        test::run_command(sweep_command(manifest, shard, "--shard " + std::to_string(i) + "/3"), dir_.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    inputs += " " + shell_quote(shard);
  }
  ASSERT_EQ(trawl("merge " + shell_quote(path("all.db")) + inputs).exit_code, 0);
  const CommandResult merged = trawl("merge " + shell_quote(url_) + inputs);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(report(url_), report(path("all.db")));
  // Idempotent: merging again changes nothing.
  ASSERT_EQ(trawl("merge " + shell_quote(url_) + inputs).exit_code, 0);
  EXPECT_EQ(report(url_), report(path("all.db")));
  EXPECT_EQ(server_->execute(url_, "SELECT count(*) FROM locations"), "7");
}

TEST_F(PostgresDatastore, ADownServerOrAWrongPasswordIsAClearErrorThatHidesThePassword) {
  GitRepo repo(dir_.path() / "repo");
  repo.write("a.txt", "hello\n");
  repo.commit("one");
  int free_port = 0;
  {
    const test::Listener probe;
    free_port = probe.port();
  }
  const std::string password = "Hunter2-not-shown";
  for (const std::string& url :
       {"postgresql://trawl:" + password + "@127.0.0.1:" + std::to_string(free_port) + "/store",
        "postgres://trawl:" + password + "@127.0.0.1:" + std::to_string(server_->port()) + "/postgres",
        "postgresql://trawl@127.0.0.1:" + std::to_string(server_->port()) + "/postgres?password=" + password}) {
    for (const std::string& command : {"scan " + shell_quote(repo.path().string()) + " --no-progress --datastore ",
                                       std::string("report --datastore ")}) {
      const CommandResult r = trawl(command + shell_quote(url));
      EXPECT_EQ(r.exit_code, 2) << url << ": " << r.err;
      EXPECT_EQ(r.err.find(password), std::string::npos) << r.err;
      EXPECT_EQ(r.out.find(password), std::string::npos) << r.out;
      EXPECT_NE(r.err.find("datastore postgres"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("***"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
    }
  }
}

TEST_F(PostgresDatastore, AForeignOrNewerDatabaseIsAClearError) {
  GitRepo repo(dir_.path() / "repo");
  repo.write("a.txt", "hello\n");
  repo.commit("one");
  auto refused = [&](const std::string& url, const std::string& why) {
    const CommandResult r =
        trawl("scan " + shell_quote(repo.path().string()) + " --no-progress --datastore " + shell_quote(url));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(test::PostgresServer::kPassword), std::string::npos) << r.err;
  };
  const std::string foreign = server_->create_database();
  server_->execute(foreign, "CREATE TABLE notes(x integer)");
  refused(foreign, "not a trawl datastore");
  ASSERT_LE(
      trawl("scan " + shell_quote(repo.path().string()) + " --no-progress --datastore " + shell_quote(url_)).exit_code,
      1);
  server_->execute(url_, "UPDATE trawl_schema SET version = 99");
  refused(url_, "newer trawl (schema version 99");
}

}  // namespace
}  // namespace trawl
