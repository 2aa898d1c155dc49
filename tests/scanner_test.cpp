// Stage 2 searches windows around keyword occurrences; its results must be
// those of searching the whole text.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <re2/re2.h>

#include "content/provenance.h"
#include "engine/path_scope.h"
#include "engine/scanner.h"
#include "rules/rule_loader.h"
#include "rules/span_choice.h"
#include "support/child_process.h"
#include "support/spots.h"

namespace trawl {
namespace {

// The same rules with no keywords search whole texts: the reference.
RuleSet without_keywords(const std::string& toml) {
  RuleSet rules = std::move(load_rules_text(toml, "cfg.toml").rules);
  for (Rule& r : rules.rules) r.keywords.clear();
  return rules;
}

constexpr const char* kRules = R"(
[[rules]]
id = "assigned"
regex = '''(?i)token[ \t]*=[ \t]*([a-z0-9]{12})\b'''
keywords = ["token"]
[[rules]]
id = "block"
regex = '''-----BEGIN KEY-----\n([a-z0-9\n]{8,400}?)\n-----END KEY-----'''
keywords = ["begin key"]
[[rules]]
id = "unbounded-block"
regex = '''-----BEGIN OLD-----([\s\S]*?)-----END OLD-----'''
keywords = ["begin old"]
[[rules]]
id = "two-lines"
regex = '''user:\s?(\w+)\s{0,2}pass:\s?(\w{6,})'''
secretGroup = 2
keywords = ["pass:"]
[[rules]]
id = "context-above"
regex = '''\b(k[0-9]{9})\b'''
keywords = ["vendor-key"]
)";

TEST(Scanner, WindowedSearchFindsWhatAWholeTextSearchFinds) {
  const RuleSet windowed = std::move(load_rules_text(kRules, "cfg.toml").rules);
  ASSERT_EQ(windowed.rules[0].max_newlines, 0u);
  ASSERT_EQ(windowed.rules[1].max_newlines, 402u);
  ASSERT_EQ(windowed.rules[2].max_newlines, std::nullopt);
  ASSERT_EQ(windowed.rules[3].max_newlines, 4u);
  const RuleSet whole = without_keywords(kRules);
  const Scanner windowed_scanner(windowed);
  const Scanner whole_scanner(whole);

  std::mt19937 rng(99);
  const std::vector<std::string> pieces = {"TOKEN = abcdef123456\n",
                                           "noise line here\n",
                                           "-----BEGIN KEY-----\nabc123xyz\n0099887766\n-----END KEY-----\n",
                                           "user: bob\npass: hunter22x\n",
                                           "user:\tann  pass:\nzzzzzzzz\n",
                                           "# vendor-key below\nk123456789\n",
                                           "token=short\n",
                                           "\n\n\n",
                                           "x token = 0123456789ab y\n",
                                           "-----BEGIN OLD-----\nq1w2e3\n",
                                           "\nr4t5-----END OLD-----\n"};
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const int count = static_cast<int>(rng() % 40);
    for (int i = 0; i < count; ++i) text += pieces[rng() % pieces.size()];
    EXPECT_EQ(spots(windowed, windowed_scanner.scan_text(text)), spots(whole, whole_scanner.scan_text(text)))
        << "round " << round << "\n"
        << text;
  }
}

TEST(Scanner, ReportsOneBasedPositionsOfTheSecretAndTheLineHoldingTheMatch) {
  const RuleSet rules = std::move(load_rules_text(kRules, "cfg.toml").rules);
  const Scanner scanner(rules);
  const std::vector<Hit> hits = scanner.scan_text("first\n  user: bob\n pass: hunter22x\nlast\n");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].secret, "hunter22x");
  EXPECT_EQ(hits[0].match, "user: bob\n pass: hunter22x");
  EXPECT_EQ(hits[0].line, "  user: bob\n pass: hunter22x");
  EXPECT_EQ(hits[0].start_line, 3u);
  EXPECT_EQ(hits[0].start_column, 8u);
  EXPECT_EQ(hits[0].end_line, 3u);
  EXPECT_EQ(hits[0].end_column, 16u);
}

// Line numbers come from an index of the blob's line feeds, built sixteen
// bytes at a time: lines of every length, empty ones and runs of line feeds
// across those sixteen-byte steps, the last line ended or not, give the
// positions counting line feeds before the match gives.
TEST(Scanner, NumbersLinesAsCountingLineFeedsDoesOnLinesOfEveryLength) {
  const RuleSet rules = std::move(load_rules_text(kRules, "cfg.toml").rules);
  const Scanner scanner(rules);
  std::mt19937 rng(41);
  for (int round = 0; round < 500; ++round) {
    std::string text;
    std::vector<std::pair<std::string, std::size_t>> planted;  // secret, offset of the match
    const int lines = static_cast<int>(rng() % 40);
    for (int l = 0; l < lines; ++l) {
      if (rng() % 4 == 0) {
        std::string secret = "s";
        for (int k = 0; k < 11; ++k) secret += static_cast<char>('a' + (l + k * 7 + round) % 26);
        text += std::string(rng() % 20, ' ');
        planted.emplace_back(secret, text.size());
        text += "token=" + secret;
      } else {
        text += std::string(rng() % 40, 'x');
      }
      if (l + 1 < lines || rng() % 2 == 0) text += '\n';
    }
    std::vector<Hit> hits = scanner.scan_text(text);
    ASSERT_EQ(hits.size(), planted.size()) << "round " << round;
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.start_line < b.start_line; });
    for (std::size_t h = 0; h < hits.size(); ++h) {
      const std::size_t match = planted[h].second;
      const std::size_t line_start = text.rfind('\n', match == 0 ? 0 : match - 1);
      const std::size_t column = match - (line_start == std::string::npos || match == 0 ? 0 : line_start + 1);
      EXPECT_EQ(hits[h].secret, planted[h].first) << "round " << round;
      EXPECT_EQ(hits[h].start_line,
                1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(match), '\n'))
          << "round " << round;
      // The secret starts six bytes into the match ("token=").
      EXPECT_EQ(hits[h].start_column, column + 7) << "round " << round;
    }
  }
}

TEST(Scanner, AppliesTheEntropyThresholdToTheSecret) {
  const RuleSet rules = std::move(
      load_rules_text("[[rules]]\nid = \"e\"\nregex = '''key=(\\w+)'''\nentropy = 3.0\nkeywords = [\"key=\"]\n",
                      "cfg.toml")
          .rules);
  const Scanner scanner(rules);
  EXPECT_TRUE(scanner.scan_text("key=aaaaaaaaaaaaaaaa").empty());
  EXPECT_EQ(scanner.scan_text("key=q8Zr2LmX0pT4vN7w").size(), 1u);
}

// A backend that only implements run(): the scanner then confirms blobs
// through the default run_each(), from one batch-wide candidate list.
class WholeBatchPrefilter final : public Prefilter {
 public:
  explicit WholeBatchPrefilter(const KeywordAutomaton& automaton) : cpu_(make_cpu_prefilter({automaton})) {}
  std::string_view backend_name() const override { return "whole-batch"; }
  bool concurrent() const override { return false; }
  BatchCandidates run(const BlobBatch& batch) override { return cpu_->run(batch); }

 private:
  std::unique_ptr<Prefilter> cpu_;
};

TEST(Scanner, BlobByBlobMatchingFindsWhatWholeBatchMatchingFinds) {
  const RuleLoad load = load_builtin_rules();
  const Scanner scanner(load.rules);
  BlobBatch batch;
  std::mt19937 rng(5);
  std::vector<std::string> pieces;
  for (const Rule& rule : load.rules.rules) {
    for (const std::string& e : rule.examples) pieces.push_back(e + "\n");
  }
  pieces.push_back(std::string(3000, 'x') + "\n");
  pieces.push_back("");
  for (int b = 0; b < 200; ++b) {
    std::string text;
    for (int n = static_cast<int>(rng() % 6); n > 0; --n) text += pieces[rng() % pieces.size()];
    BlobEntry entry;
    entry.key = BlobKey::sha256_of(std::to_string(b));
    entry.offset = batch.arena.size();
    entry.length = text.size();
    batch.entries.push_back(entry);
    batch.arena.insert(batch.arena.end(), text.begin(), text.end());
  }
  const auto cpu = make_cpu_prefilter({scanner.automaton()});
  WholeBatchPrefilter whole(scanner.automaton());
  const std::vector<BlobHits> blob_by_blob = scanner.scan(batch, *cpu);
  const std::vector<BlobHits> whole_batch = scanner.scan(batch, whole);
  ASSERT_EQ(blob_by_blob.size(), whole_batch.size());
  EXPECT_GE(blob_by_blob.size(), 100u);
  for (std::size_t i = 0; i < blob_by_blob.size(); ++i) {
    EXPECT_EQ(blob_by_blob[i].blob, whole_batch[i].blob);
    EXPECT_EQ(spots(load.rules, blob_by_blob[i].hits), spots(load.rules, whole_batch[i].hits));
  }
}

// Stage 2 keeps what a rule found in a window by the window's bytes and
// reuses it where the same window comes again (the same lines of the next
// version of a file). Reused or searched afresh, the hits are the same: on
// versions of a text edited at random lines, at its first and last line
// too, with and without a final line feed, by two scanners of different
// rules taking turns on one thread.
TEST(Scanner, WindowsSearchedLatelyFindWhatSearchingThemAfreshFinds) {
  const RuleLoad load = load_builtin_rules();
  const RuleSet own = std::move(load_rules_text(kRules, "cfg.toml").rules);
  const Scanner memo(load.rules);
  const Scanner fresh(load.rules, ScannerOptions{.memo_windows = false});
  const Scanner own_memo(own);
  const Scanner own_fresh(own, ScannerOptions{.memo_windows = false});
  std::mt19937 rng(17);
  std::vector<std::string> lines;
  for (const Rule& rule : load.rules.rules) {
    for (const std::string& e : rule.examples) lines.push_back(e);
  }
  for (const char* line : {"token = abcdef123456", "token=abcdef123456x", "-----BEGIN KEY-----", "abc123def456",
                           "-----END KEY-----", "-----BEGIN OLD-----", "-----END OLD-----", "user: admin",
                           "pass: hunter22", "vendor-key:", "k123456789", "nothing here", ""}) {
    lines.emplace_back(line);
  }
  auto text_of = [](const std::vector<std::string>& version, bool final_line_feed) {
    std::string text;
    for (std::size_t i = 0; i < version.size(); ++i) {
      text += version[i];
      if (i + 1 < version.size() || final_line_feed) text += '\n';
    }
    return text;
  };
  auto hits_of = [](const RuleSet& rules, const std::vector<Hit>& hits) {
    std::vector<std::pair<Spot, std::string>> out;
    out.reserve(hits.size());
    for (const Hit& h : hits) out.emplace_back(spots(rules, {h}).front(), h.line + "|" + h.match);
    return out;
  };
  std::size_t reported = 0;
  for (int file = 0; file < 20; ++file) {
    std::vector<std::string> version;
    version.reserve(40);
    for (int n = 0; n < 40; ++n) version.push_back(lines[rng() % lines.size()]);
    for (int edit = 0; edit < 30; ++edit) {
      const std::size_t at = rng() % 4 == 0 ? (rng() % 2 == 0 ? 0 : version.size() - 1) : rng() % version.size();
      switch (rng() % 3) {
        case 0:
          version[at] = lines[rng() % lines.size()];
          break;
        case 1:
          version.insert(version.begin() + static_cast<std::ptrdiff_t>(at), lines[rng() % lines.size()]);
          break;
        default:
          if (version.size() > 2) version.erase(version.begin() + static_cast<std::ptrdiff_t>(at));
      }
      const std::string text = text_of(version, rng() % 2 == 0);
      const auto expected = hits_of(load.rules, fresh.scan_text(text));
      ASSERT_EQ(hits_of(load.rules, memo.scan_text(text)), expected) << text;
      ASSERT_EQ(hits_of(own, own_memo.scan_text(text)), hits_of(own, own_fresh.scan_text(text))) << text;
      reported += expected.size();
    }
  }
  EXPECT_GE(reported, 1000u);
  // Most windows came again, and none was reused without the memo.
  EXPECT_GT(memo.window_counts().repeated * 2, memo.window_counts().searched);
  EXPECT_GT(own_memo.window_counts().repeated, 0u);
  EXPECT_EQ(fresh.window_counts().repeated, 0u);
}

// Whether a rule matches at a window's end can depend on the byte after it
// and on whether the blob ends there: a match of `beta` (no keyword of its
// rule) on the last line of `alpha`'s window needs a word byte next. The
// same window's bytes are searched again where those differ, whichever
// came first.
TEST(Scanner, AWindowIsReusedOnlyWhereTheByteAfterItAndTheBlobsEndAreTheSame) {
  const RuleSet rules = std::move(load_rules_text(R"(
[[rules]]
id = "edge"
regex = '''(?:alpha|beta)=([0-9]{4})\n\b'''
keywords = ["alpha"]
)",
                                                  "cfg.toml")
                                      .rules);
  const Scanner memo(rules);
  const Scanner fresh(rules, ScannerOptions{.memo_windows = false});
  const std::string window = "alpha\nz\nbeta=1234\n";
  const std::string word_after = window + "word\n";
  const std::string space_after = window + " space\n";
  const std::string ends_there = window;
  EXPECT_EQ(spots(rules, fresh.scan_text(word_after)), (std::vector<Spot>{{"edge", "1234", 3, 6}}));
  EXPECT_TRUE(fresh.scan_text(space_after).empty());
  EXPECT_TRUE(fresh.scan_text(ends_there).empty());
  for (const std::string* text :
       {&space_after, &ends_there, &word_after, &word_after, &ends_there, &space_after, &word_after, &space_after}) {
    EXPECT_EQ(spots(rules, memo.scan_text(*text)), spots(rules, fresh.scan_text(*text))) << *text;
  }
  EXPECT_GT(memo.window_counts().repeated, 0u);
}

// A path scope runs a rule with a path only on blobs seen at a path it
// matches (introduced there, or held there before a change), container
// checks testing their keywords in stage 2. At each of a blob's paths, its
// hits stand as the unscoped scanner's do.
TEST(Scanner, APathScopeDropsOnlyTheHitsOfRulesThatApplyAtNoneOfABlobsPaths) {
  const RuleLoad load = load_builtin_rules();
  const RuleSet& rules = load.rules;
  const std::vector<std::string> paths = {"Dockerfile",         "app/Containerfile.prod",
                                          "docker-compose.yml", ".github/workflows/ci.yml",
                                          "(history 3)",        "src/main.c",
                                          "config/app.env",     "README",
                                          "docs/guide.adoc",    "deploy/values.yaml"};
  std::mt19937 rng(11);
  std::vector<std::string> pieces;
  for (const Rule& rule : rules.rules) {
    for (const std::string& e : rule.examples) pieces.push_back(e + "\n");
  }
  BlobBatch batch;
  Provenance provenance;
  std::unordered_map<BlobKey, std::vector<std::string>, BlobKeyHash> paths_of;
  for (int b = 0; b < 300; ++b) {
    std::string text;
    for (int n = 1 + static_cast<int>(rng() % 4); n > 0; --n) text += pieces[rng() % pieces.size()];
    BlobEntry entry;
    entry.key = BlobKey::sha256_of(text + std::to_string(b));
    entry.offset = batch.arena.size();
    entry.length = text.size();
    batch.entries.push_back(entry);
    batch.arena.insert(batch.arena.end(), text.begin(), text.end());
    // Each blob at none, one or two paths; some only as what a path held
    // before another blob came.
    for (int n = static_cast<int>(rng() % 3); n > 0; --n) {
      const std::string& path = paths[rng() % paths.size()];
      paths_of[entry.key].push_back(path);
      BlobIntroduction intro;
      intro.path = path;
      if (rng() % 4 == 0) {
        intro.blob = BlobKey::sha256_of("later " + std::to_string(b));
        intro.parent_blobs.push_back(entry.key);
      } else {
        intro.blob = entry.key;
      }
      provenance.introductions.push_back(std::move(intro));
    }
  }
  PathScope scope(rules);
  ASSERT_TRUE(scope.scopes_anything());
  scope.add(provenance);
  ScannerOptions options;
  options.scope = &scope;
  const Scanner scoped(rules, options);
  const Scanner unscoped(rules);
  const auto scoped_cpu = make_cpu_prefilter({scoped.automaton()});
  const auto unscoped_cpu = make_cpu_prefilter({unscoped.automaton()});
  std::unordered_map<BlobKey, std::vector<Hit>, BlobKeyHash> got;
  std::unordered_map<BlobKey, std::vector<Hit>, BlobKeyHash> all;
  for (BlobHits& b : scoped.scan(batch, *scoped_cpu)) got[b.blob] = std::move(b.hits);
  for (BlobHits& b : unscoped.scan(batch, *unscoped_cpu)) all[b.blob] = std::move(b.hits);
  // A blob's hits as they stand at a path: of the rules that apply there,
  // one per span.
  auto at = [&](const std::vector<Hit>& hits, const std::string& path) {
    std::vector<Hit> here;
    for (const Hit& h : hits) {
      if (!rules.rules[h.rule].path || RE2::PartialMatch(path, *rules.rules[h.rule].path)) here.push_back(h);
    }
    return spots(rules, one_hit_per_span(rules, std::move(here)));
  };
  std::size_t scoped_out = 0;
  std::size_t places = 0;
  for (const auto& [blob, where] : paths_of) {
    const std::vector<Hit>& unscoped_hits = all[blob];
    const std::vector<Hit>& scoped_hits = got[blob];
    for (const std::string& path : where) {
      ++places;
      EXPECT_EQ(at(scoped_hits, path), at(unscoped_hits, path)) << blob.hex() << " at " << path;
    }
    scoped_out += unscoped_hits.size() - std::min(unscoped_hits.size(), scoped_hits.size());
  }
  EXPECT_GT(places, 200U);
  // The scope did leave rules out.
  EXPECT_GT(scoped_out, 20U);
}

// Stage 2's memory does not grow with how often a secret repeats or how
// long its line is: each case runs in a child with an address-space ceiling
// far below what keeping a line's context per match would take.
constexpr const char* kKeyRule = R"(
[[rules]]
id = "key"
regex = '''\b(KEY[0-9A-Z]{16})\b'''
keywords = ["key"]
)";

std::string key_number(std::size_t n) {
  std::string digits(16, '0');
  for (std::size_t i = 16; i-- > 0 && n > 0; n /= 36) digits[i] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 36];
  return "KEY" + digits;
}

constexpr std::size_t kStageTwoHeadroom = std::size_t{96} << 20;

TEST(ScannerMemory, OneKeyRepeatedOnALongLineIsOneHitInBoundedMemory) {
  const RuleSet rules = std::move(load_rules_text(kKeyRule, "cfg.toml").rules);
  const Scanner scanner(rules);
  std::string text;
  const std::string key = key_number(7);
  for (int i = 0; i < 150'000; ++i) text += key + " ";  // 3 MB on one line
  const test::ChildOutcome outcome = test::run_in_child(
      [&] {
        const std::vector<Hit> hits = scanner.scan_text(text);
        std::string out = std::to_string(hits.size());
        if (!hits.empty()) {
          out += " " + hits[0].secret + " " + std::to_string(hits[0].start_line) + ":" +
                 std::to_string(hits[0].start_column) + " " + std::to_string(hits[0].line.size());
        }
        return out;
      },
      {kStageTwoHeadroom, std::nullopt, std::nullopt});
  ASSERT_TRUE(outcome.completed) << outcome.output;
  EXPECT_EQ(outcome.output, "1 " + key + " 1:1 " + std::to_string(key.size() + kLineContextBytes));
}

TEST(ScannerMemory, DistinctKeysOnALongLineAreEveryOneKeptWithBoundedContext) {
  const RuleSet rules = std::move(load_rules_text(kKeyRule, "cfg.toml").rules);
  const Scanner scanner(rules);
  constexpr std::size_t kKeys = 60'000;  // 1.2 MB on one line
  std::string text;
  for (std::size_t i = 0; i < kKeys; ++i) text += key_number(i) + " ";
  const test::ChildOutcome outcome = test::run_in_child(
      [&] {
        bool truncated = true;
        const std::vector<Hit> hits = scanner.scan_text(text, &truncated);
        std::size_t context = 0;
        std::size_t in_order = 0;
        for (std::size_t i = 0; i < hits.size(); ++i) {
          context += hits[i].line.size() - hits[i].match.size();
          if (hits[i].secret == key_number(i) && hits[i].start_column == i * 20 + 1) ++in_order;
        }
        return std::to_string(hits.size()) + " " + std::to_string(in_order) + " " +
               (context <= kBlobContextBytes ? "bounded" : "unbounded: " + std::to_string(context)) +
               (truncated ? " truncated" : "");
      },
      {kStageTwoHeadroom, std::nullopt, std::nullopt});
  ASSERT_TRUE(outcome.completed) << outcome.output;
  EXPECT_EQ(outcome.output, std::to_string(kKeys) + " " + std::to_string(kKeys) + " bounded");
}

TEST(ScannerMemory, AOneCharacterKeywordOnALargeBlobStaysBounded) {
  const RuleSet rules =
      std::move(load_rules_text("[[rules]]\nid = \"a-run\"\nregex = '(a{4})'\nkeywords = [\"a\"]\n", "cfg.toml").rules);
  const Scanner scanner(rules);
  const std::string text = std::string(1 << 20, 'a') + "\n" + std::string(1 << 20, 'a');
  const test::ChildOutcome outcome = test::run_in_child(
      [&] {
        std::string out;
        for (const Hit& hit : scanner.scan_text(text)) {
          out += std::to_string(hit.start_line) + ":" + std::to_string(hit.start_column) + " ";
        }
        return out;
      },
      {kStageTwoHeadroom, std::nullopt, std::nullopt});
  ASSERT_TRUE(outcome.completed) << outcome.output;
  EXPECT_EQ(outcome.output, "1:1 2:1 ");
}

TEST(ScannerMemory, MoreDistinctHitsThanABlobKeepsAreTruncatedAndSaySo) {
  const RuleSet rules = std::move(load_rules_text(kKeyRule, "cfg.toml").rules);
  const Scanner scanner(rules);
  std::string text;
  for (std::size_t i = 0; i < kMaxHitsPerBlob + 10; ++i) text += key_number(i) + "\n";
  bool truncated = false;
  const std::vector<Hit> hits = scanner.scan_text(text, &truncated);
  EXPECT_TRUE(truncated);
  ASSERT_EQ(hits.size(), kMaxHitsPerBlob);
  EXPECT_EQ(hits.back().secret, key_number(kMaxHitsPerBlob - 1));
  // As many distinct hits as a blob keeps are not truncated.
  text.resize(kMaxHitsPerBlob * 20);
  EXPECT_EQ(scanner.scan_text(text, &truncated).size(), kMaxHitsPerBlob);
  EXPECT_FALSE(truncated);
}

}  // namespace
}  // namespace trawl
