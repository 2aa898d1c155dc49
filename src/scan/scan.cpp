#include "scan/scan.h"

#include <chrono>
#include <optional>

#include "engine/scanner.h"
#include "verify/attribution.h"
#include "verify/timeline.h"

namespace trawl {

ScanResult run_scan(ContentSource& source, const RuleSet& rules, const Suppressions& suppressions,
                    const ScanSettings& settings, const std::vector<FindingSink*>& sinks, std::ostream& log) {
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  const auto started = Clock::now();

  const Scanner scanner(rules);
  std::unique_ptr<Prefilter> prefilter;
  try {
    prefilter = make_prefilter(settings.backend, {scanner.automaton()}, log);
  } catch (const BackendUnavailable& e) {
    throw UsageError(e.what());
  }

  ScanProgress unobserved;
  ScanProgress& progress = settings.progress != nullptr ? *settings.progress : unobserved;
  SkipLog skips;
  source.list(skips);

  const Provenance& provenance = source.provenance();
  bool streams = false;
  for (const FindingSink* sink : sinks) streams = streams || sink->streams();
  auto on_finding = [&](const Finding& f) {
    for (FindingSink* sink : sinks) {
      if (sink->streams()) sink->on_finding(f);
    }
  };
  // A streaming sink gets findings while blobs are still being read, when
  // the source knows where its blobs appear before reading them.
  std::optional<StreamingAttribution> streaming;
  if (streams && source.provenance_before_read()) streaming.emplace(provenance, rules, suppressions, on_finding);

  ScanResult result;
  ScanSummary& summary = result.summary;
  HitsByBlob hits;
  progress.blobs_total = source.blob_count();
  progress.phase = ScanPhase::kReading;
  const auto read_started = Clock::now();
  std::vector<BlobKey> matched;
  const PipelineStats stats = run_blob_pipeline(
      source, skips, scanner, *prefilter, settings.pipeline,
      [&](const BlobBatch& batch, std::vector<BlobHits>& found) {
        for (BlobHits& blob : found) hits.emplace(blob.blob, std::move(blob.hits));
        if (streaming) {
          matched.clear();
          for (const BlobEntry& entry : batch.entries) matched.push_back(entry.key);
          streaming->blobs_done(matched, hits);
        }
        progress.blobs_done += batch.entries.size();
        progress.bytes_done += batch.total_bytes();
      },
      [&] { progress.phase = ScanPhase::kMatching; });
  const ReadShare comparison = source.comparison_only();
  summary.blobs_scanned = stats.blobs - comparison.blobs;
  summary.bytes_scanned = stats.bytes - comparison.bytes;
  summary.match_seconds = stats.match_seconds;
  summary.read_match_seconds = seconds_since(read_started);

  progress.phase = ScanPhase::kAttributing;
  const auto attribute_started = Clock::now();
  Attribution attribution = streaming ? streaming->finish(hits)
                                      : attribute_findings(provenance, rules, hits, suppressions,
                                                           streams ? std::function<void(const Finding&)>(on_finding)
                                                                   : std::function<void(const Finding&)>());
  result.findings = std::move(attribution.findings);
  result.secrets = group_by_secret(result.findings);
  if (!result.secrets.empty() && !provenance.commits.empty()) {
    const auto wanted = blobs_holding(result.secrets, rules, hits);
    add_history(result.secrets, provenance, rules, hits, source.tip_locations(wanted, skips));
  }
  result.skipped = skips.entries();
  result.malformed = skips.malformed_entries();
  summary.attribute_seconds = seconds_since(attribute_started);

  summary.git = source.git_summary();
  summary.blobs = source.blob_count();
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) {
    const auto reason = static_cast<SkipReason>(r);
    summary.skipped.emplace_back(std::string(skip_reason_name(reason)), skips.count(reason));
  }
  for (auto& other : source.other_skips()) summary.skipped.push_back(std::move(other));
  for (std::size_t k = 0; k < kMalformedKindCount; ++k) {
    const auto kind = static_cast<MalformedKind>(k);
    summary.malformed.emplace_back(std::string(malformed_kind_name(kind)), skips.malformed_count(kind));
  }
  summary.findings = result.findings.size();
  summary.suppressed = attribution.suppressed;
  summary.backend = std::string(prefilter->backend_name());
  summary.rules_origin = rules.origin;
  summary.rule_count = rules.rules.size();
  summary.wall_seconds = seconds_since(started);
  for (FindingSink* sink : sinks) sink->finish({result.findings, result.secrets, result.summary});
  return result;
}

}  // namespace trawl
