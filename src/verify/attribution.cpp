#include "verify/attribution.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "rules/allowlist_match.h"

namespace trawl {
namespace {

bool held_by(const HitsByBlob& hits, const ObjectId& blob, const Hit& hit) {
  if (blob.is_zero()) return false;
  auto it = hits.find(blob);
  if (it == hits.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const Hit& h) { return h.rule == hit.rule && h.secret == hit.secret; });
}

bool path_matches(const Rule& rule, const std::string& path) {
  return !rule.path || RE2::PartialMatch(path, *rule.path);
}

void set_commit(Finding& f, const CommitInfo& commit, const std::string& commit_hex) {
  f.commit = commit_hex;
  f.author = commit.author_name;
  f.email = commit.author_email;
  f.date = commit.author_time;
  f.message = commit.summary;
  f.fingerprint = make_fingerprint(commit_hex, f.path, f.rule_id, f.start_line);
}

}  // namespace

FindingFilter::FindingFilter(const RuleSet& rules, const Suppressions& suppressions)
    : rules_(rules), suppressions_(suppressions) {
  for (const Rule& rule : rules.rules) by_id_.emplace(rule.id, &rule);
}

std::vector<Finding> FindingFilter::keep(std::vector<Finding> here) {
  std::stable_sort(here.begin(), here.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.start_line, a.start_column, a.rule_id) < std::tie(b.start_line, b.start_column, b.rule_id);
  });
  std::vector<Finding> kept;
  std::set<std::pair<std::uint32_t, std::string>> seen;  // (line, secret)
  for (Finding& f : here) {
    if (!seen.emplace(f.start_line, f.secret).second) continue;
    const Rule& rule = *by_id_.at(f.rule_id);
    if (allowlisted(rules_, rule, {f.commit, f.path, f.secret, f.match, f.line})) {
      counts_.add(SuppressionReason::kAllowlist);
      continue;
    }
    if (const auto reason = suppressions_.reason_for(f)) {
      counts_.add(*reason);
      continue;
    }
    kept.push_back(std::move(f));
  }
  return kept;
}

Finding finding_from_hit(const Rule& rule, const Hit& hit, const std::string& path) {
  Finding f;
  f.rule_id = rule.id;
  f.description = rule.description;
  f.tags = rule.tags;
  f.path = path;
  f.secret = hit.secret;
  f.match = hit.match;
  f.line = hit.line;
  f.start_line = hit.start_line;
  f.start_column = hit.start_column;
  f.end_line = hit.end_line;
  f.end_column = hit.end_column;
  f.entropy = hit.entropy;
  f.fingerprint = make_fingerprint("", path, rule.id, hit.start_line);
  return f;
}

std::string make_fingerprint(const std::string& commit, const std::string& path, const std::string& rule_id,
                             std::uint32_t line) {
  return (commit.empty() ? "" : commit + ":") + path + ":" + rule_id + ":" + std::to_string(line);
}

Attribution attribute_findings(const History& history, const RuleSet& rules, const HitsByBlob& hits,
                               const Suppressions& suppressions,
                               const std::function<void(const Finding&)>& on_finding) {
  Attribution out;
  FindingFilter filter(rules, suppressions);
  std::vector<std::uint32_t> path_only_rules;
  for (std::uint32_t r = 0; r < rules.rules.size(); ++r) {
    if (!rules.rules[r].regex && rules.rules[r].path) path_only_rules.push_back(r);
  }

  for (const BlobIntroduction& intro : history.introductions) {
    auto blob_hits = hits.find(intro.blob);
    const bool new_path = std::all_of(intro.parent_blobs.begin(), intro.parent_blobs.end(),
                                      [](const ObjectId& id) { return id.is_zero(); });
    if (blob_hits == hits.end() && (path_only_rules.empty() || !new_path)) continue;

    std::vector<Finding> here;
    if (new_path) {
      for (std::uint32_t r : path_only_rules) {
        const Rule& rule = rules.rules[r];
        if (!path_matches(rule, intro.path)) continue;
        Finding f;
        f.rule_id = rule.id;
        f.description = rule.description;
        f.tags = rule.tags;
        f.path = intro.path;
        here.push_back(std::move(f));
      }
    }
    if (blob_hits != hits.end()) {
      for (const Hit& hit : blob_hits->second) {
        const Rule& rule = rules.rules[hit.rule];
        if (!path_matches(rule, intro.path)) continue;
        const bool inherited = std::any_of(intro.parent_blobs.begin(), intro.parent_blobs.end(),
                                           [&](const ObjectId& parent) { return held_by(hits, parent, hit); });
        if (!inherited) here.push_back(finding_from_hit(rule, hit, intro.path));
      }
    }
    if (here.empty()) continue;
    const CommitInfo& commit = history.commits[intro.commit];
    const std::string commit_hex = commit.id.hex();
    for (Finding& f : here) set_commit(f, commit, commit_hex);
    for (Finding& f : filter.keep(std::move(here))) {
      if (on_finding) on_finding(f);
      out.findings.push_back(std::move(f));
    }
  }
  out.suppressed = filter.counts();
  return out;
}

}  // namespace trawl
