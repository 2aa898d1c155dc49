// `trawl image`: a secret in a file a later layer deletes, in the config's
// Env, in the build history, inside a jar; each reported once where it
// entered, with the image facts, the same from every input form.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "report/finding_sink.h"
#include "rules/rule_loader.h"
#include "scan/scan.h"
#include "scan/scans.h"
#include "source/image/image_source.h"
#include "support/git_fixture.h"
#include "support/image_builder.h"
#include "support/tar_writer.h"
#include "verify/suppression.h"

namespace trawl {
namespace {

namespace fs = std::filesystem;
using test::Compression;
using test::make_tar;

constexpr const char* kAwsKey = "AKIABDKS4STYOE6ZCGK7";
constexpr const char* kGithubToken = "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";
constexpr const char* kOtherAwsKey = "AKIAITYZVPC6FDWSBICP";

// An OCI index entry naming `manifest` as the attestation manifest of the
// image whose manifest digest is `image_digest`, as BuildKit writes it.
void add_attestation_entry(nlohmann::json& index, const std::string& manifest, const std::string& image_digest) {
  index["manifests"].push_back(
      {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
       {"digest", test::digest_of(manifest)},
       {"size", manifest.size()},
       {"platform", {{"os", "unknown"}, {"architecture", "unknown"}}},
       {"annotations",
        {{"vnd.docker.reference.type", "attestation-manifest"}, {"vnd.docker.reference.digest", image_digest}}}});
}

test::BuiltImage leaky_image() {
  test::BuiltImage image;
  const std::string jar =
      make_tar({test::file("BOOT-INF/classes/cloud.properties", std::string("aws.key=") + kOtherAwsKey + "\n")},
               Compression::kNone, /*zip=*/true);
  image.layers.push_back(
      {make_tar({test::file("root/.aws/credentials", std::string("[default]\naws_access_key_id = ") + kAwsKey + "\n"),
                 test::file("etc/os-release", "ID=debian\n")}),
       Compression::kGzip, "COPY aws-config /root/.aws/credentials # buildkit"});
  image.layers.push_back({make_tar({test::file("root/.aws/.wh.credentials", ""), test::file("app/app.jar", jar)}),
                          Compression::kZstd, std::string("RUN |1 GITHUB_TOKEN=") + kGithubToken + " /bin/sh -c make"});
  image.empty_history[1] = {"ARG GITHUB_TOKEN"};
  image.env = {"PATH=/usr/bin", std::string("AWS_ACCESS_KEY_ID=") + kAwsKey};
  return image;
}

struct Row {
  std::string rule, path;
  std::uint32_t line;
  std::string layer;  // "0", "1", or "config"
  bool in_final;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.rule << " " << r.path << ":" << r.line << " layer=" << r.layer << " final=" << r.in_final;
}

std::vector<Row> scan(const std::vector<std::string>& inputs, ScanResult* out = nullptr) {
  ImageCommandOptions options;
  options.inputs = inputs;
  options.no_repo_config = true;
  options.threads = 2;
  std::ostringstream log;
  ScanResult result = scan_images(options, log);
  std::vector<Row> rows;
  for (const auto& f : result.findings) {
    EXPECT_TRUE(f.image.has_value());
    EXPECT_FALSE(f.commit.has_value());
    rows.push_back({f.rule_id, f.path, f.start_line, f.image->layer ? std::to_string(*f.image->layer) : "config",
                    f.image->in_final_filesystem});
  }
  if (out != nullptr) *out = std::move(result);
  return rows;
}

class ImageScan : public ::testing::Test {
 protected:
  test::TempDir dir_;
  fs::path path(const std::string& name) const { return dir_.path() / name; }
};

TEST_F(ImageScan, FindsSecretsInDeletedFilesTheConfigTheHistoryAndNestedArchives) {
  const test::Members oci = test::oci_layout({leaky_image()});
  test::write_members(path("layout"), oci);
  ScanResult result;
  const std::vector<Row> rows = scan({path("layout").string()}, &result);
  const std::vector<Row> want = {
      {"aws-access-key-id", "root/.aws/credentials", 2, "0", false},
      {"aws-access-key-id", "app/app.jar!/BOOT-INF/classes/cloud.properties", 1, "1", true},
      {"aws-access-key-id", "(config) Env", 2, "config", true},
      {"github-pat", "(history 2)", 1, "config", true},
  };
  EXPECT_EQ(rows, want);
  ASSERT_EQ(result.findings.size(), 4U);
  const Finding& deleted = result.findings[0];
  EXPECT_EQ(deleted.image->reference, "app:1.4");
  EXPECT_EQ(deleted.image->platform, "linux/amd64");
  EXPECT_EQ(deleted.image->manifest_digest.substr(0, 7), "sha256:");
  EXPECT_EQ(deleted.image->layer_digest, test::digest_of(leaky_image().layers[0].tar));
  EXPECT_EQ(deleted.image->created_by, "COPY aws-config /root/.aws/credentials # buildkit");
}

TEST_F(ImageScan, EveryInputFormGivesTheSameFindings) {
  const test::BuiltImage img = leaky_image();
  const test::Members oci = test::oci_layout({img});
  test::write_members(path("layout"), oci);
  test::write_file(path("oci.tar.gz"), test::members_tar(oci, Compression::kGzip));
  test::write_file(path("save.tar"), test::members_tar(test::docker_save_classic(img)));
  test::write_file(path("save25.tar.zst"), test::members_tar(test::docker_save_oci(img), Compression::kZstd));
  const std::vector<Row> want = scan({path("layout").string()});
  ASSERT_EQ(want.size(), 4U);
  for (const char* form : {"oci.tar.gz", "save.tar", "save25.tar.zst"}) {
    SCOPED_TRACE(form);
    EXPECT_EQ(scan({path(form).string()}), want);
  }
}

// Binary files, long (told by their head) or short, are skipped by name;
// the summary counts every distinct file read or skipped, and the config's
// documents.
TEST_F(ImageScan, BinaryFilesAreSkippedByNameAndTheSummaryCountsEveryFile) {
  std::string binary(std::size_t{1} << 20, 'b');
  binary[100] = '\0';
  test::BuiltImage image;
  image.layers.push_back({make_tar({test::file("usr/lib/big.so", binary), test::file("bin/tool", std::string("\0x", 2)),
                                    test::file("etc/app.env", std::string("TOKEN=") + kGithubToken + "\n"),
                                    test::file("etc/copy.env", std::string("TOKEN=") + kGithubToken + "\n")}),
                          Compression::kNone, "COPY . /"});
  test::write_members(path("layout"), test::oci_layout({image}));
  ScanResult result;
  const std::vector<Row> rows = scan({path("layout").string()}, &result);
  EXPECT_EQ(rows, (std::vector<Row>{{"github-pat", "etc/app.env", 1, "0", true},
                                    {"github-pat", "etc/copy.env", 1, "0", true}}));
  const std::string layer = test::digest_of(image.layers[0].tar);
  std::vector<std::string> skipped;
  for (const SkippedObject& s : result.skipped) skipped.push_back(std::string(skip_reason_name(s.reason)) + " " + s.id);
  std::sort(skipped.begin(), skipped.end());
  EXPECT_EQ(skipped,
            (std::vector<std::string>{"binary " + layer + ":bin/tool", "binary " + layer + ":usr/lib/big.so"}));
  // One distinct text file (two paths), the history document, two binary files.
  EXPECT_EQ(result.summary.blobs_scanned, 2U);
  EXPECT_EQ(result.summary.blobs, 4U);
}

// A later layer that replaces a file by a binary one, short or long,
// removes the secret from the final filesystem as a deletion does.
TEST_F(ImageScan, AFileReplacedByABinaryFileIsNoLongerInTheFinalFilesystem) {
  std::string long_binary(std::size_t{1} << 20, 'b');
  long_binary[3] = '\0';
  test::BuiltImage image;
  image.layers.push_back({make_tar({test::file("etc/app.env", std::string("TOKEN=") + kGithubToken + "\n"),
                                    test::file("etc/db.env", std::string("KEY=") + kAwsKey + "\n")}),
                          Compression::kNone, "COPY . /"});
  image.layers.push_back(
      {make_tar({test::file("etc/app.env", std::string("\0\1", 2)), test::file("etc/db.env", long_binary)}),
       Compression::kZstd, "RUN seal"});
  test::write_members(path("layout"), test::oci_layout({image}));
  EXPECT_EQ(scan({path("layout").string()}), (std::vector<Row>{{"github-pat", "etc/app.env", 1, "0", false},
                                                               {"aws-access-key-id", "etc/db.env", 1, "0", false}}));
}

// A whiteout of a directory removes everything under it, an opaque
// directory hides what lower layers put in it; neighbours whose names
// only start alike ("a-b.env", "a0.env" beside "a/") stay.
TEST_F(ImageScan, DirectoryWhiteoutsAndOpaqueDirectoriesRemoveExactlyWhatIsUnderThem) {
  auto leak = [](int n) { return std::string("TOKEN=") + kGithubToken + " # " + std::to_string(n) + "\n"; };
  test::BuiltImage image;
  image.layers.push_back(
      {make_tar({test::file("a/x.env", leak(1)), test::file("a/b/y.env", leak(2)), test::file("a-b.env", leak(3)),
                 test::file("a0.env", leak(4)), test::file("c/z.env", leak(5)), test::file("d/w.env", leak(6))}),
       Compression::kNone, "COPY . /"});
  image.layers.push_back(
      {make_tar({test::file(".wh.a", ""), test::file("c/.wh..wh..opq", ""), test::file("c/new.txt", "nothing here\n")}),
       Compression::kGzip, "RUN clean"});
  test::write_members(path("layout"), test::oci_layout({image}));
  std::vector<Row> rows = scan({path("layout").string()});
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.path < b.path; });
  EXPECT_EQ(rows, (std::vector<Row>{{"github-pat", "a-b.env", 1, "0", true},
                                    {"github-pat", "a/b/y.env", 1, "0", false},
                                    {"github-pat", "a/x.env", 1, "0", false},
                                    {"github-pat", "a0.env", 1, "0", true},
                                    {"github-pat", "c/z.env", 1, "0", false},
                                    {"github-pat", "d/w.env", 1, "0", true}}));
}

TEST_F(ImageScan, ALayerSharedByTwoImagesIsReadOnceAndReportedForEach) {
  test::BuiltImage first = leaky_image();
  test::BuiltImage second = leaky_image();
  second.tag = "app:1.5";
  second.env = {"PATH=/usr/bin"};
  second.layers.resize(1);  // the same first layer only
  second.empty_history.clear();
  test::write_members(path("a"), test::oci_layout({first}));
  test::write_members(path("b"), test::oci_layout({second}));
  ScanResult result;
  const std::vector<Row> rows = scan({path("a").string(), path("b").string()}, &result);
  // The second image keeps the credentials file: there it is in the final filesystem.
  EXPECT_EQ(rows.back(), (Row{"aws-access-key-id", "root/.aws/credentials", 2, "0", true}));
  EXPECT_EQ(rows.size(), 5U);
  EXPECT_EQ(result.findings.back().image->reference, "app:1.5");
}

// One entry in `secrets` per secret, the image counterpart of a git
// timeline: each place it entered, the layer that deleted it, and the final
// filesystems that still hold it.
TEST_F(ImageScan, ASecretsTimelineSaysWhereItEnteredWhichLayerDeletedItAndWhereItStays) {
  test::BuiltImage first = leaky_image();
  test::BuiltImage second = leaky_image();
  second.tag = "app:1.5";
  second.env = {"PATH=/usr/bin"};
  second.layers.resize(1);
  second.empty_history.clear();
  test::write_members(path("a"), test::oci_layout({first}));
  test::write_members(path("b"), test::oci_layout({second}));
  ScanResult result;
  scan({path("a").string(), path("b").string()}, &result);
  const auto it = std::find_if(result.secrets.begin(), result.secrets.end(),
                               [](const SecretTimeline& t) { return t.secret == kAwsKey; });
  ASSERT_NE(it, result.secrets.end());
  const SecretTimeline& t = *it;
  std::vector<std::string> introduced;
  for (const SecretIntroduction& i : t.introduced) {
    ASSERT_TRUE(i.image.has_value());
    EXPECT_FALSE(i.commit.has_value());
    introduced.push_back(i.image->reference + " " + (i.image->layer ? std::to_string(*i.image->layer) : "config") +
                         " " + i.path + ":" + std::to_string(i.line));
  }
  EXPECT_EQ(introduced, (std::vector<std::string>{"app:1.4 0 root/.aws/credentials:2", "app:1.4 config (config) Env:2",
                                                  "app:1.5 0 root/.aws/credentials:2"}));
  ASSERT_EQ(t.removed.size(), 1U);
  ASSERT_TRUE(t.removed[0].image.has_value());
  EXPECT_EQ(t.removed[0].image->reference, "app:1.4");
  EXPECT_EQ(t.removed[0].image->layer, 1U);
  EXPECT_EQ(t.removed[0].image->layer_digest, test::digest_of(first.layers[1].tar));
  EXPECT_EQ(t.removed[0].path, "root/.aws/credentials");
  ASSERT_EQ(t.present_at.size(), 1U);
  EXPECT_EQ(t.present_at_total, 1U);
  EXPECT_EQ(t.present_at[0].ref, "app:1.5");
  EXPECT_EQ(t.present_at[0].path, "root/.aws/credentials");
  EXPECT_EQ(t.present_at[0].line, 2U);
  EXPECT_TRUE(t.moved.empty());
  EXPECT_TRUE(t.reachable_from.empty());

  // The same in the json report.
  const auto run = test::run_command(
      test::shell_quote(TRAWL_BINARY) + " image a b --no-repo-config -f json -r report.json", dir_.path());
  ASSERT_EQ(run.exit_code, 1) << run.err;
  std::ifstream in(path("report.json"));
  const auto report = nlohmann::json::parse(in);
  for (const auto& secret : report["secrets"]) {
    if (secret["secret"] != kAwsKey) continue;
    ASSERT_EQ(secret["introduced"].size(), 3U);
    EXPECT_EQ(secret["introduced"][0]["image"]["layer"], 0);
    EXPECT_FALSE(secret["introduced"][0].contains("commit"));
    EXPECT_EQ(secret["removed"][0]["path"], "root/.aws/credentials");
    EXPECT_EQ(secret["removed"][0]["image"]["layer"], 1);
    EXPECT_EQ(secret["removed"][0]["image"]["in_final_filesystem"], false);
    EXPECT_EQ(secret["present_at"][0]["ref"], "app:1.5");
  }

  // csv: gitleaks' columns and the confidence, then the image's.
  const auto csv = test::run_command(test::shell_quote(TRAWL_BINARY) + " image a --no-repo-config -f csv", dir_.path());
  ASSERT_EQ(csv.exit_code, 1) << csv.err;
  const std::string header = csv.out.substr(0, csv.out.find("\r\n"));
  EXPECT_TRUE(
      header.ends_with(",Tags,Confidence,ImageReference,ManifestDigest,Platform,Layer,LayerDigest,CreatedBy,"
                       "InFinalFilesystem"))
      << header;
  const std::string first_row =
      csv.out.substr(header.size() + 2, csv.out.find("\r\n", header.size() + 2) - header.size() - 2);
  EXPECT_NE(first_row.find(",app:1.4,sha256:"), std::string::npos) << first_row;
  EXPECT_TRUE(first_row.ends_with(",false")) << first_row;
}

TEST_F(ImageScan, AFileRewrittenWithTheSameSecretInALaterLayerIsNotReportedAgain) {
  test::BuiltImage img;
  const std::string creds = std::string("aws_access_key_id = ") + kAwsKey + "\n";
  img.layers.push_back({make_tar({test::file("app/.env", creds)}), Compression::kGzip, "COPY . /app"});
  img.layers.push_back({make_tar({test::file("app/.env", "# comment\n" + creds)}), Compression::kGzip, "RUN edit"});
  test::write_members(path("layout"), test::oci_layout({img}));
  EXPECT_EQ(scan({path("layout").string()}), (std::vector<Row>{{"aws-access-key-id", "app/.env", 1, "0", false}}));
}

// A provenance attestation (an index entry BuildKit marks
// `attestation-manifest`, its layer an in-toto statement) is a document of
// the image, named by its predicate type, never an image of its own.
TEST_F(ImageScan, AProvenanceAttestationIsScannedAsADocumentNotAsAnImage) {
  test::BuiltImage img;
  img.layers.push_back({make_tar({test::file("app/readme.txt", "hello\n")}), Compression::kGzip, "COPY . /app"});
  test::Members m = test::oci_layout({img});
  nlohmann::json index = nlohmann::json::parse(m["index.json"]);
  const std::string image_digest = index["manifests"][0]["digest"];
  const nlohmann::json statement = {
      {"_type", "https://in-toto.io/Statement/v0.1"},
      {"predicateType", "https://slsa.dev/provenance/v0.2"},
      {"subject", {{{"name", "app"}, {"digest", {{"sha256", image_digest.substr(7)}}}}}},
      {"predicate",
       {{"invocation",
         {{"parameters",
           {{"frontend", "dockerfile.v0"},
            {"args", {{"build-arg:DB_PASSWORD", "pr0d-Pw-9931"}, {"build-arg:GH", kGithubToken}}}}}}}}}};
  const std::string bytes = statement.dump();
  const std::string config = "{}";
  const nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", test::digest_of(config)}, {"size", 2}}},
      {"layers",
       {{{"mediaType", "application/vnd.in-toto+json"},
         {"digest", test::digest_of(bytes)},
         {"size", bytes.size()},
         {"annotations", {{"in-toto.io/predicate-type", "https://slsa.dev/provenance/v0.2"}}}}}}};
  const std::string manifest_bytes = manifest.dump();
  m["blobs/sha256/" + sha256_hex(bytes)] = bytes;
  m["blobs/sha256/" + sha256_hex(config)] = config;
  m["blobs/sha256/" + sha256_hex(manifest_bytes)] = manifest_bytes;
  add_attestation_entry(index, manifest_bytes, image_digest);
  m["index.json"] = index.dump();
  test::write_members(path("layout"), m);
  ScanResult result;
  const std::vector<Row> rows = scan({path("layout").string()}, &result);
  // The statement is indented one field a line: a finding's line names the field.
  const std::string where = "(attestation) https://slsa.dev/provenance/v0.2";
  EXPECT_EQ(rows, (std::vector<Row>{{"image-attestation-build-arg-secret", where, 7, "config", true},
                                    {"github-pat", where, 8, "config", true}}));
  for (const Finding& f : result.findings) EXPECT_EQ(f.image->reference, "app:1.4");
  EXPECT_EQ(result.summary.blobs, 3U);  // the layer's file, the history entry and the statement
}

// An attestation whose manifest is missing or damaged is reported and
// skipped; the image it describes is scanned all the same.
TEST_F(ImageScan, AMissingOrDamagedAttestationIsSkippedAndTheImageScanned) {
  test::BuiltImage img;
  img.layers.push_back({make_tar({test::file("app/.env", std::string("AWS_ACCESS_KEY_ID=") + kAwsKey + "\n")}),
                        Compression::kGzip, "COPY . /app"});
  img.env = {"PATH=/usr/bin"};
  test::Members m = test::oci_layout({img});
  nlohmann::json index = nlohmann::json::parse(m["index.json"]);
  const std::string image_digest = index["manifests"][0]["digest"];
  const std::string damaged = "{\"schemaVersion\": 2, \"layers\": 7}";
  const std::string missing = "{}";
  m["blobs/sha256/" + sha256_hex(damaged)] = damaged;
  for (const std::string* manifest : {&missing, &damaged}) add_attestation_entry(index, *manifest, image_digest);
  m["index.json"] = index.dump();
  test::write_members(path("layout"), m);
  ScanResult result;
  EXPECT_EQ(scan({path("layout").string()}, &result),
            (std::vector<Row>{{"aws-access-key-id", "app/.env", 1, "0", true}}));
  std::vector<std::string> skipped;
  for (const SkippedObject& s : result.skipped) skipped.push_back(std::string(skip_reason_name(s.reason)) + " " + s.id);
  EXPECT_EQ(skipped, (std::vector<std::string>{"corrupt_object " + test::digest_of(missing),
                                               "corrupt_object " + test::digest_of(damaged)}));
  for (const SkippedObject& s : result.skipped) EXPECT_NE(s.detail.find("attestation"), std::string::npos) << s.detail;
}

TEST_F(ImageScan, TheCommandLineWritesTheImageObjectInJson) {
  test::write_file(path("app.tar"), test::members_tar(test::docker_save_classic(leaky_image())));
  const auto run =
      test::run_command(test::shell_quote(TRAWL_BINARY) + " image app.tar --no-repo-config -f json", dir_.path());
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto report = nlohmann::json::parse(run.out);
  ASSERT_EQ(report["findings"].size(), 4U);
  const auto& image = report["findings"][0]["image"];
  EXPECT_EQ(image["reference"], "app:1.4");
  EXPECT_EQ(image["layer"], 0);
  EXPECT_EQ(image["in_final_filesystem"], false);
  EXPECT_TRUE(image["manifest_digest"].is_null());  // a classic docker save has no manifest
  EXPECT_TRUE(report["findings"][3]["image"]["layer"].is_null());
  EXPECT_EQ(report["findings"][3]["path"], "(history 2)");

  const auto missing = test::run_command(test::shell_quote(TRAWL_BINARY) + " image nothing.tar", dir_.path());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nothing.tar: No such file or directory"), std::string::npos) << missing.err;
}

// No path filter hides anything in an image: a token in `.git/config` (a
// classic), files under `usr/lib/` and under `test/` are all scanned.
TEST_F(ImageScan, NoPathFilterHidesGitDirectoriesLibrariesOrTests) {
  test::BuiltImage img;
  img.layers.push_back(
      {make_tar({test::file("src/app/.git/config", std::string("[remote \"origin\"]\n\turl = https://deploy:") +
                                                       kGithubToken + "@github.com/team/app.git\n"),
                 test::file("usr/lib/app/settings.conf", std::string("aws_access_key_id = ") + kAwsKey + "\n"),
                 test::file("test/fixtures/cloud.env", std::string("AWS_ACCESS_KEY_ID=") + kOtherAwsKey + "\n")}),
       Compression::kGzip, "COPY . /"});
  img.env = {"PATH=/usr/bin"};
  test::write_members(path("layout"), test::oci_layout({img}));
  EXPECT_EQ(scan({path("layout").string()}), (std::vector<Row>{
                                                 {"github-pat", "src/app/.git/config", 2, "0", true},
                                                 {"aws-access-key-id", "usr/lib/app/settings.conf", 1, "0", true},
                                                 {"aws-access-key-id", "test/fixtures/cloud.env", 1, "0", true},
                                             }));
}

TEST_F(ImageScan, ASecretInTheEntrypointIsFoundThere) {
  test::BuiltImage img;
  img.layers.push_back({make_tar({test::file("srv/run.sh", "#!/bin/sh\n")}), Compression::kGzip, "COPY run.sh /srv"});
  img.env = {"PATH=/usr/bin"};
  img.entrypoint = {"/srv/run.sh", "--token", kGithubToken};
  test::write_members(path("layout"), test::oci_layout({img}));
  EXPECT_EQ(scan({path("layout").string()}),
            (std::vector<Row>{{"github-pat", "(config) Entrypoint", 3, "config", true}}));  // one argument a line
}

// SARIF carries the image facts in the result's properties, the text
// report as readable lines under the finding.
TEST_F(ImageScan, SarifAndTextReportsCarryTheImageFacts) {
  const test::BuiltImage img = leaky_image();
  test::write_members(path("layout"), test::oci_layout({img}));
  ScanResult result;
  scan({path("layout").string()}, &result);
  ASSERT_FALSE(result.findings.empty());
  const std::string manifest_digest = result.findings[0].image->manifest_digest;
  ASSERT_EQ(manifest_digest.substr(0, 7), "sha256:");
  const std::string layer_digest = test::digest_of(img.layers[0].tar);

  const auto sarif = test::run_command(
      test::shell_quote(TRAWL_BINARY) + " image layout --no-repo-config -f sarif -r report.sarif", dir_.path());
  ASSERT_EQ(sarif.exit_code, 1) << sarif.err;
  std::ifstream in(path("report.sarif"));
  const auto report = nlohmann::json::parse(in);
  const auto& results = report["runs"][0]["results"];
  ASSERT_EQ(results.size(), 4U);
  EXPECT_EQ(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "root/.aws/credentials");
  EXPECT_EQ(results[0]["properties"]["image"],
            (nlohmann::json{{"reference", "app:1.4"},
                            {"manifest_digest", manifest_digest},
                            {"platform", "linux/amd64"},
                            {"layer", 0},
                            {"layer_digest", layer_digest},
                            {"created_by", "COPY aws-config /root/.aws/credentials # buildkit"},
                            {"in_final_filesystem", false}}));
  const auto& config = results[2]["properties"]["image"];
  EXPECT_TRUE(config["layer"].is_null());
  EXPECT_TRUE(config["layer_digest"].is_null());
  EXPECT_EQ(config["in_final_filesystem"], true);

  const auto text =
      test::run_command(test::shell_quote(TRAWL_BINARY) + " image layout --no-repo-config -f text", dir_.path());
  ASSERT_EQ(text.exit_code, 1) << text.err;
  const std::string want =
      "aws-access-key-id  root/.aws/credentials:2  (high)\n  secret  AKIA...\n  image   app:1.4 (linux/amd64) "
      "manifest " +
      manifest_digest + "\n  layer   0 " + layer_digest +
      " (deleted or replaced by a later layer)\n"
      "  by      COPY aws-config /root/.aws/credentials # buildkit\n";
  EXPECT_NE(text.out.find(want), std::string::npos) << text.out;
}

// `--all-platforms` scans the image of every platform an index lists; by
// default only the one asked for.
TEST_F(ImageScan, AllPlatformsOnTheCommandLineScansEveryPlatformsImage) {
  test::BuiltImage amd;
  amd.layers.push_back({make_tar({test::file("etc/app.conf", "mode=prod\n")}), Compression::kGzip, "COPY . /"});
  amd.env = {std::string("AWS_ACCESS_KEY_ID=") + kAwsKey};
  test::BuiltImage arm = amd;
  arm.architecture = "arm64";
  arm.env = {std::string("GITHUB_TOKEN=") + kGithubToken};
  test::write_members(path("multi"), test::oci_layout({amd, arm}, /*with_platform=*/true));
  auto platforms = [&](const std::string& flags) {
    const auto run = test::run_command(
        test::shell_quote(TRAWL_BINARY) + " image multi --no-repo-config -f json " + flags, dir_.path());
    EXPECT_EQ(run.exit_code, 1) << run.err;
    std::vector<std::string> got;
    const auto report = nlohmann::json::parse(run.out);
    for (const auto& f : report["findings"]) {
      got.push_back(f["image"]["platform"].get<std::string>() + " " + f["rule_id"].get<std::string>());
    }
    return got;
  };
  EXPECT_EQ(platforms("--all-platforms"),
            (std::vector<std::string>{"linux/amd64 aws-access-key-id", "linux/arm64 github-pat"}));
  EXPECT_EQ(platforms("--platform linux/arm64"), (std::vector<std::string>{"linux/arm64 github-pat"}));
}

// A decompression bomb (a small gzip layer whose members add up past the
// layer limit) ends that layer with a reason, before its bytes are read;
// what came before it in the layer and the rest of the image are scanned.
TEST_F(ImageScan, ADecompressionBombEndsItsLayerWithAReasonAndTheRestIsScanned) {
  test::BuiltImage img;
  const std::string bomb = make_tar({test::file("etc/first.env", std::string("AWS_ACCESS_KEY_ID=") + kAwsKey + "\n"),
                                     test::file("var/zeros.bin", std::string(std::size_t{16} << 20, '\0')),
                                     test::file("etc/after.env", std::string("GH=") + kGithubToken + "\n")});
  img.layers.push_back({bomb, Compression::kGzip, "COPY bomb /"});
  img.layers.push_back({make_tar({test::file("app/.env", std::string("AWS_ACCESS_KEY_ID=") + kOtherAwsKey + "\n")}),
                        Compression::kGzip, "COPY . /app"});
  img.env = {std::string("GITHUB_TOKEN=") + kGithubToken};
  const test::Members oci = test::oci_layout({img});
  test::write_members(path("layout"), oci);
  const std::string manifest_digest = nlohmann::json::parse(oci.at("index.json"))["manifests"][0]["digest"];
  const auto manifest = nlohmann::json::parse(oci.at("blobs/sha256/" + manifest_digest.substr(7)));
  const std::string bomb_digest = manifest["layers"][0]["digest"];
  ASSERT_LT(manifest["layers"][0]["size"].get<std::size_t>(), std::size_t{1} << 20);  // small on disk

  ImageScanOptions options;
  options.limits.max_layer_bytes = std::size_t{1} << 20;
  ImageSource source({path("layout").string()}, dir_.path().string(), options);
  const RuleLoad rules = load_builtin_rules();
  std::ostringstream log;
  const ScanResult result = run_scan(source, rules.rules, Suppressions{}, ScanSettings{}, {}, log);
  std::vector<std::string> found;
  for (const Finding& f : result.findings) {
    found.push_back(f.rule_id + " " + f.path + " " + (f.image->layer ? std::to_string(*f.image->layer) : "config"));
  }
  EXPECT_EQ(found, (std::vector<std::string>{"aws-access-key-id etc/first.env 0", "aws-access-key-id app/.env 1",
                                             "github-pat (config) Env config"}));
  std::vector<std::string> skipped;
  for (const SkippedObject& s : result.skipped) {
    skipped.push_back(std::string(skip_reason_name(s.reason)) + " " + s.id + " " + s.detail);
  }
  EXPECT_EQ(skipped, (std::vector<std::string>{"corrupt_object " + bomb_digest +
                                               ": layer_limit: members add up to more than 1048576 bytes"}));
}

// Images made by real tools: umoci writes the whiteout of a deleted file,
// skopeo converts the layout to a docker-archive and an OCI archive.
TEST_F(ImageScan, ImagesMadeByUmociAndSkopeoGiveTheSameFindingsInEveryForm) {
  for (const char* tool : {"umoci", "skopeo"}) {
    if (test::run_command(std::string("command -v ") + tool, dir_.path()).exit_code != 0) {
      GTEST_SKIP() << tool << " is not installed (scripts/setup.sh installs it)";
    }
  }
  const std::string script = std::string(
                                 "set -e\n"
                                 "umoci init --layout img\n"
                                 "umoci new --image img:app\n"
                                 "umoci unpack --rootless --image img:app b1 >/dev/null\n"
                                 "mkdir -p b1/rootfs/etc\n"
                                 "printf 'aws_access_key_id = ") +
                             kAwsKey +
                             "\\n' > b1/rootfs/etc/creds\n"
                             "umoci repack --image img:app --history.created_by 'COPY creds /etc/creds' b1\n"
                             "umoci unpack --rootless --image img:app b2 >/dev/null\n"
                             "rm b2/rootfs/etc/creds\n"
                             "umoci repack --image img:app --history.created_by 'RUN rm /etc/creds' b2\n"
                             "umoci config --image img:app --config.env 'GITHUB_TOKEN=" +
                             kGithubToken +
                             "' --history.created_by 'ENV GITHUB_TOKEN'\n"
                             "skopeo copy -q oci:img:app docker-archive:app.tar:app:1\n"
                             "skopeo copy -q oci:img:app oci-archive:app.oci.tar\n";
  test::write_file(path("make.sh"), script);
  const auto made = test::run_command("sh make.sh", dir_.path());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::vector<Row> want = {
      {"aws-access-key-id", "etc/creds", 1, "0", false},
      {"github-pat", "(config) Env", 1, "config", true},
  };
  for (const char* form : {"img", "app.tar", "app.oci.tar"}) {
    SCOPED_TRACE(form);
    ScanResult result;
    EXPECT_EQ(scan({path(form).string()}, &result), want);
    ASSERT_FALSE(result.findings.empty());
    EXPECT_EQ(result.findings[0].image->created_by, "COPY creds /etc/creds");
  }
}

}  // namespace
}  // namespace trawl
