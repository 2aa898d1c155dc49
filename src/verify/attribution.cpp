#include "verify/attribution.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "rules/allowlist_match.h"
#include "rules/span_choice.h"

namespace trawl {
namespace {

bool path_matches(const Rule& rule, const std::string& path) {
  return !rule.path || RE2::PartialMatch(path, *rule.path);
}

bool chosen_in_stage_2(const RuleSet& rules, const std::vector<Hit>& blob_hits) {
  return std::none_of(blob_hits.begin(), blob_hits.end(),
                      [&](const Hit& h) { return chosen_per_path(rules.rules[h.rule]); });
}

// A blob's hits as they stand at `path`: those of rules that apply there,
// one per span (span_choice.h). Stage 2 kept every hit of a blob where a
// rule with a path hit, for this choice (made in `scratch`); elsewhere it
// chose already, and the blob's hits are returned as they are.
const std::vector<Hit>& hits_at(const RuleSet& rules, const std::vector<Hit>& blob_hits, const std::string& path,
                                std::vector<Hit>& scratch) {
  if (chosen_in_stage_2(rules, blob_hits)) return blob_hits;
  std::vector<Hit> here;
  for (const Hit& h : blob_hits) {
    if (path_matches(rules.rules[h.rule], path)) here.push_back(h);
  }
  scratch = one_hit_per_span(rules, std::move(here));
  return scratch;
}

// Whether `blob` held `hit`'s secret, by the same rule, at `path`.
bool held_by(const RuleSet& rules, const HitsByBlob& hits, const BlobKey& blob, const std::string& path,
             const Hit& hit) {
  if (blob.is_zero()) return false;
  auto it = hits.find(blob);
  if (it == hits.end()) return false;
  std::vector<Hit> scratch;
  const std::vector<Hit>& there = hits_at(rules, it->second, path, scratch);
  return std::any_of(there.begin(), there.end(),
                     [&](const Hit& h) { return h.rule == hit.rule && h.secret == hit.secret; });
}

std::uint32_t distance(std::uint32_t a, std::uint32_t b) { return a > b ? a - b : b - a; }

// gitleaks' [[rules.required]]: every required rule matches in the same
// content, near enough to `hit`.
bool requirements_met(const RuleSet& rules, const Rule& rule, const Hit& hit, const std::vector<Hit>& blob_hits) {
  return std::all_of(rule.required.begin(), rule.required.end(), [&](const RequiredRule& required) {
    return std::any_of(blob_hits.begin(), blob_hits.end(), [&](const Hit& other) {
      if (!rules.rules[other.rule].answers_to(required.id)) return false;
      if (required.within_lines && distance(other.start_line, hit.start_line) > *required.within_lines) return false;
      return !required.within_columns || distance(other.start_column, hit.start_column) <= *required.within_columns;
    });
  });
}

void set_commit(Finding& f, const CommitInfo& commit, const std::string& commit_hex) {
  f.commit = commit.id;
  f.author = commit.author_name;
  f.email = commit.author_email;
  f.date = commit.author_time;
  f.message = commit.summary;
  f.fingerprint = make_fingerprint(commit_hex, f.path, f.rule_id, f.start_line);
}

// An image's layer or config in the place of a commit.
void set_image_step(Finding& f, const Provenance& history, const BlobIntroduction& intro) {
  const ImageStep& step = history.image_steps[intro.commit];
  const ImageInfo& image = history.images[step.image];
  ImageLocation where = image_location(history, intro.commit);
  if (step.layer) {
    const auto final_file = image.final_files.find(intro.path);
    where.in_final_filesystem = final_file != image.final_files.end() && final_file->second == intro.blob;
  }
  f.date = history.commits[intro.commit].author_time;
  const std::string place = (image.manifest_digest.empty() ? image.reference : image.manifest_digest) + "@" +
                            (step.layer ? "layer" + std::to_string(*step.layer) : std::string("config"));
  f.fingerprint = make_fingerprint(place, f.path, f.rule_id, f.start_line);
  f.image = std::move(where);
}

}  // namespace

ImageLocation image_location(const Provenance& history, std::uint32_t step_index) {
  const ImageStep& step = history.image_steps[step_index];
  const ImageInfo& image = history.images[step.image];
  ImageLocation where;
  where.reference = image.reference;
  where.manifest_digest = image.manifest_digest;
  where.platform = image.platform;
  where.layer = step.layer;
  where.layer_digest = step.layer_digest;
  where.created_by = step.created_by;
  return where;
}

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
    if (const auto reason = reason_for(f)) {
      counts_.add(*reason);
      continue;
    }
    kept.push_back(std::move(f));
  }
  return kept;
}

std::optional<SuppressionReason> FindingFilter::reason_for(const Finding& f) const {
  const Rule& rule = *by_id_.at(f.rule_id);
  const std::string commit = f.commit_hex();
  if (allowlisted(rules_, rule, {commit, f.path, f.secret, f.match, f.line})) return SuppressionReason::kAllowlist;
  return suppressions_.reason_for(f, rule.aliases);
}

Finding finding_from_hit(const Rule& rule, const Hit& hit, const std::string& path) {
  Finding f;
  f.rule_id = rule.id;
  f.description = rule.description;
  f.tags = rule.tags;
  f.confidence = rule.confidence;
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

namespace {

std::vector<std::uint32_t> path_only_rules_of(const RuleSet& rules) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t r = 0; r < rules.rules.size(); ++r) {
    if (!rules.rules[r].regex && !rules.rules[r].check && rules.rules[r].path) out.push_back(r);
  }
  return out;
}

// The findings one introduction gives, after the filter.
std::vector<Finding> findings_at(const Provenance& history, const RuleSet& rules, const HitsByBlob& hits,
                                 const std::vector<std::uint32_t>& path_only_rules, const BlobIntroduction& intro,
                                 FindingFilter& filter) {
  auto blob_hits = hits.find(intro.blob);
  const bool new_path =
      std::all_of(intro.parent_blobs.begin(), intro.parent_blobs.end(), [](const BlobKey& id) { return id.is_zero(); });
  if (blob_hits == hits.end() && (path_only_rules.empty() || !new_path)) return {};

  std::vector<Finding> here;
  if (new_path) {
    for (std::uint32_t r : path_only_rules) {
      const Rule& rule = rules.rules[r];
      if (!path_matches(rule, intro.path)) continue;
      Finding f;
      f.rule_id = rule.id;
      f.description = rule.description;
      f.tags = rule.tags;
      f.confidence = rule.confidence;
      f.path = intro.path;
      f.fingerprint = make_fingerprint("", f.path, f.rule_id, 0);
      here.push_back(std::move(f));
    }
  }
  if (blob_hits != hits.end()) {
    std::vector<Hit> scratch;
    for (const Hit& hit : hits_at(rules, blob_hits->second, intro.path, scratch)) {
      const Rule& rule = rules.rules[hit.rule];
      if (rule.skip_report || !path_matches(rule, intro.path)) continue;
      if (!rule.required.empty() && !requirements_met(rules, rule, hit, blob_hits->second)) continue;
      const bool inherited =
          std::any_of(intro.parent_blobs.begin(), intro.parent_blobs.end(),
                      [&](const BlobKey& parent) { return held_by(rules, hits, parent, intro.path, hit); });
      if (!inherited) here.push_back(finding_from_hit(rule, hit, intro.path));
    }
  }
  if (here.empty()) return {};
  if (intro.commit != kNoCommit && !history.image_steps.empty()) {
    for (Finding& f : here) set_image_step(f, history, intro);
  } else if (intro.commit != kNoCommit) {
    const CommitInfo& commit = history.commits[intro.commit];
    const std::string commit_hex = commit.id.hex();
    for (Finding& f : here) set_commit(f, commit, commit_hex);
  }
  return filter.keep(std::move(here));
}

}  // namespace

std::vector<std::uint32_t> possible_moves(const Provenance& history) {
  std::vector<std::uint32_t> out;
  std::unordered_set<BlobKey, BlobKeyHash> seen;
  for (std::uint32_t i = 0; i < history.introductions.size(); ++i) {
    const BlobIntroduction& intro = history.introductions[i];
    const bool had = !seen.insert(intro.blob).second;
    if (!had || intro.commit == kNoCommit || history.commits[intro.commit].parents.empty()) continue;
    if (std::all_of(intro.parent_blobs.begin(), intro.parent_blobs.end(),
                    [](const BlobKey& b) { return b.is_zero(); })) {
      out.push_back(i);
    }
  }
  return out;
}

BlobMoves find_moves(const Provenance& history, const std::vector<std::uint32_t>& candidates, const HitsByBlob& hits,
                     const LocateInCommits& locate) {
  BlobMoves moves;
  // Renames: the commit deleted a path that held the blob in its first parent.
  std::unordered_map<std::uint32_t, std::vector<const BlobDeparture*>> deleted_by;
  for (std::uint32_t i : candidates) deleted_by.try_emplace(history.introductions[i].commit);
  for (const BlobDeparture& d : history.departures) {
    auto it = deleted_by.find(d.commit);
    if (it != deleted_by.end() && d.new_blob.is_zero()) it->second.push_back(&d);
  }
  std::vector<std::uint32_t> copies;
  for (std::uint32_t i : candidates) {
    const BlobIntroduction& intro = history.introductions[i];
    if (!hits.contains(intro.blob)) continue;
    const auto& deleted = deleted_by[intro.commit];
    auto from =
        std::find_if(deleted.begin(), deleted.end(), [&](const BlobDeparture* d) { return d->old_blob == intro.blob; });
    if (from != deleted.end()) {
      moves.emplace(i, BlobMove{(*from)->path, true});
    } else {
      copies.push_back(i);
    }
  }
  if (copies.empty() || !locate) return moves;
  // Copies: a parent's tree holds the blob at another path.
  std::vector<std::uint32_t> parents;
  std::unordered_set<BlobKey, BlobKeyHash> wanted;
  for (std::uint32_t i : copies) {
    const BlobIntroduction& intro = history.introductions[i];
    wanted.insert(intro.blob);
    for (std::uint32_t p : history.commits[intro.commit].parents) parents.push_back(p);
  }
  std::sort(parents.begin(), parents.end());
  parents.erase(std::unique(parents.begin(), parents.end()), parents.end());
  const auto found = locate(parents, wanted);
  for (std::uint32_t i : copies) {
    const BlobIntroduction& intro = history.introductions[i];
    for (std::uint32_t p : history.commits[intro.commit].parents) {
      const std::size_t at =
          static_cast<std::size_t>(std::lower_bound(parents.begin(), parents.end(), p) - parents.begin());
      if (at >= found.size()) continue;
      auto there = std::find_if(found[at].begin(), found[at].end(),
                                [&](const BlobLocation& l) { return l.blob == intro.blob && l.path != intro.path; });
      if (there != found[at].end()) {
        moves.emplace(i, BlobMove{there->path, false});
        break;
      }
    }
  }
  return moves;
}

Attribution attribute_findings(const Provenance& history, const RuleSet& rules, const HitsByBlob& hits,
                               const Suppressions& suppressions, const std::function<void(const Finding&)>& on_finding,
                               const BlobMoves& moves) {
  Attribution out;
  FindingFilter filter(rules, suppressions);
  const std::vector<std::uint32_t> path_only_rules = path_only_rules_of(rules);
  for (std::uint32_t i = 0; i < history.introductions.size(); ++i) {
    if (moves.contains(i)) continue;
    const BlobIntroduction& intro = history.introductions[i];
    for (Finding& f : findings_at(history, rules, hits, path_only_rules, intro, filter)) {
      if (on_finding) on_finding(f);
      out.findings.push_back(std::move(f));
    }
  }
  out.suppressed = filter.counts();
  return out;
}

StreamingAttribution::StreamingAttribution(const Provenance& history, const RuleSet& rules,
                                           const Suppressions& suppressions,
                                           std::function<void(const Finding&)> on_finding,
                                           const std::vector<std::uint32_t>& possible_moves)
    : history_(history),
      rules_(rules),
      filter_(rules, suppressions),
      path_only_rules_(path_only_rules_of(rules)),
      on_finding_(std::move(on_finding)),
      waiting_for_(history.introductions.size(), 0),
      done_(history.introductions.size(), 0),
      deferred_(history.introductions.size(), 0) {
  for (std::uint32_t i : possible_moves) deferred_[i] = 1;
  for (std::uint32_t i = 0; i < history.introductions.size(); ++i) {
    const BlobIntroduction& intro = history.introductions[i];
    std::vector<BlobKey> needs{intro.blob};
    for (const BlobKey& parent : intro.parent_blobs) {
      if (!parent.is_zero()) needs.push_back(parent);
    }
    std::sort(needs.begin(), needs.end());
    needs.erase(std::unique(needs.begin(), needs.end()), needs.end());
    for (const BlobKey& blob : needs) dependents_[blob].push_back(i);
    waiting_for_[i] = static_cast<std::uint32_t>(needs.size());
  }
}

void StreamingAttribution::blobs_done(const std::vector<BlobKey>& blobs, const HitsByBlob& hits) {
  std::vector<std::uint32_t> ready;
  for (const BlobKey& blob : blobs) {
    auto it = dependents_.find(blob);
    if (it == dependents_.end()) continue;
    for (std::uint32_t i : it->second) {
      if (--waiting_for_[i] == 0) ready.push_back(i);
    }
    dependents_.erase(it);
  }
  std::sort(ready.begin(), ready.end());
  for (std::uint32_t i : ready) {
    if (deferred_[i] == 0) confirm(i, hits);
  }
}

void StreamingAttribution::confirm(std::uint32_t i, const HitsByBlob& hits) {
  done_[i] = 1;
  for (Finding& f : findings_at(history_, rules_, hits, path_only_rules_, history_.introductions[i], filter_)) {
    on_finding_(f);
    confirmed_.emplace_back(i, std::move(f));
  }
}

Attribution StreamingAttribution::finish(const HitsByBlob& hits, const BlobMoves& moves) {
  for (std::uint32_t i = 0; i < done_.size(); ++i) {
    if (done_[i] == 0 && !moves.contains(i)) confirm(i, hits);
  }
  // Report order: by introduction, and within one as the filter returned them.
  std::stable_sort(confirmed_.begin(), confirmed_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Attribution out;
  for (auto& [intro, finding] : confirmed_) out.findings.push_back(std::move(finding));
  out.suppressed = filter_.counts();
  return out;
}

std::vector<HitVerdict> file_hit_verdicts(const RuleSet& rules, const Suppressions& suppressions,
                                          const std::vector<Hit>& blob_hits, const std::string& path) {
  using Outcome = HitVerdict::Outcome;
  auto same = [](const Hit& a, const Hit& b) {
    return a.rule == b.rule && a.start_line == b.start_line && a.start_column == b.start_column;
  };
  auto overlap = [](const Hit& a, const Hit& b) {
    return std::tie(a.start_line, a.start_column) <= std::tie(b.end_line, b.end_column) &&
           std::tie(b.start_line, b.start_column) <= std::tie(a.end_line, a.end_column);
  };
  // As a scan holds them: stage 2's choice, then the choice at the path.
  const std::vector<Hit> stage_two = choose_hits(rules, blob_hits, true);
  std::vector<Hit> scratch;
  const std::vector<Hit>& here = hits_at(rules, stage_two, path, scratch);
  std::vector<HitVerdict> verdicts;
  std::vector<std::size_t> candidates;  // verdicts that reach the filter, in report order
  for (const Hit& hit : blob_hits) {
    HitVerdict& v = verdicts.emplace_back();
    v.hit = hit;
    const Rule& rule = rules.rules[hit.rule];
    if (!path_matches(rule, path)) {
      v.outcome = Outcome::kPathScope;
      continue;
    }
    const auto stands = std::find_if(here.begin(), here.end(), [&](const Hit& h) { return same(h, hit); });
    if (stands == here.end()) {
      v.outcome = Outcome::kOverlap;
      const auto winner = std::find_if(here.begin(), here.end(), [&](const Hit& h) { return overlap(h, hit); });
      if (winner != here.end()) v.other_rule = winner->rule;
      continue;
    }
    if (rule.skip_report) {
      v.outcome = Outcome::kSkipReport;
    } else if (!rule.required.empty() && !requirements_met(rules, rule, hit, stage_two)) {
      v.outcome = Outcome::kRequired;
    } else {
      candidates.push_back(verdicts.size() - 1);
    }
  }
  // FindingFilter::keep()'s order: by line, column and rule; the first of a
  // (line, secret) stands.
  std::stable_sort(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) {
    const Hit& x = verdicts[a].hit;
    const Hit& y = verdicts[b].hit;
    return std::make_tuple(x.start_line, x.start_column, rules.rules[x.rule].id) <
           std::make_tuple(y.start_line, y.start_column, rules.rules[y.rule].id);
  });
  const FindingFilter filter(rules, suppressions);
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> seen;  // (line, secret) -> rule
  for (std::size_t i : candidates) {
    HitVerdict& v = verdicts[i];
    const Rule& rule = rules.rules[v.hit.rule];
    const Finding f = finding_from_hit(rule, v.hit, path);
    v.fingerprint = f.fingerprint;
    const auto [first, inserted] = seen.emplace(std::make_pair(f.start_line, f.secret), v.hit.rule);
    if (!inserted) {
      v.outcome = Outcome::kDuplicate;
      v.other_rule = first->second;
      continue;
    }
    const std::optional<SuppressionReason> reason = filter.reason_for(f);
    if (!reason) continue;
    switch (*reason) {
      case SuppressionReason::kAllowlist:
        v.outcome = Outcome::kAllowlist;
        v.allowlist = dropping_allowlist(rules, rule, {"", f.path, f.secret, f.match, f.line});
        break;
      case SuppressionReason::kIgnoreFile:
        v.outcome = Outcome::kIgnoreFile;
        break;
      case SuppressionReason::kBaseline:
        v.outcome = Outcome::kBaseline;
        break;
      case SuppressionReason::kInlineAllow:
        v.outcome = Outcome::kInlineAllow;
        break;
    }
  }
  return verdicts;
}

}  // namespace trawl
