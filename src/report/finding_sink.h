// Where a scan's findings go: the report writers, the streamed jsonl
// report and (next) a datastore are FindingSinks. The scan driver hands a
// sink each finding as soon as it is confirmed, when the sink streams, and
// the whole result (findings in report order, secret timelines, summary)
// once the scan is done. Sinks hold no detection logic.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "report/output_file.h"
#include "report/reports.h"
#include "report/scan_summary.h"
#include "verify/finding.h"
#include "verify/timeline.h"

namespace trawl {

class FindingSink {
 public:
  virtual ~FindingSink() = default;
  // True when the sink wants each finding as it is confirmed: the scan then
  // attributes findings while it still reads blobs, where it can.
  virtual bool streams() const { return false; }
  // A confirmed finding, in confirmation order (only when streams()).
  virtual void on_finding(const Finding& /*finding*/) {}
  // The finished scan. A sink that streamed its findings writes the rest.
  virtual void finish(const ReportContent& content) = 0;
};

// A report in one format, to a file or standard output (output_file.h),
// every secret masked as --redact asks (redact.h). jsonl streams its
// findings, except when redacted: a finding's text may hold a secret found
// later, so a redacted jsonl report is written when the scan finishes, as
// every other format is. The report file is created when the sink is,
// before the scan starts. Colour only when `colour` (the caller checked the
// terminal) and the report goes to stdout.
class ReportSink final : public FindingSink {
 public:
  // `redact_key` keys the digests of a redacted report's secrets; empty: a
  // random key, made here and never written. The report file gets mode
  // `mode`. Throws ReportPathError naming the path when it cannot be used.
  ReportSink(ReportFormat format, const std::string& path, unsigned redact_percent, std::string redact_key = {},
             mode_t mode = kPrivateReportMode, bool colour = false);

  bool streams() const override { return format_ == ReportFormat::kJsonl && redact_ == 0; }
  void on_finding(const Finding& finding) override;
  void finish(const ReportContent& content) override;

 private:
  ReportFormat format_;
  unsigned redact_;
  std::string redact_key_;
  bool colour_;
  ReportOutput output_;
};

// gitleaks' verbose finding blocks (`-v`) on a stream, every secret masked
// as --redact asks, once the scan is done.
class GitleaksBlocksSink final : public FindingSink {
 public:
  GitleaksBlocksSink(std::ostream& out, unsigned redact_percent, bool colour);
  void finish(const ReportContent& content) override;

 private:
  std::ostream& out_;
  unsigned redact_;
  bool colour_;
};

// Keeps what it is given: for callers that want the result in memory.
class CollectingSink final : public FindingSink {
 public:
  void finish(const ReportContent& content) override;
  std::vector<Finding> findings;
  std::vector<SecretTimeline> secrets;
};

}  // namespace trawl
