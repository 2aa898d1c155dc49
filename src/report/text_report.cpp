#include "report/text_report.h"

#include <algorithm>

#include "content/text_escape.h"
#include "report/reports.h"

namespace trawl {
namespace {

constexpr const char* kHighlight = "\x1b[1;31m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kReset = "\x1b[0m";

std::string painted(const std::string& text, const char* style, bool colour) {
  if (!colour) return text;
  std::string out(style);
  out.append(text).append(kReset);
  return out;
}

// Where in a container image a finding is: the image (its platform and
// manifest digest), its layer and the build step that made the layer.
void write_image_lines(std::ostream& out, const ImageLocation& image, const char* image_label, const char* layer_label,
                       const char* created_label) {
  out << image_label << escape_text(image.reference, true)
      << (image.platform.empty() ? "" : " (" + escape_text(image.platform, true) + ")")
      << (image.manifest_digest.empty() ? "" : " manifest " + escape_text(image.manifest_digest, true)) << "\n";
  if (image.layer) {
    out << layer_label << *image.layer << " " << escape_text(image.layer_digest, true)
        << (image.in_final_filesystem ? "" : " (deleted or replaced by a later layer)") << "\n";
  }
  if (image.created_by) out << created_label << escape_text(*image.created_by, true) << "\n";
}

}  // namespace

std::string escape_control_bytes(std::string_view text) { return escape_text(text, true); }

std::string shown_secret(const std::string& secret) {
  const std::size_t line_end = secret.find_first_of("\r\n");
  const std::size_t lines = static_cast<std::size_t>(std::count(secret.begin(), secret.end(), '\n')) + 1;
  std::string first = secret.substr(0, std::min(line_end, kTextSecretWidth));
  const bool cut = first.size() < secret.size();
  std::string shown = escape_control_bytes(first);
  if (!cut) return shown;
  shown += " [cut: ";
  if (lines > 1) shown += std::to_string(lines) + " lines, ";
  return shown + std::to_string(secret.size()) + " bytes]";
}

void write_text_findings(std::ostream& out, const std::vector<Finding>& findings, bool colour) {
  for (const Finding& f : findings) {
    std::string where = escape_control_bytes(f.path);
    if (f.start_line > 0) where.append(":").append(std::to_string(f.start_line));
    out << painted(escape_control_bytes(f.rule_id), kBold, colour) << "  " << where << "  ("
        << confidence_name(f.confidence) << ")\n";
    if (!f.secret.empty()) out << "  secret  " << painted(shown_secret(f.secret), kHighlight, colour) << "\n";
    if (f.commit) {
      out << "  commit  " << f.commit->hex().substr(0, 12) << "  " << format_utc(f.date) << "  "
          << escape_control_bytes(f.author) << " <" << escape_control_bytes(f.email) << ">\n";
      if (!f.message.empty()) out << "          " << painted(escape_control_bytes(f.message), kDim, colour) << "\n";
    }
    if (f.image) write_image_lines(out, *f.image, "  image   ", "  layer   ", "  by      ");
  }
}

void write_gitleaks_block(std::ostream& out, const Finding& f, bool colour) {
  std::string line = escape_control_bytes(f.line);
  const std::string secret = escape_control_bytes(f.secret);
  if (colour && !secret.empty()) {
    if (const auto at = line.find(secret); at != std::string::npos) {
      std::string lit = line.substr(0, at);
      lit.append(kHighlight).append(secret).append(kReset).append(line, at + secret.size());
      line = std::move(lit);
    }
  }
  auto label = [&](const char* name) -> std::ostream& { return out << painted(name, kBold, colour); };
  label("Finding:     ") << line << "\n";
  label("Secret:      ") << secret << "\n";
  label("RuleID:      ") << escape_control_bytes(f.rule_id) << "\n";
  label("Entropy:     ") << f.entropy << "\n";
  label("Confidence:  ") << confidence_name(f.confidence) << "\n";
  label("File:        ") << escape_control_bytes(f.path) << "\n";
  label("Line:        ") << f.start_line << "\n";
  if (f.commit) {
    label("Commit:      ") << f.commit->hex() << "\n";
    label("Author:      ") << escape_control_bytes(f.author) << "\n";
    label("Email:       ") << escape_control_bytes(f.email) << "\n";
    label("Date:        ") << format_utc(f.date) << "\n";
  }
  if (f.image) write_image_lines(out, *f.image, "Image:       ", "Layer:       ", "CreatedBy:   ");
  label("Fingerprint: ") << escape_control_bytes(f.fingerprint) << "\n\n";
}

}  // namespace trawl
