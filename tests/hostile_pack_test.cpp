// Hostile packs: each made byte by byte (or by git, then damaged) by the test.
// The pack reader and the libgit2 reader must read what can be read, skip
// the rest with a reason, and never crash, loop or hold more memory than a
// few objects, whatever the pack.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <random>

#include "source/git/blob_reader.h"
#include "source/git/git_delta.h"
#include "source/git/pack_reader.h"
#include "support/batch_collector.h"
#include "support/git_fixture.h"
#include "support/pack_builder.h"
#include "support/pack_fixtures.h"

namespace trawl::test {
namespace {

struct ReadResult {
  std::map<ObjectId, std::string> blobs;
  BlobReadStats stats;
  std::vector<SkippedObject> skipped;
};

ReadResult read_all(const std::filesystem::path& git_dir, const std::vector<ObjectId>& ids, BlobSource source,
                    const BlobReadOptions& base_options = {}) {
  ReadResult result;
  SkipLog skips;
  BlobReadOptions options = base_options;
  options.source = source;
  BatchCollector collector(1 << 16);
  BatchFiller filler(collector);
  const PackSet packs(git_dir.string());
  result.stats = read_blobs(git_dir.string(), packs, ids, options, skips, filler);
  for (const BlobBatch& batch : collector.batches) {
    for (std::size_t i = 0; i < batch.entries.size(); ++i) {
      result.blobs.emplace(batch.entries[i].key.git_id(), std::string(batch.bytes(i)));
    }
  }
  result.skipped = skips.entries();
  return result;
}

std::string object_ids_text(const std::vector<ObjectId>& ids) {
  std::string text;
  for (const ObjectId& id : ids) text += id.hex() + "\n";
  return text;
}

const SkippedObject* skip_of(const ReadResult& result, const ObjectId& id) {
  for (const SkippedObject& s : result.skipped) {
    if (s.id == id.hex()) return &s;
  }
  return nullptr;
}

std::string text_of(std::size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string text;
  while (text.size() < size) text += "word" + std::to_string(rng() % 100000) + (rng() % 9 == 0 ? "\n" : " ");
  text.resize(size);
  return text;
}

// Memory is measured in a child process, this test binary run anew on one
// of the HostilePackChild tests below (a fork of a process running TBB may
// not use TBB): its peak resident memory, less that of a child that reads
// nothing.
constexpr const char* kChildDirVariable = "TRAWL_HOSTILE_PACK_DIR";
constexpr const char* kChildSourceVariable = "TRAWL_HOSTILE_PACK_SOURCE";

std::uint64_t peak_rss_of_child(const std::string& test, const std::filesystem::path& dir, BlobSource source) {
  const pid_t child = fork();
  if (child == 0) {
    setenv(kChildDirVariable, dir.c_str(), 1);
    setenv(kChildSourceVariable, source == BlobSource::kPacks ? "packs" : "libgit2", 1);
    const std::string filter = "--gtest_filter=HostilePackChild." + test;
    execl("/proc/self/exe", "trawl_tests", filter.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(child, &status, 0, &usage);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << test;
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

std::uint64_t peak_rss_added_by(const std::string& test, const std::filesystem::path& dir, BlobSource source) {
  const std::uint64_t baseline = peak_rss_of_child("ReadsNothing", dir, source);
  const std::uint64_t peak = peak_rss_of_child(test, dir, source);
  return peak > baseline ? peak - baseline : 0;
}

class HostilePack : public ::testing::Test {
 protected:
  void SetUp() override { repo_ = std::make_unique<GitRepo>(dir_.path() / "repo", true); }
  std::filesystem::path pack_dir() const { return repo_->git_dir() / "objects/pack"; }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
};

TEST(GitDelta, AppliesACopyInstructionLargerThan64KiB) {
  const std::string base = text_of(4 << 20, 1);
  const std::string delta = DeltaWriter(base.size(), base.size() + 1).copy(0, 4 << 20).insert("!").bytes();
  std::vector<char> out;
  ASSERT_TRUE(apply_delta(base, delta, out));
  EXPECT_EQ(std::string(out.data(), out.size()), base + "!");
  // Still refused: more than the instructions can express.
  EXPECT_FALSE(apply_delta(base, DeltaWriter(base.size(), 1ull << 40).copy(0, 4 << 20).bytes(), out));
}

TEST_F(HostilePack, ReadsADeltaWhoseCopyExceeds64KiBFromThePack) {
  PackBuilder builder;
  const std::string base = text_of(1 << 20, 2);
  const std::size_t b = builder.blob(base);
  const std::string result = base + "tail\n";
  builder.ofs_delta(b, DeltaWriter(base.size(), result.size()).copy(0, 1 << 20).insert("tail\n").bytes(),
                    blob_id(result));
  builder.write(pack_dir());
  const ReadResult read = read_all(repo_->git_dir(), {blob_id(result), builder.id(b)}, BlobSource::kPacks);
  EXPECT_EQ(read.stats.from_libgit2, 0u);
  ASSERT_EQ(read.blobs.size(), 2u);
  EXPECT_EQ(read.blobs.at(blob_id(result)), result);
  EXPECT_TRUE(read.skipped.empty());
}

TEST_F(HostilePack, ReadsWhatTheIndexAndThePackAgreeOnWhenTheirCountsDiffer) {
  PackBuilder builder;
  std::vector<ObjectId> ids;
  for (unsigned i = 0; i < 3; ++i) ids.push_back(builder.id(builder.blob(text_of(1000, 10 + i))));
  builder.write(pack_dir(), 5);
  const PackSet packs(repo_->git_dir().string());
  ASSERT_EQ(packs.size(), 1u);
  ASSERT_EQ(packs.problems().size(), 1u);
  EXPECT_NE(packs.problems()[0].what.find("pack header counts 5 objects, its index 3"), std::string::npos)
      << packs.problems()[0].what;
  EXPECT_FALSE(packs.problems()[0].rejected);
  for (BlobSource source : {BlobSource::kPacks, BlobSource::kLibgit2}) {
    const ReadResult read = read_all(repo_->git_dir(), ids, source);
    EXPECT_EQ(read.blobs.size(), 3u);
    EXPECT_TRUE(read.skipped.empty());
  }
}

TEST_F(HostilePack, SkipsObjectsTheIndexPlacesPastThePacksEndAndReadsTheRest) {
  PackBuilder builder;
  std::vector<ObjectId> ids;
  for (unsigned i = 0; i < 4; ++i) ids.push_back(builder.id(builder.blob(text_of(1000, 20 + i))));
  const PackBuilder::Written written = builder.write(pack_dir());
  const auto index = PackIndex::load(written.idx.string());
  ASSERT_TRUE(index.has_value());
  const std::uint32_t position = *index->position_of(ids[1]);
  rewrite_file(written.idx, [&](std::string& bytes) {
    const std::size_t at = 8 + 1024 + 24 * index->object_count() + 4 * std::size_t{position};
    bytes.replace(at, 4, be32(0x7ffffff0));
  });
  for (BlobSource source : {BlobSource::kPacks, BlobSource::kLibgit2}) {
    const ReadResult read = read_all(repo_->git_dir(), ids, source);
    EXPECT_EQ(read.blobs.size(), 3u);
    EXPECT_FALSE(read.blobs.contains(ids[1]));
    const SkippedObject* skip = skip_of(read, ids[1]);
    ASSERT_NE(skip, nullptr);
    EXPECT_EQ(skip->reason, SkipReason::kCorruptObject);
    EXPECT_NE(skip->detail.find("outside the pack's"), std::string::npos) << skip->detail;
  }
}

TEST_F(HostilePack, SurvivesBitFlippedIndexesInBothReaders) {
  GitRepo repo(dir_.path() / "flipped");
  for (int c = 0; c < 6; ++c) {
    repo.write("f" + std::to_string(c % 3) + ".txt", text_of(3000, 30 + static_cast<unsigned>(c)));
    repo.commit("c" + std::to_string(c));
  }
  repo.git("repack -q -a -d");
  const std::vector<ObjectId> ids = repo.object_ids("blob");
  std::filesystem::path idx;
  for (const auto& e : std::filesystem::directory_iterator(repo.git_dir() / "objects/pack")) {
    if (e.path().extension() == ".idx") idx = e.path();
  }
  std::string original;
  {
    std::ifstream in(idx, std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::size_t count = ids.size() * 3;  // roughly: blobs, trees and commits
  // The fanout table, ids, CRC-32s, offsets and the trailer.
  const std::vector<std::size_t> places = {
      8 + 4 * 100,          8 + 1020,           8 + 1024 + 5, 8 + 1024 + 20 * count / 3 + 2, original.size() - 50,
      original.size() - 30, original.size() - 1};
  for (std::size_t place : places) {
    for (const int flip : {0x01, 0x80, 0xff}) {
      rewrite_file(idx, [&](std::string& bytes) {
        bytes = original;
        bytes[std::min(place, bytes.size() - 1)] = static_cast<char>(bytes[std::min(place, bytes.size() - 1)] ^ flip);
      });
      for (BlobSource source : {BlobSource::kPacks, BlobSource::kLibgit2}) {
        const ReadResult read = read_all(repo.git_dir(), ids, source);
        EXPECT_EQ(read.blobs.size() + read.skipped.size(), ids.size()) << place << " " << flip;
      }
    }
  }
}

TEST_F(HostilePack, SkipsARefDeltaThatIsItsOwnBase) {
  PackBuilder builder;
  const std::string good = text_of(500, 40);
  builder.blob(good);
  ObjectId self;
  self.bytes.fill(0x42);
  builder.ref_delta(self, DeltaWriter(10, 10).insert("0123456789").bytes(), self);
  builder.write(pack_dir());
  for (BlobSource source : {BlobSource::kPacks, BlobSource::kLibgit2}) {
    const ReadResult read = read_all(repo_->git_dir(), {blob_id(good), self}, source);
    EXPECT_EQ(read.blobs.size(), 1u);
    const SkippedObject* skip = skip_of(read, self);
    ASSERT_NE(skip, nullptr);
    EXPECT_EQ(skip->reason, SkipReason::kCorruptObject);
    EXPECT_NE(skip->detail.find("delta base cycle"), std::string::npos) << skip->detail;
  }
}

TEST_F(HostilePack, ReadsLongDeltaChainsWithoutRecursionAndSkipsThoseOverTheBound) {
  PackBuilder builder;
  std::string content = "level 00000000 of a long chain\n";
  std::size_t at = builder.blob(content);
  std::vector<ObjectId> ids{builder.id(at)};
  std::vector<std::string> contents{content};
  for (int level = 1; level <= 12000; ++level) {
    char digits[16];  // room for any int, though levels fit in 8 digits
    std::snprintf(digits, sizeof digits, "%08d", level);
    const std::string next = "level " + std::string(digits) + content.substr(14);
    const std::string delta = DeltaWriter(content.size(), next.size()).insert(next.substr(0, 14)).copy(14, 17).bytes();
    at = builder.ofs_delta(at, delta, blob_id(next));
    ids.push_back(blob_id(next));
    contents.push_back(next);
    content = next;
  }
  builder.write(pack_dir());
  const std::vector<ObjectId> wanted = {ids[9000], ids[12000]};
  for (BlobSource source : {BlobSource::kPacks, BlobSource::kLibgit2}) {
    const ReadResult read = read_all(repo_->git_dir(), wanted, source);
    ASSERT_EQ(read.blobs.size(), 1u);
    EXPECT_EQ(read.blobs.at(ids[9000]), contents[9000]);
    const SkippedObject* skip = skip_of(read, ids[12000]);
    ASSERT_NE(skip, nullptr);
    EXPECT_NE(skip->detail.find("delta chain longer than 10000"), std::string::npos) << skip->detail;
  }
}

TEST_F(HostilePack, HoldsTwoLevelsOfALongDeltaChainAtATime) {
  PackBuilder builder;
  std::string content = text_of(1 << 20, 50);
  std::size_t at = builder.blob(content);
  std::vector<ObjectId> ids{builder.id(at)};
  for (int level = 1; level <= 40; ++level) {
    std::string next = content;
    next.replace(1000, 8, "lvl" + std::to_string(10000 + level));
    at = builder.ofs_delta(at,
                           DeltaWriter(content.size(), next.size())
                               .copy(0, 1000)
                               .insert(next.substr(1000, 8))
                               .copy(1008, (1 << 20) - 1008)
                               .bytes(),
                           blob_id(next));
    ids.push_back(blob_id(next));
    content = next;
  }
  builder.write(pack_dir());
  std::ofstream(dir_.path() / "wanted") << object_ids_text(ids);
  // 41 levels of 1 MiB: holding each level would take over 41 MiB.
  if (TRAWL_TEST_SANITIZED == 0) {  // a sanitizer's shadow memory is not the release build's
    EXPECT_LT(peak_rss_added_by("ReadsTheWantedBlobs", dir_.path(), BlobSource::kPacks), 16u << 20);
  }
}

TEST_F(HostilePack, ChecksSizesFromHeadersBeforeInflating) {
  // A whole blob of 200 MB of zeros, and a delta that declares a 100 MB result.
  std::string zeros_id =
      run_command("head -c 200000000 /dev/zero | git --git-dir=" + shell_quote(repo_->git_dir().string()) +
                      " hash-object -w --stdin",
                  dir_.path())
          .out;
  zeros_id.resize(40);
  repo_->git("rev-parse --git-dir > /dev/null && echo " + zeros_id + " | git pack-objects -q " +
             shell_quote((pack_dir() / "pack").string()) + " > /dev/null && git prune-packed");
  PackBuilder builder;
  const std::string base = text_of(1000, 60);
  const std::size_t b = builder.blob(base);
  DeltaWriter huge(base.size(), 100'000'000);
  for (int i = 0; i < 100'000; ++i) huge.copy(0, 1000);
  ObjectId huge_id;
  huge_id.bytes.fill(0x17);
  builder.ofs_delta(b, huge.bytes(), huge_id);
  builder.write(pack_dir());

  const std::vector<ObjectId> ids = {parse_object_id(zeros_id), huge_id, builder.id(b)};
  std::ofstream(dir_.path() / "wanted") << object_ids_text(ids);
  for (BlobSource source : {BlobSource::kPacks, BlobSource::kLibgit2}) {
    if (TRAWL_TEST_SANITIZED == 0) {
      EXPECT_LT(peak_rss_added_by("ReadsTheWantedBlobsUnder1MiB", dir_.path(), source), 32u << 20)
          << (source == BlobSource::kPacks ? "packs" : "libgit2");
    }
    BlobReadOptions options;
    options.max_blob_size = 1 << 20;
    const ReadResult read = read_all(repo_->git_dir(), ids, source, options);
    ASSERT_EQ(read.blobs.size(), 1u);
    for (const ObjectId& id : {ids[0], ids[1]}) {
      const SkippedObject* skip = skip_of(read, id);
      ASSERT_NE(skip, nullptr) << id.hex();
      EXPECT_EQ(skip->reason, SkipReason::kTooLarge) << skip->detail;
    }
  }
}

TEST_F(HostilePack, SkipsObjectsOverTheTimeBudgetSayingSo) {
  PackBuilder builder;
  const std::string base = text_of(2000, 70);
  const std::size_t b = builder.blob(base);
  builder.write(pack_dir());
  BlobReadOptions options;
  options.object_time_budget = std::chrono::steady_clock::duration::zero();
  const ReadResult read = read_all(repo_->git_dir(), {builder.id(b)}, BlobSource::kPacks, options);
  EXPECT_TRUE(read.blobs.empty());
  ASSERT_EQ(read.skipped.size(), 1u);
  EXPECT_EQ(read.skipped[0].reason, SkipReason::kCorruptObject);
  EXPECT_NE(read.skipped[0].detail.find("time budget"), std::string::npos) << read.skipped[0].detail;
}

// Drops every batch: only what reading holds is measured.
class DiscardingOutput : public BatchOutput {
 public:
  std::uint64_t batch_bytes() const override { return 1 << 16; }
  BlobBatch take() override { return {}; }
  void put(BlobBatch) override {}
};

// Run by peak_rss_of_child() only: each reads the ids listed in
// $TRAWL_HOSTILE_PACK_DIR/wanted from the repository there.
class HostilePackChild : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv(kChildDirVariable);
    if (dir == nullptr) GTEST_SKIP() << "run by HostilePack's memory tests";
    dir_ = dir;
    source_ = std::string(std::getenv(kChildSourceVariable)) == "packs" ? BlobSource::kPacks : BlobSource::kLibgit2;
  }
  void read(std::uint64_t max_blob_size) {
    std::ifstream in(dir_ / "wanted");
    const std::vector<ObjectId> ids =
        object_ids_in(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
    SkipLog skips;
    BlobReadOptions options;
    options.source = source_;
    options.max_blob_size = max_blob_size;
    DiscardingOutput discard;
    BatchFiller filler(discard);
    const PackSet packs((dir_ / "repo").string());
    read_blobs((dir_ / "repo").string(), packs, ids, options, skips, filler);
  }
  std::filesystem::path dir_;
  BlobSource source_ = BlobSource::kPacks;
};

TEST_F(HostilePackChild, ReadsNothing) {}
TEST_F(HostilePackChild, ReadsTheWantedBlobs) { read(64ull << 20); }
TEST_F(HostilePackChild, ReadsTheWantedBlobsUnder1MiB) { read(1 << 20); }

}  // namespace
}  // namespace trawl::test
