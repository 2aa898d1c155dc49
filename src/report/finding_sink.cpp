#include "report/finding_sink.h"

#include <unistd.h>

#include "report/redact.h"

namespace trawl {

ReportSink::ReportSink(ReportFormat format, const std::string& path, unsigned redact_percent)
    : format_(format), redact_(redact_percent), output_(path) {}

void ReportSink::on_finding(const Finding& finding) {
  Finding shown = finding;
  redact_finding(shown, redact_);
  write_jsonl_finding(output_.stream(), shown);
}

void ReportSink::finish(const ReportContent& content) {
  if (streams()) {
    std::vector<SecretTimeline> secrets = content.secrets;
    redact_timelines(secrets, redact_);
    write_jsonl_secrets(output_.stream(), secrets);
  } else {
    std::vector<Finding> findings = content.findings;
    std::vector<SecretTimeline> secrets = content.secrets;
    redact_findings(findings, redact_);
    redact_timelines(secrets, redact_);
    const bool colour = output_.to_stdout() && ::isatty(STDOUT_FILENO) == 1;
    write_report(output_.stream(), format_, {findings, secrets, content.summary}, colour);
  }
  output_.commit();
}

void CollectingSink::finish(const ReportContent& content) {
  findings = content.findings;
  secrets = content.secrets;
}

}  // namespace trawl
