// A PostgreSQL server for the datastore's tests: Debian's `postgresql`
// binaries (initdb, pg_ctl; psql for the tests' own queries) run in a temporary directory, listening on 127.0.0.1 at a
// free port, with one login (user `trawl`, a password for TCP connections). Run as root, the server runs as user
// `postgres` (or `nobody`): PostgreSQL refuses root. Every wait is bounded (pg_ctl -w -t 30).
#pragma once

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "support/git_daemon.h"
#include "support/git_fixture.h"

namespace trawl::test {

class PostgresServer {
 public:
  static constexpr const char* kPassword = "pw-Zq8r3Lx9-secret";

  // The folder holding initdb and pg_ctl; empty when none is installed.
  static std::filesystem::path binaries() {
    for (const char* version : {"17", "16", "15", "14", "13"}) {
      std::filesystem::path dir = std::filesystem::path("/usr/lib/postgresql") / version / "bin";
      if (std::filesystem::exists(dir / "initdb") && std::filesystem::exists(dir / "pg_ctl") &&
          std::filesystem::exists(dir / "psql")) {
        return dir;
      }
    }
    return {};
  }

  // Why the PostgreSQL tests cannot run here; empty when they can.
  static std::string missing() {
#ifndef TRAWL_POSTGRES
    return "this build of trawl has no PostgreSQL support (libpq was not found)";
#endif
    return binaries().empty()
               ? "PostgreSQL server binaries (initdb, pg_ctl, psql) not found: install Debian's postgresql"
               : "";
  }

  PostgresServer() : bin_(binaries()) {
    if (bin_.empty()) throw std::runtime_error(missing());
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                                  std::filesystem::perms::others_exec);
    std::string as_user;
    if (::geteuid() == 0) {
      const passwd* user = ::getpwnam("postgres");
      if (user == nullptr) user = ::getpwnam("nobody");
      if (user == nullptr) throw std::runtime_error("no user to run PostgreSQL as");
      as_user = "runuser -u " + std::string(user->pw_name) + " -- ";
      uid_ = user->pw_uid;
      gid_ = user->pw_gid;
    }
    const std::filesystem::path pw = dir_.path() / "pw";
    std::ofstream(pw) << kPassword << "\n";
    if (::geteuid() == 0 && (::chown(dir_.path().c_str(), uid_, gid_) != 0 || ::chown(pw.c_str(), uid_, gid_) != 0)) {
      throw std::runtime_error("cannot hand the server's folder to its user");
    }
    const std::string data = shell_quote((dir_.path() / "data").string());
    run(as_user + shell_quote((bin_ / "initdb").string()) + " -D " + data + " -U trawl --pwfile=" +
            shell_quote(pw.string()) + " --auth-local=trust --auth-host=scram-sha-256 --no-sync -E UTF8 --locale=C",
        "initdb");
    {
      const Listener probe;  // a free port, released for the server
      port_ = probe.port();
    }
    run(as_user + shell_quote((bin_ / "pg_ctl").string()) + " -D " + data + " -l " +
            shell_quote((dir_.path() / "log").string()) + " -w -t 30 -o " +
            shell_quote("-h 127.0.0.1 -p " + std::to_string(port_) + " -k " + dir_.path().string() + " -F") + " start",
        "pg_ctl start");
    stop_ = as_user + shell_quote((bin_ / "pg_ctl").string()) + " -D " + data + " -m fast -w -t 30 stop";
  }
  ~PostgresServer() { run_command(stop_ + " >/dev/null 2>&1", dir_.path()); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }

  // The URL of `database`, with the password.
  std::string url(const std::string& database) const {
    return "postgresql://trawl:" + std::string(kPassword) + "@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }

  // A new, empty database; its URL.
  std::string create_database() {
    const std::string name = "store" + std::to_string(++databases_);
    execute(url("postgres"), "CREATE DATABASE " + name);
    return url(name);
  }

  // Runs `sql` on the database at `url` with psql; the first column of
  // its first row, or "" when none. Throws on an error.
  std::string execute(const std::string& url, const std::string& sql) const {
    const CommandResult r = run_command(shell_quote((bin_ / "psql").string()) + " -X -q -A -t -v ON_ERROR_STOP=1 -d " +
                                            shell_quote(url) + " -c " + shell_quote(sql),
                                        dir_.path());
    if (r.exit_code != 0) throw std::runtime_error(sql + ": " + r.err);
    return r.out.substr(0, r.out.find('\n'));
  }

 private:
  void run(const std::string& command, const std::string& what) {
    const CommandResult r = run_command(command, dir_.path());
    if (r.exit_code != 0) throw std::runtime_error(what + " failed: " + r.out + r.err);
  }

  TempDir dir_;
  std::filesystem::path bin_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int port_ = 0;
  int databases_ = 0;
  std::string stop_;
};

// In a test's SetUp: skips the test, with the reason, when no PostgreSQL
// server can be started here; fails it instead where CI=true.
#define TRAWL_REQUIRE_POSTGRES()                                                   \
  do {                                                                             \
    const std::string trawl_pg_missing = ::trawl::test::PostgresServer::missing(); \
    if (!trawl_pg_missing.empty()) {                                               \
      const char* trawl_ci = std::getenv("CI");                                    \
      if (trawl_ci != nullptr && std::string(trawl_ci) == "true") {                \
        FAIL() << trawl_pg_missing;                                                \
      }                                                                            \
      GTEST_SKIP() << trawl_pg_missing;                                            \
    }                                                                              \
  } while (false)

}  // namespace trawl::test
