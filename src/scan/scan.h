// The one scan driver every source runs through: list the source's content,
// run its blobs through the bounded pipeline (blob_pipeline.h: prefilter
// and confirm on the backend asked for), attribute hits to the places that
// introduced them, build each secret's timeline, and hand the result to the
// sinks. The command line only picks a source, the rules and the sinks.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/backends.h"
#include "report/finding_sink.h"
#include "rules/rule.h"
#include "scan/blob_pipeline.h"
#include "scan/scan_progress.h"
#include "scan/scan_result.h"
#include "source/content_source.h"
#include "store/datastore.h"
#include "verify/suppression.h"

namespace trawl {

// Which confirmed secrets a scan keeps (a trace keeps one value).
using SecretFilter = std::function<bool(const std::string& secret)>;

struct ScanSettings {
  BackendRequest backend;  // --backend, --gpus
  PipelineOptions pipeline;
  ScanProgress* progress = nullptr;  // optional
  // When set, hits whose secret it refuses are dropped as they are
  // confirmed, and so are findings without a secret (path-only rules):
  // what is kept is attributed exactly as in a scan that kept everything.
  SecretFilter keep_secret;
  // When set, the scan records into this store (and hands it the result as
  // to a sink): blobs the store knows are not read again, their stored hits
  // standing in for them, so the result is that of a full scan.
  // `datastore_scan.rules` is filled in here.
  Datastore* datastore = nullptr;
  StoreScan datastore_scan;
  // Findings below it are not handed to the sinks nor returned, only
  // counted (apply_min_confidence); the datastore keeps them all.
  Confidence min_confidence = kDefaultMinConfidence;
  // On the CPU backend, a git history's pack reader runs stage 1 itself,
  // matching only what each delta adds (engine/delta_match.h); false
  // matches every byte of every blob (--match-whole-blobs). The findings
  // are the same.
  bool match_deltas = true;
};

// Drops the findings below `min` and the timelines of their rules, counts
// them in the summary's below_min_confidence, and counts the findings kept
// by confidence; summary.findings becomes the number kept.
void apply_min_confidence(ScanResult& result, Confidence min);

// Scans `source` with `rules` (which must outlive the call) and hands the
// result to every sink (each streaming sink also gets each finding as it is
// confirmed) and to the datastore, if any; returns the result. Throws UsageError when the backend asked
// for cannot run here; errors from the source's list() propagate; anything
// met while reading is skipped and counted.
ScanResult run_scan(ContentSource& source, const RuleSet& rules, const Suppressions& suppressions,
                    const ScanSettings& settings, const std::vector<FindingSink*>& sinks, std::ostream& log);

}  // namespace trawl
