#include "scan/scan.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "content/sha256.h"
#include "engine/delta_match.h"
#include "engine/scanner.h"
#include "rules/rule_digest.h"
#include "rules/span_choice.h"
#include "scan/blob_recorder.h"
#include "scan/stored_result.h"
#include "verify/attribution.h"
#include "verify/timeline.h"

namespace trawl {
namespace {

// What the summary says of the rules and the backend, alike for a scan and
// for a stored result given again.
void note_rules(ScanSummary& summary, const RuleSet& rules, const Prefilter& prefilter) {
  summary.backend = std::string(prefilter.backend_name());
  summary.rules_origin = rules.origin;
  summary.rule_count = rules.rules.size();
  summary.rules_below_min_confidence = rules.below_min_confidence;
  summary.warnings = rules.warnings;
}

}  // namespace

void apply_min_confidence(ScanResult& result, Confidence min) {
  ScanSummary& summary = result.summary;
  summary.min_confidence = min;
  std::unordered_set<std::string> dropped_rules;
  std::erase_if(result.findings, [&](const Finding& f) {
    if (f.confidence >= min) return false;
    dropped_rules.insert(f.rule_id);
    ++summary.below_min_confidence;
    return true;
  });
  std::erase_if(result.secrets, [&](const SecretTimeline& t) { return dropped_rules.count(t.rule_id) > 0; });
  summary.findings_by_confidence = {};
  for (const Finding& f : result.findings) ++summary.findings_by_confidence[static_cast<std::size_t>(f.confidence)];
  summary.findings = result.findings.size();
}

ScanResult run_scan(ContentSource& source, const RuleSet& rules, const Suppressions& suppressions,
                    const ScanSettings& settings, const std::vector<FindingSink*>& sinks, std::ostream& log) {
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  const auto started = Clock::now();
  // Stage 2's choice among one blob's hits, made here with a datastore.
  auto choose = [&](std::vector<Hit> blob_hits) {
    std::stable_sort(blob_hits.begin(), blob_hits.end(), [](const Hit& a, const Hit& b) {
      return std::tie(a.start_line, a.start_column, a.rule) < std::tie(b.start_line, b.start_column, b.rule);
    });
    return choose_hits(rules, std::move(blob_hits), true);
  };

  // Rules with a path run only on blobs seen at a path they match, when
  // the source knows every blob's paths before reading (filled once listed).
  // A datastore records such a rule as not run on the blobs it skipped, and
  // runs it on them when a later scan sees them at a path it matches.
  std::optional<PathScope> scope;
  if (source.provenance_before_read()) {
    scope.emplace(rules);
    if (!scope->scopes_anything()) scope.reset();
  }
  Datastore* const store = settings.datastore;
  // Known blobs read again for the rules they have not run (filled once
  // listed).
  RuleSubsets rescan;
  ScannerOptions scanner_options;
  scanner_options.scope = scope ? &*scope : nullptr;
  // A datastore keeps every hit before the choice of one per span, which is
  // made here, over the stored hits and the new ones together.
  scanner_options.choose_spans = store == nullptr;
  scanner_options.only = store != nullptr ? &rescan : nullptr;
  const Scanner scanner(rules, scanner_options);
  std::unique_ptr<Prefilter> prefilter;
  try {
    prefilter =
        make_prefilter(settings.backend, {scanner.automaton(), scanner.entropy_table(), scanner.token_gate()}, log);
  } catch (const BackendUnavailable& e) {
    throw UsageError(e.what());
  }
  // A device backend matches whole batches; the CPU's takes what a source
  // found while reading.
  std::optional<DeltaStageOne> delta_matcher;
  if (settings.match_deltas && prefilter->backend_name() == "cpu") {
    delta_matcher.emplace(scanner.automaton(), scanner.entropy_table(), scanner.token_gate(), &scanner);
    source.match_while_reading(&*delta_matcher);
  }

  ScanProgress unobserved;
  ScanProgress& progress = settings.progress != nullptr ? *settings.progress : unobserved;
  bool streams = false;
  for (const FindingSink* sink : sinks) streams = streams || sink->streams();
  const SecretFilter& keep = settings.keep_secret;

  // With a datastore, content in the state of its repository's last
  // complete scan (the same refs and tips, scanned with the same rules,
  // suppressions and options) gives that scan's result again, neither
  // listed nor read.
  std::string result_state;
  std::string incomplete_state;  // a scan that could not read every object: also which objects there are
  if (store != nullptr) {
    StoreScan scan = settings.datastore_scan;
    scan.rules = &rules;
    scan.scope = scope ? &*scope : nullptr;
    store->begin_scan(scan);
    const auto state_started = Clock::now();
    std::optional<ListingState> state = keep ? std::nullopt : source.listing_state();
    if (state) {
      result_state =
          sha256_hex("engine " + std::to_string(kEngineVersion) + "\nrules " + ruleset_digest(rules) +
                     "\nsuppressions " + suppressions.digest() + "\nredact " +
                     std::to_string(settings.datastore_scan.redact_percent) + "\nsource " + state->digest + "\n");
      incomplete_state = sha256_hex(result_state + "\nobjects " + state->objects + "\n");
      std::optional<std::string> stored = store->unchanged_result(result_state);
      if (!stored) stored = store->unchanged_result(incomplete_state);
      std::optional<ScanResult> reused;
      if (stored) reused = parse_result(*stored);
      if (reused) {
        store->record_refs(state->refs);
        ScanSummary& summary = reused->summary;
        summary.datastore = true;
        summary.reused_result = true;
        summary.blobs_known = summary.blobs;
        if (summary.git) summary.git->walk_seconds = seconds_since(state_started);
        note_rules(summary, rules, *prefilter);
        summary.wall_seconds = seconds_since(started);
        store->finish({reused->findings, reused->secrets, summary});
        apply_min_confidence(*reused, settings.min_confidence);
        for (FindingSink* sink : sinks) {
          if (!sink->streams()) continue;
          for (const Finding& f : reused->findings) sink->on_finding(f);
        }
        for (FindingSink* sink : sinks) sink->finish({reused->findings, reused->secrets, summary});
        return std::move(*reused);
      }
    }
  }

  SkipLog skips;
  source.list(skips);

  const Provenance& provenance = source.provenance();
  if (scope) scope->add(provenance, settings.pipeline.threads);

  // With a datastore, only what it does not know is read (when the source
  // lists its blobs before reading them), and known blobs some of whose
  // rules have not run on them are read for those rules only; stored hits
  // join the new ones before attribution.
  KnownBlobs known;
  std::unordered_map<std::string, BlobKey> reading;  // by hex, to record what read() skipped
  HitsByBlob rescanned_hits;                         // the stored hits of blobs in `rescan`
  if (store != nullptr) {
    store->record_refs(source.provenance().refs);
    if (std::optional<std::vector<BlobKey>> listed = source.listed_blobs()) {
      known = store->known_blobs(*listed);
      rescan = std::move(known.rescan);
      for (const auto& [key, mask] : rescan) {
        auto stored = known.hits.find(key);
        if (stored != known.hits.end()) {
          rescanned_hits.emplace(key, std::move(stored->second));
          known.hits.erase(stored);
        }
      }
      std::vector<BlobKey> unknown;
      for (const BlobKey& key : *listed) {
        if (known.known.count(key) == 0) unknown.push_back(key);
      }
      for (const BlobKey& key : unknown) reading.emplace(key.hex(), key);
      source.read_only(unknown);
    }
  }

  auto on_finding = [&](const Finding& f) {
    if (keep && (f.secret.empty() || !keep(f.secret))) return;
    if (f.confidence < settings.min_confidence) return;
    for (FindingSink* sink : sinks) {
      if (sink->streams()) sink->on_finding(f);
    }
  };
  // A streaming sink gets findings while blobs are still being read, when
  // the source knows where its blobs appear before reading them.
  std::optional<StreamingAttribution> streaming;
  std::vector<std::uint32_t> possible_moves;
  if (streams && source.provenance_before_read()) {
    possible_moves = trawl::possible_moves(provenance);
    streaming.emplace(provenance, rules, suppressions, on_finding, possible_moves);
  }

  ScanResult result;
  ScanSummary& summary = result.summary;
  HitsByBlob hits = std::move(known.hits);
  if (store != nullptr) {
    for (auto& [key, stored] : hits) stored = choose(std::move(stored));
  }
  if (streaming && !known.known.empty()) {
    streaming->blobs_done(std::vector<BlobKey>(known.known.begin(), known.known.end()), hits);
  }
  progress.blobs_total = source.blob_count();
  progress.phase = ScanPhase::kReading;
  const auto read_started = Clock::now();
  std::vector<BlobKey> matched;
  // The store records each batch's blobs on a thread of its own; the
  // pipeline's in-order stage only hands them over.
  std::optional<BlobRecorder> recorder;
  if (store != nullptr) {
    recorder.emplace([store](const BlobRecord& r) { store->record_blob(r.key, r.status, r.hits); });
  }
  const PipelineStats stats = run_blob_pipeline(
      source, skips, scanner, *prefilter, settings.pipeline,
      [&](const BlobBatch& batch, std::vector<BlobHits>& found) {
        if (recorder) {
          std::vector<BlobRecord> records(batch.entries.size());
          std::size_t next = 0;
          for (std::size_t i = 0; i < batch.entries.size(); ++i) {
            records[i].key = batch.entries[i].key;
            if (next < found.size() && found[next].blob == batch.entries[i].key) records[i].hits = found[next++].hits;
          }
          recorder->add(std::move(records));
        }
        for (BlobHits& blob : found) {
          if (blob.truncated) {
            skips.add(SkipReason::kHitsTruncated, blob.blob.hex(),
                      "stage 2 kept the first " + std::to_string(kMaxHitsPerBlob) + " distinct hits");
          }
          if (store != nullptr) {
            auto stored = rescanned_hits.find(blob.blob);
            if (stored != rescanned_hits.end()) {
              blob.hits.insert(blob.hits.end(), stored->second.begin(), stored->second.end());
              rescanned_hits.erase(stored);
            }
            blob.hits = choose(std::move(blob.hits));
          }
          if (keep) std::erase_if(blob.hits, [&](const Hit& h) { return !keep(h.secret); });
          if (!blob.hits.empty()) hits.emplace(blob.blob, std::move(blob.hits));
        }
        // A rescanned blob without new hits keeps its stored ones.
        for (const BlobEntry& entry : batch.entries) {
          auto stored = rescanned_hits.find(entry.key);
          if (stored == rescanned_hits.end()) continue;
          std::vector<Hit> chosen = choose(std::move(stored->second));
          rescanned_hits.erase(stored);
          if (keep) std::erase_if(chosen, [&](const Hit& h) { return !keep(h.secret); });
          if (!chosen.empty()) hits.emplace(entry.key, std::move(chosen));
        }
        if (streaming) {
          matched.clear();
          for (const BlobEntry& entry : batch.entries) matched.push_back(entry.key);
          streaming->blobs_done(matched, hits);
        }
        progress.blobs_done += batch.entries.size();
        progress.bytes_done += batch.total_bytes();
      },
      [&] { progress.phase = ScanPhase::kMatching; });
  if (recorder) recorder->finish();
  const ReadShare comparison = source.comparison_only();
  summary.blobs_scanned = stats.blobs - comparison.blobs;
  summary.bytes_scanned = stats.bytes - comparison.bytes;
  summary.match_seconds = stats.match_seconds;
  summary.windows_searched = scanner.window_counts().searched;
  summary.windows_repeated = scanner.window_counts().repeated;
  if (store != nullptr) {
    for (const SkippedObject& skipped : skips.entries()) {
      auto it = reading.find(skipped.id);
      if (it == reading.end()) continue;
      const SkipReason reason = skipped.reason;
      const BlobScanStatus status = reason == SkipReason::kBinary       ? BlobScanStatus::kBinary
                                    : reason == SkipReason::kTooLarge   ? BlobScanStatus::kTooLarge
                                    : reason == SkipReason::kLfsPointer ? BlobScanStatus::kScanned
                                                                        : BlobScanStatus::kError;
      store->record_blob(it->second, status, {});
    }
    summary.datastore = true;
    summary.blobs_known = known.known.size();
    summary.blobs_rescanned = rescan.size();
    for (const auto& [key, mask] : rescan) {
      summary.rules_run_on_known_blobs += static_cast<std::uint64_t>(std::count(mask->begin(), mask->end(), true));
    }
    summary.blobs_read = source.listed_blobs() ? reading.size() : stats.blobs;
  }
  summary.read_match_seconds = seconds_since(read_started);

  progress.phase = ScanPhase::kAttributing;
  const auto attribute_started = Clock::now();
  if (!streaming) possible_moves = trawl::possible_moves(provenance);
  const BlobMoves moves = find_moves(
      provenance, possible_moves, hits,
      [&](const std::vector<std::uint32_t>& commits, const std::unordered_set<BlobKey, BlobKeyHash>& wanted) {
        return source.commit_locations(commits, wanted, skips);
      });
  Attribution attribution = streaming ? streaming->finish(hits, moves)
                                      : attribute_findings(provenance, rules, hits, suppressions,
                                                           streams ? std::function<void(const Finding&)>(on_finding)
                                                                   : std::function<void(const Finding&)>(),
                                                           moves);
  result.findings = std::move(attribution.findings);
  if (keep) std::erase_if(result.findings, [&](const Finding& f) { return f.secret.empty() || !keep(f.secret); });
  result.secrets = group_by_secret(result.findings);
  if (!result.secrets.empty() && !provenance.commits.empty() && provenance.image_steps.empty()) {
    const auto wanted = blobs_holding(result.secrets, rules, hits);
    add_history(result.secrets, provenance, rules, hits, source.tip_locations(wanted, skips), moves);
  } else if (!result.secrets.empty() && !provenance.image_steps.empty()) {
    add_image_history(result.secrets, provenance, rules, hits);
  }
  result.skipped = skips.entries();
  result.malformed = skips.malformed_entries();
  summary.attribute_seconds = seconds_since(attribute_started);

  summary.git = source.git_summary();
  summary.blobs = source.blob_count();
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) {
    const auto reason = static_cast<SkipReason>(r);
    const std::uint64_t count = skips.count(reason);
    summary.skipped.emplace_back(std::string(skip_reason_name(reason)), count);
    if (is_unreadable(reason) && count > 0) {
      summary.unreadable += count;
      summary.unreadable_reasons += (summary.unreadable_reasons.empty() ? "" : ", ") +
                                    std::string(skip_reason_name(reason)) + " " + std::to_string(count);
    }
  }
  for (auto& other : source.other_skips()) summary.skipped.push_back(std::move(other));
  for (std::size_t k = 0; k < kMalformedKindCount; ++k) {
    const auto kind = static_cast<MalformedKind>(k);
    summary.malformed.emplace_back(std::string(malformed_kind_name(kind)), skips.malformed_count(kind));
  }
  summary.findings = result.findings.size();
  summary.suppressed = attribution.suppressed;
  note_rules(summary, rules, *prefilter);
  summary.wall_seconds = seconds_since(started);
  if (store != nullptr) {
    // What could not be read this time may be readable once objects are
    // added: an incomplete scan's result is given again only while the
    // repository holds the same objects. The store keeps every finding,
    // whatever --min-confidence shows.
    if (!result_state.empty()) {
      store->record_result(summary.unreadable == 0 ? result_state : incomplete_state, serialise_result(result));
    }
    store->finish({result.findings, result.secrets, result.summary});
  }
  apply_min_confidence(result, settings.min_confidence);
  for (FindingSink* sink : sinks) sink->finish({result.findings, result.secrets, result.summary});
  return result;
}

}  // namespace trawl
