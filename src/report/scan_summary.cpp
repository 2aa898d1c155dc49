#include "report/scan_summary.h"

#include <cstdio>
#include <sstream>

#include "content/text_escape.h"

namespace trawl {

namespace {

// Last, where a reader of a log looks: what may hide findings. Said at every
// log level that shows warnings, the one-line summary's included.
void write_summary_warnings(std::ostream& out, const ScanSummary& s) {
  for (const std::string& warning : s.warnings) out << "trawl: WARNING: " << escape_text(warning, true) << "\n";
  if (s.unreadable > 0) {
    out << "trawl: WARNING: " << s.unreadable << (s.unreadable == 1 ? " object" : " objects") << " could not be read ("
        << s.unreadable_reasons
        << "): secrets in them are not reported; --list-skipped lists them, --fail-on-skip fails the run\n";
  }
}

}  // namespace

std::string format_confidence_counts(const ScanSummary& s) {
  if (s.findings == 0 && s.below_min_confidence == 0) return {};
  std::string out = "by confidence: ";
  for (const Confidence c : {Confidence::kHigh, Confidence::kMedium, Confidence::kLow}) {
    if (c != Confidence::kHigh) out += ", ";
    out +=
        std::to_string(s.findings_by_confidence[static_cast<std::size_t>(c)]) + " " + std::string(confidence_name(c));
  }
  if (s.below_min_confidence > 0) {
    out += "; " + std::to_string(s.below_min_confidence) + " below --min-confidence " +
           std::string(confidence_name(s.min_confidence)) + ", not reported";
  }
  return out;
}

std::string format_summary_warnings(const ScanSummary& s) {
  std::ostringstream out;
  write_summary_warnings(out, s);
  return out.str();
}

std::string format_summary(const ScanSummary& s) {
  std::ostringstream out;
  const double mb = static_cast<double>(s.bytes_scanned) / 1e6;
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.1f MB in %.2f s (%.1f MB/s)", mb, s.wall_seconds,
                s.wall_seconds > 0 ? mb / s.wall_seconds : 0.0);
  out << "trawl: scanned ";
  if (s.git) out << s.git->refs << " refs, " << s.git->commits << " commits, ";
  out << s.blobs_scanned << " of " << s.blobs << (s.git ? " unique blobs, " : " files, ") << rate << " on " << s.backend
      << "\n";
  char phases[160];
  std::snprintf(phases, sizeof phases,
                "trawl: walk %.2f s, read and match %.2f s (matching %.2f thread-s), attribution %.2f s\n",
                s.git ? s.git->walk_seconds : 0.0, s.read_match_seconds, s.match_seconds, s.attribute_seconds);
  out << phases;
  if (s.windows_searched > 0) {
    out << "trawl: stage 2 searched " << s.windows_searched << " windows, " << s.windows_repeated
        << " of them with bytes it had searched lately (their matches reused)\n";
  }
  if (s.git) {
    out << "trawl: blobs read from packs " << s.git->blobs_from_packs << ", through libgit2 "
        << s.git->blobs_from_libgit2 << "\n";
    if (s.git->bytes_rebuilt > 0) {
      char matched[160];
      std::snprintf(matched, sizeof matched,
                    "trawl: stage 1 matched %.1f MB of the %.1f MB the pack reader rebuilt (deltas by what they add)\n",
                    static_cast<double>(s.git->bytes_matched) / 1e6, static_cast<double>(s.git->bytes_rebuilt) / 1e6);
      out << matched;
      out << "trawl: stage 2 was handed " << s.git->keywords_handed << " of the " << s.git->keywords_found
          << " keyword occurrences stage 1 found (the rest no rule's shape allows)\n";
    }
    if (s.git->shallow) out << "trawl: shallow clone: history ends at the shallow boundary\n";
  }
  if (s.datastore) {
    out << "trawl: datastore: " << s.blobs_read << " blobs read, " << s.blobs_known << " known from earlier scans";
    if (s.reused_result) out << "; nothing changed since the last complete scan: history not walked, its result reused";
    if (s.blobs_rescanned > 0) {
      out << "; " << s.blobs_rescanned << " known blobs read again for " << s.rules_run_on_known_blobs
          << " runs of rules they had not run";
    }
    out << "\n";
  }
  std::uint64_t skipped = 0;
  std::string reasons;
  for (const auto& [reason, count] : s.skipped) {
    if (count == 0) continue;
    skipped += count;
    reasons += (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(count);
  }
  if (skipped > 0) out << "trawl: skipped " << skipped << " objects: " << reasons << "\n";
  std::uint64_t malformed = 0;
  std::string kinds;
  for (const auto& [kind, count] : s.malformed) {
    if (count == 0) continue;
    malformed += count;
    kinds += (kinds.empty() ? "" : ", ") + kind + " " + std::to_string(count);
  }
  if (malformed > 0) {
    out << "trawl: read " << malformed << " malformed objects as far as they could be read: " << kinds << "\n";
  }
  out << "trawl: " << s.findings << (s.findings == 1 ? " finding" : " findings");
  if (s.suppressed.total() > 0) {
    std::string why;
    const std::pair<const char*, std::uint64_t> reasons_dropped[] = {{"allowlist", s.suppressed.allowlist},
                                                                     {"ignore file", s.suppressed.ignore_file},
                                                                     {"baseline", s.suppressed.baseline},
                                                                     {"inline allow", s.suppressed.inline_allow}};
    for (const auto& [name, count] : reasons_dropped) {
      if (count > 0) why += (why.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(count);
    }
    out << " (" << s.suppressed.total() << " suppressed: " << why << ")";
  }
  out << "\n";
  write_summary_warnings(out, s);
  return out.str();
}

std::string format_summary_line(const ScanSummary& s) {
  std::ostringstream out;
  out << "trawl: " << s.findings << (s.findings == 1 ? " finding" : " findings");
  if (s.suppressed.total() > 0) out << " (" << s.suppressed.total() << " suppressed)";
  out << "; scanned ";
  if (s.git) out << s.git->commits << " commits, ";
  char size[64];
  std::snprintf(size, sizeof size, "%.1f MB in %.2f s", static_cast<double>(s.bytes_scanned) / 1e6, s.wall_seconds);
  out << s.blobs_scanned << " of " << s.blobs << (s.git ? " blobs, " : " files, ") << size << " on " << s.backend;
  if (const std::string counts = format_confidence_counts(s); !counts.empty()) out << "; " << counts;
  std::uint64_t skipped = 0;
  for (const auto& entry : s.skipped) skipped += entry.second;
  if (skipped > 0) out << "; " << skipped << " skipped";
  if (s.git && s.git->shallow) out << "; shallow clone";
  if (s.datastore) out << "; datastore: " << s.blobs_read << " blobs read, " << s.blobs_known << " known";
  if (s.reused_result) out << ", unchanged: history not walked";
  out << "\n";
  write_summary_warnings(out, s);
  return out.str();
}

}  // namespace trawl
