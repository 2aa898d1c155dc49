#include "report/finding_sink.h"

#include "content/sha256.h"
#include "report/redact.h"
#include "report/text_report.h"

namespace trawl {

namespace {

constexpr std::size_t kRandomKeyBytes = 32;

}  // namespace

ReportSink::ReportSink(ReportFormat format, const std::string& path, unsigned redact_percent, std::string redact_key,
                       mode_t mode, bool colour)
    : format_(format),
      redact_(redact_percent),
      redact_key_(redact_key.empty() && redact_percent > 0 ? random_bytes(kRandomKeyBytes) : std::move(redact_key)),
      colour_(colour),
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
    write_report(output_.stream(), format_, {findings, secrets, content.summary}, colour_ && output_.to_stdout());
  }
  output_.commit();
}

GitleaksBlocksSink::GitleaksBlocksSink(std::ostream& out, unsigned redact_percent, bool colour)
    : out_(out), redact_(redact_percent), colour_(colour) {}

void GitleaksBlocksSink::finish(const ReportContent& content) {
  std::vector<Finding> findings = content.findings;
  std::vector<SecretTimeline> secrets = content.secrets;
  // Masked everywhere a secret may show (paths, lines, fingerprints), as
  // every report is; the digests keyed with a key never written.
  redact_report(findings, secrets, redact_, redact_ > 0 ? random_bytes(kRandomKeyBytes) : std::string());
  for (const Finding& finding : findings) write_gitleaks_block(out_, finding, colour_);
  out_.flush();
}

void CollectingSink::finish(const ReportContent& content) {
  findings = content.findings;
  secrets = content.secrets;
}

}  // namespace trawl
