#include "report/finding_sink.h"

#include <unistd.h>

#include "content/sha256.h"
#include "report/redact.h"

namespace trawl {

namespace {

constexpr std::size_t kRandomKeyBytes = 32;

}  // namespace

ReportSink::ReportSink(ReportFormat format, const std::string& path, unsigned redact_percent, std::string redact_key,
                       mode_t mode)
    : format_(format),
      redact_(redact_percent),
      redact_key_(redact_key.empty() && redact_percent > 0 ? random_bytes(kRandomKeyBytes) : std::move(redact_key)),
      output_(path, mode) {}

void ReportSink::on_finding(const Finding& finding) { write_jsonl_finding(output_.stream(), finding); }

void ReportSink::finish(const ReportContent& content) {
  if (streams()) {
    // A report streams only when it is not redacted (streams()).
    write_jsonl_secrets(output_.stream(), content.secrets);
  } else {
    std::vector<Finding> findings = content.findings;
    std::vector<SecretTimeline> secrets = content.secrets;
    redact_report(findings, secrets, redact_, redact_key_);
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
