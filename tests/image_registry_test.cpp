// `trawl image HOST/NAME:TAG`: images pulled over the OCI distribution API
// from a real registry on loopback (Debian's docker-registry, images pushed
// with skopeo) and from a small registry written in Python by the test
// (the token flow, Basic auth, a redirect to storage, a blob that does not
// match its digest); a registry that is down or stalls is an error, never
// a hang.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "scan/scans.h"
#include "source/image/image_input.h"
#include "source/image/registry_reference.h"
#include "support/git_fixture.h"
#include "support/image_builder.h"
#include "support/tar_writer.h"

namespace trawl {
namespace {

namespace fs = std::filesystem;
using test::Compression;
using test::make_tar;

constexpr const char* kAwsKey = "AKIABDKS4STYOE6ZCGK7";
constexpr const char* kGithubToken = "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";
constexpr const char* kOtherAwsKey = "AKIAITYZVPC6FDWSBICP";
constexpr const char* kPassword = "s3cr3t-Passw0rd-xyz";

test::BuiltImage leaky_image(const std::string& tag = "v1") {
  test::BuiltImage image;
  image.tag = tag;
  image.layers.push_back(
      {make_tar({test::file("root/.aws/credentials", std::string("[default]\naws_access_key_id = ") + kAwsKey + "\n")}),
       Compression::kGzip, "COPY aws-config /root/.aws/credentials"});
  image.layers.push_back({make_tar({test::file("root/.aws/.wh.credentials", ""),
                                    test::file("app/.env", std::string("AWS_KEY=") + kOtherAwsKey + "\n")}),
                          Compression::kGzip, "COPY app-settings /app/.env"});
  image.env = {"PATH=/usr/bin", std::string("GITHUB_TOKEN=") + kGithubToken};
  return image;
}

struct Row {
  std::string rule, path;
  std::uint32_t line;
  std::string layer;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.rule << " " << r.path << ":" << r.line << " layer=" << r.layer;
}

struct Pull {
  std::vector<std::string> insecure;
  std::string platform;
  std::string auth;
  long timeout = 10;
};

std::vector<Row> rows_of(const ScanResult& result) {
  std::vector<Row> rows;
  for (const auto& f : result.findings) {
    rows.push_back({f.rule_id, f.path, f.start_line, f.image->layer ? std::to_string(*f.image->layer) : "config"});
  }
  return rows;
}

ScanResult scan(const std::vector<std::string>& inputs, const Pull& pull = {}) {
  ImageCommandOptions options;
  options.inputs = inputs;
  options.no_repo_config = true;
  options.threads = 2;
  options.insecure_registries = pull.insecure;
  options.platform = pull.platform;
  options.registry_auth = pull.auth;
  options.registry_timeout_seconds = pull.timeout;
  std::ostringstream log;
  return scan_images(options, log);
}

// The layer digests of the first image of an OCI layout's index.
std::vector<std::string> layer_digests(const test::Members& layout) {
  const auto index = nlohmann::json::parse(layout.at("index.json"));
  const std::string manifest = index["manifests"][0]["digest"].get<std::string>();
  const auto doc = nlohmann::json::parse(layout.at("blobs/sha256/" + manifest.substr(7)));
  std::vector<std::string> out;
  for (const auto& layer : doc["layers"]) {
    out.push_back(layer["digest"].get<std::string>());
  }
  return out;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool answers(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A server the test starts and kills: its own process group.
class Server {
 public:
  Server(const std::string& command, const fs::path& dir) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      if (::chdir(dir.c_str()) != 0) ::_exit(127);
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Server() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

 private:
  pid_t pid_ = -1;
};

bool wait_until(const std::function<bool()>& ready) {
  for (int i = 0; i < 200; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// A registry serving an OCI layout directory: /v2/<name>/manifests/<tag or
// digest> (a tag is an index.json entry's ref.name), /v2/<name>/blobs/<digest>.
// argv: layout port_file log_file auth(none|basic|bearer) user:password wrong
// (a blob digest served altered, "500:" and a digest answered with HTTP 500, or -)
constexpr const char* kPythonRegistry = R"PY(
import base64, hashlib, http.server, json, os, sys
layout, port_file, log_file, auth, creds, wrong = sys.argv[1:7]
token = "tok-" + hashlib.sha256(creds.encode()).hexdigest()[:16]
basic = "Basic " + base64.b64encode(creds.encode()).decode()
# auth "expiring": bearer tokens that each serve two registry requests.
issued = {}

def blob(digest):
    path = os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])
    if not digest.startswith("sha256:") or not os.path.isfile(path):
        return None
    data = open(path, "rb").read()
    if "500:" + digest == wrong:
        return 500
    if digest == wrong:
        data = data[:-1] + bytes([data[-1] ^ 1])
    return data

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        with open(log_file, "a") as log:
            log.write(self.path + "\n")
        given = self.headers.get("Authorization", "")
        host = "127.0.0.1:%d" % self.server.server_address[1]
        if self.path.startswith("/token"):
            if given != basic:
                return self.send(401, b"{}", [("WWW-Authenticate", 'Basic realm="token"')])
            if auth == "expiring":
                fresh = "%s-%d" % (token, len(issued))
                issued[fresh] = 0
                return self.send(200, json.dumps({"token": fresh}).encode(), [("Content-Type", "application/json")])
            return self.send(200, json.dumps({"token": token}).encode(), [("Content-Type", "application/json")])
        if self.path.startswith("/storage/"):
            data = blob("sha256:" + self.path[len("/storage/"):])
            return self.send(200, data) if data is not None else self.send(404)
        if auth == "basic" and given != basic:
            return self.send(401, b"{}", [("WWW-Authenticate", 'Basic realm="registry"')])
        challenge = 'Bearer realm="http://%s/token",service="test",scope="repository:team/app:pull"' % host
        if auth == "bearer" and given != "Bearer " + token:
            return self.send(401, b"{}", [("WWW-Authenticate", challenge)])
        if auth == "expiring":
            held = given[len("Bearer "):] if given.startswith("Bearer ") else ""
            if issued.get(held, 2) >= 2:
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', [("WWW-Authenticate", challenge)])
            issued[held] += 1
        parts = self.path.split("/")
        if len(parts) < 5 or parts[1] != "v2":
            return self.send(404)
        kind, ref = parts[-2], parts[-1]
        if kind == "blobs":
            if auth in ("bearer", "expiring"):
                return self.send(307, b"", [("Location", "http://%s/storage/%s" % (host, ref.split(":", 1)[-1]))])
            data = blob(ref)
            if data == 500:
                return self.send(500, b"storage failed")
            return self.send(200, data) if data is not None else self.send(404)
        if kind != "manifests":
            return self.send(404)
        if not ref.startswith("sha256:"):
            index = json.load(open(os.path.join(layout, "index.json")))
            found = [m["digest"] for m in index["manifests"]
                     if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref]
            if not found:
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
            ref = found[0]
        data = blob(ref)
        if data is None:
            return self.send(404)
        media = json.loads(data).get("mediaType", "application/vnd.oci.image.manifest.v1+json")
        self.send(200, data, [("Content-Type", media), ("Docker-Content-Digest", ref)])

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
)PY";

class RegistryImage : public ::testing::Test {
 protected:
  test::TempDir dir_;
  fs::path path(const std::string& name) const { return dir_.path() / name; }

  static bool have(const char* tool) {
    return test::run_command(std::string("command -v ") + tool + " >/dev/null", fs::current_path()).exit_code == 0;
  }

  // Debian's docker-registry on a free loopback port; its "host:port".
  std::string start_docker_registry(const std::string& htpasswd = "") {
    const std::uint16_t port = free_port();
    std::string host = "127.0.0.1:" + std::to_string(port);
    fs::create_directories(path("storage"));
    test::write_file(
        path("registry.yml"),
        "version: 0.1\n"
        "log:\n  level: error\n"
        "storage:\n  filesystem:\n    rootdirectory: " +
            path("storage").string() +
            "\n"
            "http:\n  addr: " +
            host + "\n" +
            (htpasswd.empty() ? std::string() : "auth:\n  htpasswd:\n    realm: test\n    path: " + htpasswd + "\n"));
    servers_.push_back(
        std::make_unique<Server>("exec docker-registry serve registry.yml >registry.log 2>&1", dir_.path()));
    EXPECT_TRUE(wait_until([&] { return answers(port); })) << "docker-registry did not start";
    return host;
  }

  // The Python registry over `layout`; its "host:port".
  std::string start_python_registry(const fs::path& layout, const std::string& auth, const std::string& wrong = "-") {
    test::write_file(path("registry.py"), kPythonRegistry);
    const std::string command = "exec python3 registry.py " + test::shell_quote(layout.string()) +
                                " port requests.log " + auth + " " +
                                test::shell_quote(std::string("team:") + kPassword) + " " + wrong + " >python.log 2>&1";
    servers_.push_back(std::make_unique<Server>(command, dir_.path()));
    std::string port;
    EXPECT_TRUE(wait_until([&] {
      std::ifstream in(path("port"));
      return static_cast<bool>(std::getline(in, port)) && !port.empty();
    })) << "the Python registry did not start";
    return "127.0.0.1:" + port;
  }

  void push(const std::string& layout, const std::string& tag, const std::string& dest, const std::string& creds = "") {
    const auto pushed =
        test::run_command("timeout 120 skopeo copy -q --dest-tls-verify=false " +
                              (creds.empty() ? std::string() : "--dest-creds " + test::shell_quote(creds) + " ") +
                              "oci:" + layout + ":" + tag + " docker://" + dest,
                          dir_.path());
    ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  }

  test::CommandResult trawl(const std::string& args, const std::string& env = "") {
    return test::run_command(env + "timeout 120 " + test::shell_quote(TRAWL_BINARY) + " image --no-repo-config " + args,
                             dir_.path());
  }

  std::vector<std::unique_ptr<Server>> servers_;
};

TEST(RegistryReference, ParsesHostRepositoryTagAndDigest) {
  const auto tagged = image::parse_registry_reference("registry.example.com/team/app:1.4");
  EXPECT_EQ(tagged.registry, "registry.example.com");
  EXPECT_EQ(tagged.api_host, "registry.example.com");
  EXPECT_EQ(tagged.repository, "team/app");
  EXPECT_EQ(tagged.tag, "1.4");
  EXPECT_EQ(tagged.manifest_ref(), "1.4");

  const std::string digest = "sha256:" + std::string(64, 'a');
  const auto pinned = image::parse_registry_reference("localhost:5000/app@" + digest);
  EXPECT_EQ(pinned.registry, "localhost:5000");
  EXPECT_EQ(pinned.repository, "app");
  EXPECT_EQ(pinned.manifest_ref(), digest);

  const auto hub = image::parse_registry_reference("docker.io/nginx");
  EXPECT_EQ(hub.api_host, "registry-1.docker.io");
  EXPECT_EQ(hub.repository, "library/nginx");
  EXPECT_EQ(hub.tag, "latest");
  EXPECT_EQ(image::parse_registry_reference("docker://docker.io/team/app:2").repository, "team/app");
}

TEST(RegistryReference, OnlyAReferenceWithAHostIsTakenForOne) {
  EXPECT_TRUE(image::looks_like_registry_reference("registry.example.com/app"));
  EXPECT_TRUE(image::looks_like_registry_reference("127.0.0.1:5000/team/app:1.0"));
  EXPECT_TRUE(image::looks_like_registry_reference("localhost/app"));
  EXPECT_FALSE(image::looks_like_registry_reference("app.tar"));
  EXPECT_FALSE(image::looks_like_registry_reference("images/app.tar"));
  EXPECT_FALSE(image::looks_like_registry_reference("./layout"));
  for (const char* bad : {"registry.example.com/App", "registry.example.com/app:", "host.io/app@sha256:abc",
                          "host.io/app:bad/tag", "docker://app"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(image::parse_registry_reference(bad), image::InputError);
  }
}

TEST_F(RegistryImage, PullByTagAndByDigestGivesTheLayoutsFindings) {
  if (!have("docker-registry") || !have("skopeo")) {
    GTEST_SKIP() << "docker-registry or skopeo is not installed (scripts/setup.sh installs them)";
  }
  test::write_members(path("layout"), test::oci_layout({leaky_image()}));
  const std::string host = start_docker_registry();
  push("layout", "v1", host + "/team/app:1.0");
  const ScanResult from_file = scan({path("layout").string()});
  const std::vector<Row> want = {
      {"aws-access-key-id", "root/.aws/credentials", 2, "0"},
      {"aws-access-key-id", "app/.env", 1, "1"},
      {"github-pat", "(config) Env", 2, "config"},
  };
  ASSERT_EQ(rows_of(from_file), want);

  const std::string by_tag = host + "/team/app:1.0";
  const ScanResult tagged = scan({by_tag}, {.insecure = {host}});
  EXPECT_EQ(rows_of(tagged), want);
  ASSERT_EQ(tagged.findings.size(), 3U);
  EXPECT_EQ(tagged.findings[0].image->reference, by_tag);
  const std::string digest = tagged.findings[0].image->manifest_digest;
  EXPECT_EQ(digest, from_file.findings[0].image->manifest_digest);
  EXPECT_EQ(tagged.findings[0].image->layer_digest, from_file.findings[0].image->layer_digest);

  const std::string by_digest = host + "/team/app@" + digest;
  const ScanResult pinned = scan({by_digest}, {.insecure = {host}});
  EXPECT_EQ(rows_of(pinned), want);
  ASSERT_FALSE(pinned.findings.empty());
  EXPECT_EQ(pinned.findings[0].image->reference, by_digest);
  EXPECT_EQ(pinned.findings[0].image->manifest_digest, digest);

  // Without --insecure-registry trawl speaks HTTPS only: the plain-HTTP registry fails.
  const auto secure = trawl(test::shell_quote(by_tag) + " --registry-timeout 5");
  EXPECT_EQ(secure.exit_code, 3) << secure.err;
  EXPECT_NE(secure.err.find("registry " + host + ", repository team/app"), std::string::npos) << secure.err;
}

TEST_F(RegistryImage, BasicAuthAgainstARegistryWithAnHtpasswdFile) {
  if (!have("docker-registry") || !have("skopeo")) {
    GTEST_SKIP() << "docker-registry or skopeo is not installed (scripts/setup.sh installs them)";
  }
  // A bcrypt htpasswd line, by the C library's crypt through Python.
  const auto hashed =
      test::run_command(std::string("python3 -W ignore -c \"import crypt; print('team:' + crypt.crypt('") + kPassword +
                            "', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))\" > htpasswd",
                        dir_.path());
  if (hashed.exit_code != 0) GTEST_SKIP() << "python3 cannot make a bcrypt hash: " << hashed.err;
  test::write_members(path("layout"), test::oci_layout({leaky_image()}));
  const std::string host = start_docker_registry(path("htpasswd").string());
  push("layout", "v1", host + "/team/app:1.0", std::string("team:") + kPassword);
  const std::string ref = host + "/team/app:1.0";

  const auto anonymous = trawl(ref + " --insecure-registry " + host, "DOCKER_CONFIG=" + path("none").string() + " ");
  EXPECT_EQ(anonymous.exit_code, 2) << anonymous.err;
  EXPECT_NE(anonymous.err.find("registry " + host +
                               ", repository team/app: access denied (HTTP 401); it needs "
                               "credentials (--registry-auth)"),
            std::string::npos)
      << anonymous.err;
  test::write_file(path("auth"), std::string("team:") + kPassword + "\n");
  const auto run = trawl(ref + " --insecure-registry " + host + " --registry-auth-file auth -f json");
  ASSERT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["findings"].size(), 3U);
}

TEST_F(RegistryImage, AMissingTagIsAUsageErrorNamingIt) {
  if (!have("docker-registry") || !have("skopeo")) {
    GTEST_SKIP() << "docker-registry or skopeo is not installed (scripts/setup.sh installs them)";
  }
  test::write_members(path("layout"), test::oci_layout({leaky_image()}));
  const std::string host = start_docker_registry();
  push("layout", "v1", host + "/team/app:1.0");
  const auto run = trawl(host + "/team/app:2.0 --insecure-registry " + host);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(
      run.err.find(host + "/team/app:2.0: registry " + host + ", repository team/app has no manifest 2.0 (HTTP 404)"),
      std::string::npos)
      << run.err;
}

TEST_F(RegistryImage, ARegistryThatIsNotListeningIsAScanFailure) {
  const std::string host = "127.0.0.1:" + std::to_string(free_port());
  const auto run = trawl(host + "/team/app:1.0 --insecure-registry " + host + " --registry-timeout 5");
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("registry " + host + ", repository team/app"), std::string::npos) << run.err;
}

TEST_F(RegistryImage, ARegistryThatNeverAnswersTimesOut) {
  // Listening, so connections complete in the kernel's backlog, but never read.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string host = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const auto run = trawl(host + "/team/app:1.0 --insecure-registry " + host + " --registry-timeout 1");
  ::close(fd);
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("registry " + host + ", repository team/app: Operation too slow"), std::string::npos)
      << run.err;
}

TEST_F(RegistryImage, AnIndexGivesTheImageOfTheChosenPlatform) {
  test::BuiltImage amd = leaky_image();
  test::BuiltImage arm;
  arm.architecture = "arm64";
  arm.layers.push_back({make_tar({test::file("etc/arm.conf", std::string("token=") + kGithubToken + "\n")}),
                        Compression::kGzip, "COPY arm.conf /etc/arm.conf"});
  test::Members layout = test::oci_layout({amd, arm}, /*with_platform=*/true);
  // The two manifests under one index, tagged "multi".
  nlohmann::json index = nlohmann::json::parse(layout["index.json"]);
  index["mediaType"] = "application/vnd.oci.image.index.v1+json";
  for (auto& entry : index["manifests"]) entry.erase("annotations");
  const std::string index_bytes = index.dump();
  layout["blobs/sha256/" + sha256_hex(index_bytes)] = index_bytes;
  nlohmann::json top;
  top["schemaVersion"] = 2;
  top["manifests"] = {{{"mediaType", "application/vnd.oci.image.index.v1+json"},
                       {"digest", test::digest_of(index_bytes)},
                       {"size", index_bytes.size()},
                       {"annotations", {{"org.opencontainers.image.ref.name", "multi"}}}}};
  layout["index.json"] = top.dump();
  test::write_members(path("layout"), layout);
  const std::string host = start_python_registry(path("layout"), "none");

  const std::string ref = host + "/team/app:multi";
  const ScanResult result = scan({ref}, {.insecure = {host}, .platform = "linux/arm64"});
  EXPECT_EQ(rows_of(result), (std::vector<Row>{{"github-pat", "etc/arm.conf", 1, "0"}}));
  ASSERT_EQ(result.findings.size(), 1U);
  EXPECT_EQ(result.findings[0].image->platform, "linux/arm64");
  EXPECT_EQ(result.findings[0].image->reference, ref);
  EXPECT_EQ(rows_of(scan({ref}, {.insecure = {host}, .platform = "linux/amd64"})).size(), 3U);
}

TEST_F(RegistryImage, BearerTokensFromDockerConfigCredentialsAndRedirectsToStorage) {
  test::write_members(path("layout"), test::oci_layout({leaky_image()}));
  const std::string host = start_python_registry(path("layout"), "bearer");
  const std::string ref = host + "/team/app:v1";

  const auto anonymous = trawl(ref + " --insecure-registry " + host, "DOCKER_CONFIG=" + path("none").string() + " ");
  EXPECT_EQ(anonymous.exit_code, 2) << anonymous.err;
  EXPECT_NE(anonymous.err.find("registry " + host +
                               ", repository team/app: the token service refused anonymous "
                               "access (HTTP 401)"),
            std::string::npos)
      << anonymous.err;

  fs::create_directories(path("docker"));
  const std::string auth = nlohmann::json{{"auth", "dGVhbTpzM2NyM3QtUGFzc3cwcmQteHl6"}}.dump();  // team:<kPassword>
  test::write_file(path("docker/config.json"), R"({"auths":{"http://)" + host + R"(/v2/":)" + auth + "}}");
  const auto run =
      trawl(ref + " --insecure-registry " + host + " -f json -v", "DOCKER_CONFIG=" + path("docker").string() + " ");
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["findings"].size(), 3U);
  EXPECT_EQ(report["findings"][0]["image"]["reference"], ref);
  EXPECT_EQ(run.err.find(kPassword), std::string::npos);
  EXPECT_EQ(run.out.find(kPassword), std::string::npos);
}

// A bearer token that expires during a pull is renewed from the token
// service, and the pull goes on.
TEST_F(RegistryImage, AnExpiredBearerTokenIsRenewedMidPull) {
  test::write_members(path("layout"), test::oci_layout({leaky_image()}));
  const std::string host = start_python_registry(path("layout"), "expiring");
  fs::create_directories(path("docker"));
  const std::string auth = nlohmann::json{{"auth", "dGVhbTpzM2NyM3QtUGFzc3cwcmQteHl6"}}.dump();  // team:<kPassword>
  test::write_file(path("docker/config.json"), R"({"auths":{"http://)" + host + R"(/v2/":)" + auth + "}}");
  const auto run = trawl(host + "/team/app:v1 --insecure-registry " + host + " -f json",
                         "DOCKER_CONFIG=" + path("docker").string() + " ");
  ASSERT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["findings"].size(), 3U);
  // The manifest, the config and two layers: four registry requests, two
  // per token, so a second token was fetched when the first expired.
  std::ifstream log(path("requests.log"));
  std::size_t tokens = 0;
  for (std::string line; std::getline(log, line);) tokens += line.starts_with("/token") ? 1 : 0;
  EXPECT_GE(tokens, 2U);
  EXPECT_EQ(run.err.find(kPassword), std::string::npos);
}

TEST_F(RegistryImage, BasicAuthAndRefusedCredentials) {
  test::write_members(path("layout"), test::oci_layout({leaky_image()}));
  const std::string host = start_python_registry(path("layout"), "basic");
  const std::string ref = host + "/team/app:v1";
  test::write_file(path("auth"), std::string("team:") + kPassword + "\n");
  fs::create_directories(path("tmp"));
  const auto run = trawl(ref + " --insecure-registry " + host + " --registry-auth-file auth",
                         "TMPDIR=" + path("tmp").string() + " ");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(fs::is_empty(path("tmp")));  // the downloaded layers' directory is gone

  const auto refused = trawl(ref + " --insecure-registry " + host + " --registry-auth team:wrong-password");
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("registry " + host + ", repository team/app: access denied (HTTP 401)"), std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.err.find("wrong-password"), std::string::npos) << refused.err;
}

TEST_F(RegistryImage, ABlobThatDoesNotMatchItsDigestIsReportedAndSkipped) {
  const test::Members layout = test::oci_layout({leaky_image()});
  test::write_members(path("layout"), layout);
  const std::string bad = layer_digests(layout).at(0);
  const std::string host = start_python_registry(path("layout"), "none", bad);
  const ScanResult result = scan({host + "/team/app:v1"}, {.insecure = {host}});
  EXPECT_EQ(rows_of(result),
            (std::vector<Row>{{"aws-access-key-id", "app/.env", 1, "1"}, {"github-pat", "(config) Env", 2, "config"}}));
  ASSERT_EQ(result.skipped.size(), 1U);
  EXPECT_EQ(result.skipped[0].reason, SkipReason::kCorruptObject);
  EXPECT_EQ(result.skipped[0].id, bad);
  EXPECT_NE(result.skipped[0].detail.find("unverified_blob: content hashes to sha256:"), std::string::npos)
      << result.skipped[0].detail;
}

TEST_F(RegistryImage, ARegistryFailingMidScanIsAScanFailure) {
  const test::Members layout = test::oci_layout({leaky_image()});
  test::write_members(path("layout"), layout);
  const std::string layer = layer_digests(layout).at(1);
  const std::string host = start_python_registry(path("layout"), "none", "500:" + layer);
  const auto run = trawl(host + "/team/app:v1 --insecure-registry " + host);
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("registry " + host + ", repository team/app: blob " + layer + ": HTTP 500"), std::string::npos)
      << run.err;
}

TEST_F(RegistryImage, ALayerTwoReferencesShareIsDownloadedOnce) {
  test::BuiltImage first = leaky_image("v1");
  test::BuiltImage second = leaky_image("v2");
  second.env = {"PATH=/bin"};
  const test::Members layout = test::oci_layout({first, second});
  test::write_members(path("layout"), layout);
  const std::string host = start_python_registry(path("layout"), "none");
  const ScanResult result = scan({host + "/team/app:v1", host + "/team/app:v2"}, {.insecure = {host}});
  EXPECT_EQ(result.findings.size(), 5U);
  std::ifstream in(path("requests.log"));
  std::string line;
  std::map<std::string, int> blob_requests;
  while (std::getline(in, line)) {
    if (line.find("/blobs/") != std::string::npos) ++blob_requests[line];
  }
  const std::vector<std::string> layers = layer_digests(layout);
  ASSERT_EQ(layers.size(), 2U);
  for (const auto& layer : layers) EXPECT_EQ(blob_requests["/v2/team/app/blobs/" + layer], 1) << layer;
}

}  // namespace
}  // namespace trawl
