#include "report/text_report.h"

#include <algorithm>

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

}  // namespace

std::string escape_control_bytes(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      out.append("\\x").push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

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
    out << painted(f.rule_id, kBold, colour) << "  " << where << "\n";
    if (!f.secret.empty()) out << "  secret  " << painted(shown_secret(f.secret), kHighlight, colour) << "\n";
    if (f.commit) {
      out << "  commit  " << f.commit->hex().substr(0, 12) << "  " << format_utc(f.date) << "  "
          << escape_control_bytes(f.author) << " <" << escape_control_bytes(f.email) << ">\n";
      if (!f.message.empty()) out << "          " << painted(escape_control_bytes(f.message), kDim, colour) << "\n";
    }
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
  label("RuleID:      ") << f.rule_id << "\n";
  label("Entropy:     ") << f.entropy << "\n";
  label("File:        ") << escape_control_bytes(f.path) << "\n";
  label("Line:        ") << f.start_line << "\n";
  if (f.commit) {
    label("Commit:      ") << f.commit->hex() << "\n";
    label("Author:      ") << escape_control_bytes(f.author) << "\n";
    label("Email:       ") << escape_control_bytes(f.email) << "\n";
    label("Date:        ") << format_utc(f.date) << "\n";
  }
  label("Fingerprint: ") << escape_control_bytes(f.fingerprint) << "\n\n";
}

}  // namespace trawl
