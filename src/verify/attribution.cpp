#include "verify/attribution.h"

#include <algorithm>

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

Finding finding_at(const CommitInfo& commit, const std::string& commit_hex, const BlobIntroduction& intro,
                   const Rule& rule) {
  Finding f;
  f.rule_id = rule.id;
  f.description = rule.description;
  f.path = intro.path;
  f.commit = commit_hex;
  f.author = commit.author_name;
  f.email = commit.author_email;
  f.date = commit.author_time;
  f.message = commit.summary;
  f.tags = rule.tags;
  return f;
}

}  // namespace

std::string make_fingerprint(const std::string& commit, const std::string& path, const std::string& rule_id,
                             std::uint32_t line) {
  return commit + ":" + path + ":" + rule_id + ":" + std::to_string(line);
}

Attribution attribute_findings(const History& history, const RuleSet& rules, const HitsByBlob& hits) {
  Attribution out;
  std::vector<std::uint32_t> path_only_rules;
  for (std::uint32_t r = 0; r < rules.rules.size(); ++r) {
    if (!rules.rules[r].regex && rules.rules[r].path) path_only_rules.push_back(r);
  }

  for (const BlobIntroduction& intro : history.introductions) {
    auto blob_hits = hits.find(intro.blob);
    const bool new_path = std::all_of(intro.parent_blobs.begin(), intro.parent_blobs.end(),
                                      [](const ObjectId& id) { return id.is_zero(); });
    if (blob_hits == hits.end() && (path_only_rules.empty() || !new_path)) continue;

    const CommitInfo& commit = history.commits[intro.commit];
    const std::string commit_hex = commit.id.hex();
    std::vector<Finding> here;

    if (new_path) {
      for (std::uint32_t r : path_only_rules) {
        const Rule& rule = rules.rules[r];
        if (!path_matches(rule, intro.path)) continue;
        if (allowlisted(rules, rule, {commit_hex, intro.path, "", "", ""})) {
          ++out.allowlisted;
          continue;
        }
        Finding f = finding_at(commit, commit_hex, intro, rule);
        f.fingerprint = make_fingerprint(commit_hex, intro.path, rule.id, 0);
        here.push_back(std::move(f));
      }
    }

    if (blob_hits != hits.end()) {
      for (const Hit& hit : blob_hits->second) {
        const Rule& rule = rules.rules[hit.rule];
        if (!path_matches(rule, intro.path)) continue;
        const bool inherited = std::any_of(intro.parent_blobs.begin(), intro.parent_blobs.end(),
                                           [&](const ObjectId& parent) { return held_by(hits, parent, hit); });
        if (inherited) continue;
        if (allowlisted(rules, rule, {commit_hex, intro.path, hit.secret, hit.match, hit.line})) {
          ++out.allowlisted;
          continue;
        }
        Finding f = finding_at(commit, commit_hex, intro, rule);
        f.secret = hit.secret;
        f.match = hit.match;
        f.line = hit.line;
        f.start_line = hit.start_line;
        f.start_column = hit.start_column;
        f.end_line = hit.end_line;
        f.end_column = hit.end_column;
        f.entropy = hit.entropy;
        f.fingerprint = make_fingerprint(commit_hex, intro.path, rule.id, hit.start_line);
        here.push_back(std::move(f));
      }
    }
    std::stable_sort(here.begin(), here.end(), [](const Finding& a, const Finding& b) {
      return std::tie(a.start_line, a.start_column, a.rule_id) < std::tie(b.start_line, b.start_column, b.rule_id);
    });
    for (Finding& f : here) out.findings.push_back(std::move(f));
  }
  return out;
}

}  // namespace trawl
