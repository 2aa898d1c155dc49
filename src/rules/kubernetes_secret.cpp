#include "rules/kubernetes_secret.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>

#include "rules/placeholders.h"
#include "rules/validators.h"

namespace trawl {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 0x20 && u < 0x7f) || u >= 0x80 || c == '\n' || c == '\t';
  });
}

bool is_template(std::string_view v) {
  for (std::string_view marker : {"{{", "}}", "${", "$(", "<%"}) {
    if (v.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

// A key that names what is not a secret: `username`, `host`, `db-port`.
bool names_no_secret(std::string_view key) {
  std::size_t cut = key.size();
  while (cut > 0 && (std::isalnum(static_cast<unsigned char>(key[cut - 1])) != 0)) --cut;
  std::string last(key.substr(cut));
  std::transform(last.begin(), last.end(), last.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view word : {"user", "username", "login", "host", "hostname", "port", "url", "uri", "endpoint",
                                "database", "db", "name", "namespace", "region", "email"}) {
    if (last == word) return true;
  }
  return false;
}

struct Line {
  std::size_t begin;
  std::size_t end;  // without the newline
};

void read_document(std::string_view text, const std::vector<Line>& lines, std::size_t first, std::size_t last,
                   std::vector<KubernetesSecretValue>& out) {
  if (lines[last - 1].end - lines[first].begin > kMaxSecretDocumentBytes) return;
  bool secret = false;
  for (std::size_t i = first; i < last && !secret; ++i) {
    const std::string_view line = text.substr(lines[i].begin, lines[i].end - lines[i].begin);
    if (!line.starts_with("kind:")) continue;
    std::string_view kind = trim_space(line.substr(5));
    if (kind.size() >= 2 && (kind.front() == '"' || kind.front() == '\'') && kind.back() == kind.front()) {
      kind = kind.substr(1, kind.size() - 2);
    }
    secret = kind == "Secret";
  }
  if (!secret) return;
  for (std::size_t i = first; i < last; ++i) {
    const std::string_view line = text.substr(lines[i].begin, lines[i].end - lines[i].begin);
    const bool data = trim_space(line) == "data:" && line.starts_with("data:");
    const bool string_data = trim_space(line) == "stringData:" && line.starts_with("stringData:");
    if (!data && !string_data) continue;
    for (std::size_t j = i + 1; j < last && out.size() < kMaxSecretValues; ++j) {
      const std::string_view entry = text.substr(lines[j].begin, lines[j].end - lines[j].begin);
      const std::string_view content = trim_space(entry);
      if (content.empty() || content.front() == '#') continue;
      if (!is_blank(entry.front())) break;  // the mapping ends at the next top-level key
      const std::size_t colon = content.find(": ");
      if (colon == std::string_view::npos || names_no_secret(content.substr(0, colon))) continue;
      std::string_view value = trim_space(content.substr(colon + 2));
      std::size_t value_begin = lines[j].begin + static_cast<std::size_t>(value.data() - entry.data());
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
        ++value_begin;
      } else if (const std::size_t comment = value.find(" #"); comment != std::string_view::npos) {
        value = trim_space(value.substr(0, comment));
      }
      if (value.empty() || value.front() == '|' || value.front() == '>' || value.front() == '{' || is_template(value)) {
        continue;
      }
      std::string secret_value;
      if (data) {
        if (value.size() > kMaxSecretEncodedBytes) continue;
        std::optional<std::string> decoded = base64_decode(value);
        if (!decoded || decoded->empty()) continue;  // not base64, or nothing but padding
        while (!decoded->empty() && (decoded->back() == '\n' || decoded->back() == '\r')) decoded->pop_back();
        secret_value = std::move(*decoded);
      } else {
        secret_value.assign(value);
      }
      if (secret_value.size() < 4 || !printable(secret_value) || is_template(secret_value) ||
          looks_like_placeholder(secret_value)) {
        continue;
      }
      out.push_back({value_begin, value_begin + value.size(), lines[j].begin, lines[j].end, std::move(secret_value)});
    }
  }
}

}  // namespace

std::vector<KubernetesSecretValue> kubernetes_secret_values(std::string_view text) {
  std::vector<KubernetesSecretValue> out;
  if (text.find("kind:") == std::string_view::npos) return out;
  std::vector<Line> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back({at, end > at && text[end - 1] == '\r' ? end - 1 : end});
    at = end + 1;
  }
  std::size_t first = 0;
  for (std::size_t i = 0; i <= lines.size() && out.size() < kMaxSecretValues; ++i) {
    const bool separator =
        i < lines.size() && text.substr(lines[i].begin, lines[i].end - lines[i].begin).starts_with("---");
    if (i == lines.size() || separator) {
      if (i > first) read_document(text, lines, first, i, out);
      first = i + 1;
    }
  }
  return out;
}

}  // namespace trawl
