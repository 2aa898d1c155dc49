// Detection quality of the built-in rules on the labelled corpora in
// tests/data (format: tests/data/README.md): recall and precision, printed
// and held to the thresholds the ruleset promises: the rules a default scan
// runs (medium and high confidence) on corpus/, the low-confidence rules
// that --min-confidence low adds on low_confidence/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/scanner.h"
#include "rules/allowlist_match.h"
#include "rules/rule_loader.h"
#include "rules/span_choice.h"

namespace trawl {
namespace {

const std::filesystem::path kData = std::filesystem::path(TRAWL_TEST_DATA_DIR);

using Place = std::pair<std::string, std::uint32_t>;  // (file, 1-based line)

std::map<Place, std::string> read_labels(const std::filesystem::path& corpus) {
  std::map<Place, std::string> labels;
  std::ifstream in(corpus / "LABELS");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::size_t colon = line.rfind(':', line.find(' '));
    const std::size_t space = line.find(' ');
    labels[{line.substr(0, colon), static_cast<std::uint32_t>(std::stoul(line.substr(colon + 1, space - colon - 1)))}] =
        line.substr(space + 1);
  }
  return labels;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A file's hits as a scan of it at `name` reports them: the hits of rules
// that apply there (a rule with a path applies only to the files it names),
// one per span among those (rules/span_choice.h), then allowlists.
std::vector<Hit> hits_at(const RuleSet& rules, const Scanner& every_hit, const std::string& name,
                         const std::string& text) {
  std::vector<Hit> here;
  for (Hit& hit : every_hit.scan_text(text)) {
    const Rule& rule = rules.rules[hit.rule];
    if (!rule.path || RE2::PartialMatch(name, *rule.path)) here.push_back(std::move(hit));
  }
  std::vector<Hit> reported;
  for (Hit& hit : one_hit_per_span(rules, std::move(here))) {
    const Rule& rule = rules.rules[hit.rule];
    if (!allowlisted(rules, rule, {"", name, hit.secret, hit.match, hit.line})) reported.push_back(std::move(hit));
  }
  return reported;
}

// A scanner that keeps every hit, for hits_at() to choose among.
ScannerOptions every_hit() {
  ScannerOptions options;
  options.choose_spans = false;
  return options;
}

// The built-in rules whose confidence is `low` (or, with `low` false, the
// others: what a scan at the default --min-confidence runs).
RuleSet builtin_rules(bool low) {
  RuleSet rules = load_builtin_rules().rules;
  std::erase_if(rules.rules, [&](const Rule& rule) { return (rule.confidence == Confidence::kLow) != low; });
  return rules;
}

struct Quality {
  std::size_t labelled = 0;
  std::size_t true_positives = 0;
  std::size_t false_positives = 0;
  std::size_t clean_lines = 0;

  double recall() const {
    return static_cast<double>(true_positives) / static_cast<double>(std::max<std::size_t>(1, labelled));
  }
  double precision() const {
    return static_cast<double>(true_positives) /
           static_cast<double>(std::max<std::size_t>(1, true_positives + false_positives));
  }
};

// Scans every file of `corpus` with `rules` and counts a finding on a
// labelled line with the labelled rule as a true positive, any other as a
// false positive; prints where each false positive and miss is.
Quality measure(const RuleSet& rules, const std::filesystem::path& corpus) {
  const Scanner scanner(rules, every_hit());
  const std::map<Place, std::string> labels = read_labels(corpus);
  Quality q;
  q.labelled = labels.size();
  std::set<Place> found;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    const std::string name = entry.path().filename().string();
    if (name == "LABELS") continue;
    const std::string text = read_file(entry.path());
    std::uint32_t line_number = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      ++line_number;
      if (!line.empty() && !labels.contains({name, line_number})) ++q.clean_lines;
    }
    for (const Hit& hit : hits_at(rules, scanner, name, text)) {
      const Rule& rule = rules.rules[hit.rule];
      const Place place{name, hit.start_line};
      auto label = labels.find(place);
      // A container build check reports how a build handles a secret,
      // beside the rule that recognises the secret: right on a labelled
      // line, a false positive on a line that must stay quiet.
      // A check that recognises the secret itself (a Kubernetes Secret's
      // value) is labelled with its own id.
      if (rule.check && label != labels.end() && label->second != rule.id) continue;
      if (label != labels.end() && label->second == rule.id && found.insert(place).second) {
        ++q.true_positives;
      } else {
        ++q.false_positives;
        // Where and which rule only: the corpus values look like secrets.
        std::cout << "false positive: " << name << ":" << hit.start_line << " " << rule.id << "\n";
      }
    }
  }
  for (const auto& [place, rule_id] : labels) {
    if (!found.contains(place)) std::cout << "missed: " << place.first << ":" << place.second << " " << rule_id << "\n";
  }
  std::cout << corpus.filename().string() << ": " << labels.size() << " labelled lines, " << q.clean_lines
            << " lines that must stay quiet\nrecall " << q.recall() << " (" << q.true_positives << "/" << labels.size()
            << "), precision " << q.precision() << " (" << q.false_positives << " false positives)\n";
  return q;
}

TEST(RulesetQuality, RecallAndPrecisionOnTheLabelledCorpus) {
  const Quality q = measure(builtin_rules(false), kData / "corpus");
  EXPECT_GE(q.labelled, 400u);
  EXPECT_GE(q.clean_lines, 400u);
  EXPECT_GE(q.recall(), 0.98);
  EXPECT_GE(q.precision(), 0.97);
}

// The low-confidence rules (identifiers, hard-coded salts, OAuth 1.0
// parameters) on their own corpus: each context with its look-alikes.
TEST(RulesetQuality, LowConfidenceRulesOnTheirCorpus) {
  const RuleSet rules = builtin_rules(true);
  ASSERT_GE(rules.rules.size(), 7u);
  const Quality q = measure(rules, kData / "low_confidence");
  EXPECT_GE(q.labelled, 30u);
  EXPECT_GE(q.clean_lines, 30u);
  EXPECT_GE(q.recall(), 0.98);
  EXPECT_GE(q.precision(), 0.97);
  // Every low-confidence rule is labelled somewhere.
  std::set<std::string> labelled_rules;
  for (const auto& [place, rule_id] : read_labels(kData / "low_confidence")) labelled_rules.insert(rule_id);
  for (const Rule& rule : rules.rules) EXPECT_TRUE(labelled_rules.contains(rule.id)) << rule.id;
}

// Lines shaped like what the built-in rules reported on the histories of
// large public projects (rails/rails, git/git) and that hold no secret,
// written anew for the tests (tests/data/README.md): none is reported.
TEST(RulesetQuality, ShapesReportedOnPublicHistoriesStayQuiet) {
  const RuleSet rules = builtin_rules(false);
  const Scanner scanner(rules, every_hit());
  std::vector<std::string> reported;
  std::size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(TRAWL_TEST_DATA_DIR) / "public_false_positives")) {
    const std::string name = entry.path().filename().string();
    ++files;
    for (const Hit& hit : hits_at(rules, scanner, name, read_file(entry.path()))) {
      reported.push_back(name + ":" + std::to_string(hit.start_line) + " " + rules.rules[hit.rule].id + " " +
                         hit.secret);
    }
  }
  EXPECT_GE(files, 11U);
  EXPECT_EQ(reported, std::vector<std::string>{});
}

}  // namespace
}  // namespace trawl
