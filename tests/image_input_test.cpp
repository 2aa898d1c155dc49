// Reading container images: layers entry by entry (whiteouts, links, nested
// archives, hostile names, limits), and every input form of one image
// (OCI layout directory, OCI archive, classic and OCI docker save, each
// compressed or not) listing the same images and the same layer contents.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "source/image/image_input.h"
#include "source/image/layer_reader.h"
#include "support/git_fixture.h"
#include "support/image_builder.h"
#include "support/tar_writer.h"

namespace trawl {
namespace {

using image::LayerEntry;
using Kind = image::LayerEntry::Kind;
namespace fs = std::filesystem;

class StringStream final : public image::ByteStream {
 public:
  explicit StringStream(std::string bytes) : bytes_(std::move(bytes)) {}
  std::size_t read(char* buffer, std::size_t size) override {
    const std::size_t n = std::min(size, bytes_.size() - offset_);
    std::memcpy(buffer, bytes_.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  std::string bytes_;
  std::size_t offset_ = 0;
};

struct Seen {
  std::vector<std::string> entries;   // "kind path [-> link] [= content]"
  std::vector<std::string> problems;  // "kind path"
};

std::string kind_name(Kind kind) {
  switch (kind) {
    case Kind::kFile:
      return "file";
    case Kind::kHardlink:
      return "hardlink";
    case Kind::kSymlink:
      return "symlink";
    case Kind::kDirectory:
      return "dir";
    case Kind::kWhiteout:
      return "whiteout";
    case Kind::kOpaque:
      return "opaque";
    case Kind::kOther:
      return "other";
  }
  return "?";
}

image::LayerCallbacks recorder(Seen& seen) {
  image::LayerCallbacks callbacks;
  callbacks.entry = [&seen](const LayerEntry& e, std::string_view content) {
    std::string line = kind_name(e.kind) + " " + e.path;
    if (!e.link.empty()) line += " -> " + e.link;
    if (e.kind == Kind::kFile) line += " = " + std::string(content);
    seen.entries.push_back(line);
  };
  callbacks.problem = [&seen](const image::LayerProblem& p) { seen.problems.push_back(p.kind + " " + p.path); };
  return callbacks;
}

Seen read_tar(const std::string& bytes, const image::LayerLimits& limits = {}) {
  Seen seen;
  StringStream in(bytes);
  image::read_layer(in, "layer", limits, recorder(seen));
  return seen;
}

using test::Compression;
using test::make_tar;

TEST(LayerReader, ReportsFilesLinksWhiteoutsAndOpaqueDirectories) {
  const std::string layer = make_tar({
      test::directory("etc/"),
      test::file("etc/app.conf", "password = hunter2hunter2"),
      test::symlink("etc/link", "/etc/shadow"),
      test::hardlink("etc/copy.conf", "etc/app.conf"),
      test::file("etc/.wh.old.env", ""),
      test::file("var/cache/.wh..wh..opq", ""),
      test::file("./usr//lib/./x.txt", "x"),
  });
  const Seen seen = read_tar(layer);
  EXPECT_EQ(seen.entries, (std::vector<std::string>{
                              "dir etc",
                              "file etc/app.conf = password = hunter2hunter2",
                              "symlink etc/link -> /etc/shadow",
                              "hardlink etc/copy.conf -> etc/app.conf",
                              "whiteout etc/old.env",
                              "opaque var/cache",
                              "file usr/lib/x.txt = x",
                          }));
  EXPECT_TRUE(seen.problems.empty());
}

TEST(LayerReader, GzipAndZstdLayersGiveTheSameEntries) {
  const std::vector<test::TarMember> members = {test::file("a.txt", "alpha"), test::file("b/c.txt", "gamma")};
  const Seen plain = read_tar(make_tar(members));
  EXPECT_EQ(read_tar(make_tar(members, Compression::kGzip)).entries, plain.entries);
  EXPECT_EQ(read_tar(make_tar(members, Compression::kZstd)).entries, plain.entries);
  EXPECT_EQ(plain.entries.size(), 2U);
}

TEST(LayerReader, ClampsPathsThatClimbAboveTheRootAndCountsThem) {
  const Seen seen = read_tar(make_tar({test::file("../../etc/passwd", "p"), test::file("/abs/key", "k")}));
  EXPECT_EQ(seen.entries, (std::vector<std::string>{"file etc/passwd = p", "file abs/key = k"}));
  EXPECT_EQ(seen.problems, (std::vector<std::string>{"path_traversal etc/passwd"}));
}

TEST(LayerReader, ABareWhiteoutIsMalformedAndTheRestIsRead) {
  const Seen seen = read_tar(make_tar({test::file("dir/.wh.", ""), test::file("dir/after.txt", "after")}));
  EXPECT_EQ(seen.entries, (std::vector<std::string>{"file dir/after.txt = after"}));
  EXPECT_EQ(seen.problems, (std::vector<std::string>{"malformed_entry dir/.wh."}));
}

TEST(LayerReader, OpensArchivesInsideTheLayerAndNamesTheirMembers) {
  const std::string jar = make_tar({test::file("BOOT-INF/classes/application.properties", "db.password=s3cr3tS3cr3t")},
                                   Compression::kNone, /*zip=*/true);
  const std::string inner_tgz = make_tar({test::file("deep/.env", "TOKEN=abc")}, Compression::kGzip);
  const Seen seen = read_tar(make_tar({test::file("app/app.jar", jar), test::file("backup.tgz", inner_tgz)}));
  EXPECT_EQ(seen.entries, (std::vector<std::string>{
                              "file app/app.jar!/BOOT-INF/classes/application.properties = db.password=s3cr3tS3cr3t",
                              "file backup.tgz!/deep/.env = TOKEN=abc",
                          }));
}

TEST(LayerReader, NestingIsBoundedAndTooDeepArchivesAreCounted) {
  std::string archive = make_tar({test::file("secret.txt", "bottom")});
  for (int i = 0; i < 5; ++i) archive = make_tar({test::file("level.tar", archive)});
  image::LayerLimits limits;
  limits.max_nesting = 3;
  const Seen seen = read_tar(make_tar({test::file("outer.tar", archive)}), limits);
  ASSERT_EQ(seen.problems.size(), 1U);
  EXPECT_EQ(seen.problems[0], "nested_archive outer.tar!/level.tar!/level.tar!/level.tar");
}

TEST(LayerReader, ADepthOfZeroScansArchivesAsFilesWithoutOpeningThem) {
  const std::string inner = make_tar({test::file("deep/.env", "TOKEN=abc")});
  image::LayerLimits limits;
  limits.max_nesting = 0;
  const Seen seen = read_tar(make_tar({test::file("backup.tar", inner), test::file("a.txt", "alpha")}), limits);
  ASSERT_EQ(seen.entries.size(), 2U);
  EXPECT_EQ(seen.entries[0], "file backup.tar = " + inner);
  EXPECT_EQ(seen.entries[1], "file a.txt = alpha");
  EXPECT_TRUE(seen.problems.empty());
  limits.max_nesting = 1;
  EXPECT_EQ(read_tar(make_tar({test::file("backup.tar", inner)}), limits).entries,
            (std::vector<std::string>{"file backup.tar!/deep/.env = TOKEN=abc"}));
}

TEST(LayerReader, AFileThatIsNotTheArchiveItsNameSaysIsReadAsAFile) {
  const Seen seen = read_tar(make_tar({test::file("notes.zip", "plain text, not a zip")}));
  EXPECT_EQ(seen.entries, (std::vector<std::string>{"file notes.zip = plain text, not a zip"}));
  ASSERT_EQ(seen.problems.size(), 1U);
  EXPECT_EQ(seen.problems[0], "nested_archive notes.zip");
}

TEST(LayerReader, FilesOverTheSizeLimitAreCountedNotRead) {
  image::LayerLimits limits;
  limits.max_file_size = 10;
  const Seen seen =
      read_tar(make_tar({test::file("big.bin", std::string(100, 'a')), test::file("small", "ok")}), limits);
  EXPECT_EQ(seen.entries, (std::vector<std::string>{"file small = ok"}));
  EXPECT_EQ(seen.problems, (std::vector<std::string>{"too_large big.bin"}));
}

// A file that arrives in several blocks is shown by its head first: a
// binary one (the callback says so) is skipped without its rest being
// gathered, and the members after it are read as before. A file that
// arrives whole, or whose head says nothing, is delivered whole.
TEST(LayerReader, ALongFileIsToldByItsHeadAndSkippedWhenTheCallbackDealsWithIt) {
  for (const Compression compression : {Compression::kNone, Compression::kZstd}) {
    std::string binary(std::size_t{1} << 20, 'b');
    binary[7999] = '\0';
    std::string text(std::size_t{1} << 20, 't');
    text[8000] = '\0';  // past the head: only the head decides
    const std::string layer = make_tar({test::file("lib/big.so", binary), test::file("doc/big.txt", text),
                                        test::file("small.bin", std::string("\0ab", 3)), test::file("after.txt", "ok")},
                                       compression);
    Seen seen;
    std::vector<std::string> heads;  // "path size"
    image::LayerCallbacks callbacks = recorder(seen);
    callbacks.head_bytes = 8000;
    callbacks.skip_after_head = [&heads](const LayerEntry& e, std::string_view head) {
      heads.push_back(e.path + " " + std::to_string(head.size()));
      return head.find('\0') != std::string_view::npos;
    };
    StringStream in(layer);
    image::read_layer(in, "layer", {}, callbacks);
    EXPECT_EQ(heads, (std::vector<std::string>{"lib/big.so 8000", "doc/big.txt 8000"}));
    ASSERT_EQ(seen.entries.size(), 3U);
    EXPECT_EQ(seen.entries[0], "file doc/big.txt = " + text);
    EXPECT_EQ(seen.entries[1], "file small.bin = " + std::string("\0ab", 3));
    EXPECT_EQ(seen.entries[2], "file after.txt = ok");
    EXPECT_TRUE(seen.problems.empty());
  }
  // A layer that ends inside the skipped rest is still a layer error.
  std::string binary(std::size_t{1} << 20, 'b');
  binary[0] = '\0';
  const std::string layer = make_tar({test::file("ok.txt", "fine"), test::file("lib/big.so", binary)});
  Seen seen;
  image::LayerCallbacks callbacks = recorder(seen);
  callbacks.head_bytes = 8000;
  callbacks.skip_after_head = [](const LayerEntry&, std::string_view) { return true; };
  StringStream cut(layer.substr(0, layer.size() / 2));
  EXPECT_THROW(image::read_layer(cut, "layer", {}, callbacks), image::LayerError);
  EXPECT_EQ(seen.entries, (std::vector<std::string>{"file ok.txt = fine"}));
}

TEST(LayerReader, ALayerWhoseMembersExceedTheLayerLimitStopsWithAReason) {
  image::LayerLimits limits;
  limits.max_layer_bytes = 1000;
  std::vector<test::TarMember> members;
  for (int i = 0; i < 20; ++i) {
    std::string name = "f";
    name += std::to_string(i);
    members.push_back(test::file(name, std::string(100, 'z')));
  }
  const Seen seen = read_tar(make_tar(members, Compression::kZstd), limits);
  EXPECT_EQ(seen.entries.size(), 10U);
  EXPECT_EQ(seen.problems, (std::vector<std::string>{"layer_limit "}));
}

// A name over tar's 100 bytes travels in a PAX header: it is read whole,
// a link target too.
TEST(LayerReader, PaxLongNamesAreReadWhole) {
  std::string dir = "srv";
  while (dir.size() < 180) dir += "/a-rather-long-directory-name";
  const std::string name = dir + "/settings.env";
  ASSERT_GT(name.size(), 200U);
  const std::string layer =
      make_tar({test::file(name, "KEY=value\n"), test::symlink("short", name), test::file(dir + "/.wh.gone", "")});
  ASSERT_NE(layer.find("PaxHeader"), std::string::npos);  // the tar writer did use PAX headers
  const Seen seen = read_tar(test::compress(layer, Compression::kGzip));
  EXPECT_EQ(seen.entries, (std::vector<std::string>{"file " + name + " = KEY=value\n", "symlink short -> " + name,
                                                    "whiteout " + dir + "/gone"}));
  EXPECT_TRUE(seen.problems.empty());
}

TEST(LayerReader, DuplicateMembersAreEachDelivered) {
  const Seen seen = read_tar(make_tar({test::file("a", "one"), test::file("a", "two")}));
  EXPECT_EQ(seen.entries, (std::vector<std::string>{"file a = one", "file a = two"}));
}

TEST(LayerReader, ATruncatedOrForeignLayerIsALayerErrorAfterWhatWasRead) {
  const std::string whole =
      make_tar({test::file("first", std::string(600, 'f')), test::file("second", std::string(3000, 's'))});
  Seen seen;
  StringStream in(whole.substr(0, 2000));
  EXPECT_THROW(image::read_layer(in, "layer", {}, recorder(seen)), image::LayerError);
  EXPECT_EQ(seen.entries.size(), 1U);
  StringStream junk("this is not an archive at all, just some bytes that go on for a while...");
  Seen none;
  EXPECT_THROW(image::read_layer(junk, "layer", {}, recorder(none)), image::LayerError);
}

TEST(LayerReader, NormalisePath) {
  bool clamped = false;
  EXPECT_EQ(image::normalise_path("./a//b/./c", clamped), "a/b/c");
  EXPECT_FALSE(clamped);
  EXPECT_EQ(image::normalise_path("a/../../b", clamped), "b");
  EXPECT_TRUE(clamped);
  EXPECT_EQ(image::normalise_path("/", clamped), "");
}

// ---- inputs ----------------------------------------------------------------

test::BuiltImage sample_image() {
  test::BuiltImage image;
  image.layers.push_back(
      {make_tar({test::file("etc/app.conf", "db_password=Falcon2024!"), test::file("etc/os", "debian")}),
       Compression::kGzip, "/bin/sh -c #(nop) ADD file:abc in / "});
  image.layers.push_back({make_tar({test::file("etc/.wh.app.conf", ""), test::file("srv/run.sh", "echo hi")}),
                          Compression::kZstd, "RUN |1 TOKEN=ghp_example /bin/sh -c rm /etc/app.conf"});
  image.env = {"PATH=/usr/bin", "API_KEY=abc123"};
  image.cmd = {"/srv/run.sh"};
  image.labels = {{"maintainer", "team"}};
  image.empty_history[1] = {"ARG TOKEN"};
  return image;
}

struct LayerContents {
  std::vector<std::string> images;                         // "reference layers=N history=M"
  std::map<std::string, std::vector<std::string>> layers;  // diff_id -> entries
  std::vector<std::string> problems;
};

LayerContents read_input(const std::string& path, const image::PlatformChoice& choice = {}) {
  const auto input = image::open_image_input(path, choice);
  LayerContents out;
  std::map<std::string, std::string> diff_of_blob;
  for (const auto& img : input->images()) {
    out.images.push_back(img.reference + " layers=" + std::to_string(img.layers.size()) +
                         " history=" + std::to_string(img.config.history.size()) + " " + img.config.platform.text());
    for (const auto& layer : img.layers) diff_of_blob[layer.blob.name()] = layer.diff_id;
  }
  input->for_each_layer(
      [&](const image::BlobRef& blob, image::ByteStream& bytes) {
        Seen seen;
        image::read_layer(bytes, blob.name(), {}, recorder(seen));
        out.layers[diff_of_blob[blob.name()]] = seen.entries;
      },
      [&](const image::LayerProblem& p) { out.problems.push_back(p.kind); });
  return out;
}

class ImageInputs : public ::testing::Test {
 protected:
  test::TempDir dir_;
  fs::path path(const std::string& name) const { return dir_.path() / name; }
};

// The fixtures build a blob more than once (Docker 25's save builds the
// layers again to name them in manifest.json), so the same image must give
// the same blobs in a later second: a gzip layer that carried the time of
// writing was now and then named but not held, and its files went missing
// from a scan.
TEST_F(ImageInputs, TheFixturesBuildTheSameBlobsInALaterSecond) {
  auto names = [](const test::Members& members) {
    std::vector<std::string> out;
    for (const auto& member : members) out.push_back(member.first);
    return out;
  };
  const test::BuiltImage img = sample_image();
  const std::vector<std::string> before = names(test::docker_save_oci(img));
  const std::time_t second = std::time(nullptr);
  while (std::time(nullptr) == second) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(names(test::docker_save_oci(img)), before);
}

TEST_F(ImageInputs, EveryFormOfOneImageListsTheSameImageAndLayers) {
  const test::BuiltImage img = sample_image();
  const test::Members oci = test::oci_layout({img});
  test::write_members(path("layout"), oci);
  test::write_file(path("oci.tar"), test::members_tar(oci));
  test::write_file(path("oci.tar.gz"), test::members_tar(oci, Compression::kGzip));
  test::write_file(path("save.tar"), test::members_tar(test::docker_save_classic(img)));
  test::write_file(path("save.tar.zst"), test::members_tar(test::docker_save_classic(img), Compression::kZstd));
  test::write_file(path("save25.tar"), test::members_tar(test::docker_save_oci(img)));

  const LayerContents want = read_input(path("layout"));
  ASSERT_EQ(want.images, (std::vector<std::string>{"app:1.4 layers=2 history=3 linux/amd64"}));
  ASSERT_EQ(want.layers.size(), 2U);
  EXPECT_EQ(want.layers.begin()->second.size() + std::next(want.layers.begin())->second.size(), 4U);
  EXPECT_TRUE(want.problems.empty());
  for (const char* form : {"oci.tar", "oci.tar.gz", "save.tar", "save.tar.zst", "save25.tar"}) {
    SCOPED_TRACE(form);
    const LayerContents got = read_input(path(form));
    EXPECT_EQ(got.images, want.images);
    EXPECT_EQ(got.layers, want.layers);
    EXPECT_TRUE(got.problems.empty());
  }
}

TEST_F(ImageInputs, TheConfigGivesEnvLabelsCmdAndTheHistoryOfEachLayer) {
  const test::Members oci = test::oci_layout({sample_image()});
  test::write_members(path("layout"), oci);
  const auto input = image::open_image_input(path("layout"), {});
  ASSERT_EQ(input->images().size(), 1U);
  const auto& img = input->images()[0];
  EXPECT_EQ(img.config.env, (std::vector<std::string>{"PATH=/usr/bin", "API_KEY=abc123"}));
  EXPECT_EQ(img.config.cmd, (std::vector<std::string>{"/srv/run.sh"}));
  EXPECT_EQ(img.config.labels, (std::vector<std::pair<std::string, std::string>>{{"maintainer", "team"}}));
  ASSERT_EQ(img.layers.size(), 2U);
  EXPECT_EQ(img.layers[0].history_index, 0U);
  EXPECT_EQ(img.layers[1].history_index, 2U);  // after the empty "ARG TOKEN" entry
  EXPECT_EQ(img.config.history[2].created_by, "RUN |1 TOKEN=ghp_example /bin/sh -c rm /etc/app.conf");
  EXPECT_EQ(img.manifest_digest.substr(0, 7), "sha256:");
}

TEST_F(ImageInputs, AnIndexOfPlatformsGivesTheHostsOrTheOneAskedForOrAll) {
  test::BuiltImage amd = sample_image();
  test::BuiltImage arm = sample_image();
  arm.architecture = "arm64";
  arm.env = {"ARCH=arm"};
  test::write_members(path("multi"), test::oci_layout({amd, arm}, /*with_platform=*/true));
  image::PlatformChoice choice;
  choice.platform = image::Platform{"linux", "arm64", ""};
  const auto arm_only = image::open_image_input(path("multi"), choice);
  ASSERT_EQ(arm_only->images().size(), 1U);
  EXPECT_EQ(arm_only->images()[0].config.env, (std::vector<std::string>{"ARCH=arm"}));
  choice = {};
  choice.all = true;
  EXPECT_EQ(image::open_image_input(path("multi"), choice)->images().size(), 2U);
  choice = {};
  choice.platform = image::Platform{"linux", "s390x", ""};
  try {
    image::open_image_input(path("multi"), choice);
    FAIL() << "no s390x image";
  } catch (const image::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no image for platform linux/s390x (it has linux/amd64, linux/arm64"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ImageInputs, ADigestMismatchAndAMissingBlobAreReportedAndTheRestIsRead) {
  test::Members oci = test::oci_layout({sample_image()});
  // Replace one layer blob's bytes (its name keeps the old digest) and drop the other.
  const auto input_before = [&] {
    test::write_members(path("ok"), oci);
    return image::open_image_input(path("ok"), {});
  }();
  const auto& layers = input_before->images()[0].layers;
  const std::string first = "blobs/sha256/" + layers[0].blob.digest.substr(7);
  const std::string second = "blobs/sha256/" + layers[1].blob.digest.substr(7);
  oci[first] = test::compress(make_tar({test::file("etc/other", "tampered")}), Compression::kGzip);
  oci.erase(second);
  test::write_members(path("bad"), oci);
  test::write_file(path("bad.tar"), test::members_tar(oci));
  for (const char* form : {"bad", "bad.tar"}) {
    SCOPED_TRACE(form);
    const LayerContents got = read_input(path(form));
    EXPECT_EQ(got.problems, (std::vector<std::string>{"digest_mismatch", "missing_blob"}));
    ASSERT_EQ(got.layers.size(), 1U);
    EXPECT_EQ(got.layers.begin()->second, (std::vector<std::string>{"file etc/other = tampered"}));
  }
}

TEST_F(ImageInputs, AManifestThatIsNotJsonOrNotAnImageIsAClearError) {
  test::write_file(path("junk.tar"), test::members_tar({{"index.json", "{not json"}}));
  try {
    image::open_image_input(path("junk.tar"), {});
    FAIL();
  } catch (const image::InputError& e) {
    EXPECT_EQ(std::string(e.what()), "junk.tar: index.json: not valid JSON");
  }
  test::write_file(path("empty.tar"), test::members_tar({{"README", "hello"}}));
  try {
    image::open_image_input(path("empty.tar"), {});
    FAIL();
  } catch (const image::InputError& e) {
    EXPECT_EQ(std::string(e.what()), "empty.tar: neither manifest.json nor index.json: not an image");
  }
  test::write_file(
      path("baddigest.tar"),
      test::members_tar({{"index.json", R"({"manifests":[{"digest":"sha256:../../etc/passwd","size":1}]})"}}));
  try {
    image::open_image_input(path("baddigest.tar"), {});
    FAIL();
  } catch (const image::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is not sha256:<64 lowercase hex>"), std::string::npos) << e.what();
  }
}

TEST_F(ImageInputs, ALayoutDirectoryNeverFollowsASymlinkedBlob) {
  test::Members oci = test::oci_layout({sample_image()});
  test::write_members(path("layout"), oci);
  const auto input = image::open_image_input(path("layout"), {});
  const std::string blob = "blobs/sha256/" + input->images()[0].layers[0].blob.digest.substr(7);
  test::write_file(path("outside"), oci[blob]);
  fs::remove(path("layout") / blob);
  fs::create_symlink(path("outside"), path("layout") / blob);
  const LayerContents got = read_input(path("layout"));
  EXPECT_EQ(got.problems, (std::vector<std::string>{"missing_blob"}));
  EXPECT_EQ(got.layers.size(), 1U);
}

}  // namespace
}  // namespace trawl
