#include "report/junit_report.h"

#include <string>
#include <string_view>

#include "report/reports.h"
#include "report/text_report.h"

namespace trawl {
namespace {

// Escaped for an XML attribute or text node.
std::string xml(std::string_view text) {
  std::string out;
  for (const char c : escape_control_bytes(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace

void write_junit(std::ostream& out, const std::vector<Finding>& findings) {
  const std::string count = std::to_string(findings.size());
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  out << "  <testsuite name=\"trawl\" tests=\"" << count << "\" failures=\"" << count << "\">\n";
  for (const Finding& f : findings) {
    std::string where = f.path;
    if (f.start_line > 0) where += ", line " + std::to_string(f.start_line);
    if (f.commit) where += ", at commit " + f.commit->hex();
    const std::string name = f.rule_id + " has detected a secret in file " + where;
    const std::string kind = f.description.empty() ? f.rule_id : f.description;
    out << "    <testcase classname=\"" << xml(kind) << "\" file=\"" << xml(f.path) << "\" name=\"" << xml(name)
        << "\">\n";
    out << "      <failure message=\"" << xml(name) << "\" type=\"" << xml(kind) << "\">";
    out << "RuleID: " << xml(f.rule_id) << "\nConfidence: " << confidence_name(f.confidence)
        << "\nFile: " << xml(f.path) << "\nLine: " << f.start_line << "\nSecret: " << xml(f.secret)
        << "\nMatch: " << xml(f.match);
    if (f.commit) {
      out << "\nCommit: " << f.commit->hex() << "\nAuthor: " << xml(f.author) << "\nEmail: " << xml(f.email)
          << "\nDate: " << format_utc(f.date) << "\nMessage: " << xml(f.message);
    }
    out << "\nFingerprint: " << xml(f.fingerprint) << "</failure>\n    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace trawl
