#include "report/finding_sink.h"

#include "report/redact.h"
#include "report/text_report.h"

namespace trawl {

ReportSink::ReportSink(ReportFormat format, const std::string& path, unsigned redact_percent, bool colour)
    : format_(format), redact_(redact_percent), colour_(colour), output_(path) {}

void ReportSink::on_finding(const Finding& finding) {
  Finding shown = finding;
  redact_finding(shown, redact_);
  write_jsonl_finding(output_.stream(), shown);
}

void ReportSink::finish(const ReportContent& content) {
  if (!streams()) {
    std::vector<Finding> findings = content.findings;
    std::vector<SecretTimeline> secrets = content.secrets;
    redact_findings(findings, redact_);
    redact_timelines(secrets, redact_);
    write_report(output_.stream(), format_, {findings, secrets, content.summary}, colour_ && output_.to_stdout());
  }
  output_.commit();
}

void GitleaksBlocksSink::finish(const ReportContent& content) {
  for (const Finding& finding : content.findings) {
    Finding shown = finding;
    redact_finding(shown, redact_);
    write_gitleaks_block(out_, shown, colour_);
  }
  out_.flush();
}

void CollectingSink::finish(const ReportContent& content) {
  findings = content.findings;
  secrets = content.secrets;
}

}  // namespace trawl
