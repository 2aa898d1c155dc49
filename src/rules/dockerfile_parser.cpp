#include "rules/dockerfile_parser.h"

#include <algorithm>
#include <cctype>

namespace trawl {
namespace {

struct Line {
  std::size_t begin;
  std::size_t end;  // before the '\n' (and a '\r' before it)
};

std::vector<Line> lines_of(std::string_view text) {
  std::vector<Line> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    const std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    if (nl == std::string_view::npos) nl = text.size();
    std::size_t end = nl;
    if (end > at && text[end - 1] == '\r') --end;
    lines.push_back({at, end});
    at = next;
  }
  return lines;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

std::size_t skip_spaces(std::string_view text, std::size_t at, std::size_t end) {
  while (at < end && is_space(text[at])) ++at;
  return at;
}

std::size_t trim_end(std::string_view text, std::size_t begin, std::size_t end) {
  while (end > begin && is_space(text[end - 1])) --end;
  return end;
}

bool blank_or_comment(std::string_view text, const Line& line) {
  const std::size_t first = skip_spaces(text, line.begin, line.end);
  return first == line.end || text[first] == '#';
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `# name=value` at the top of the file; returns false for any other line.
bool directive(std::string_view text, const Line& line, char& escape) {
  std::size_t at = skip_spaces(text, line.begin, line.end);
  if (at == line.end || text[at] != '#') return false;
  at = skip_spaces(text, at + 1, line.end);
  const std::size_t name_begin = at;
  while (at < line.end && std::isalpha(static_cast<unsigned char>(text[at])) != 0) ++at;
  const std::string name = lowercase(text.substr(name_begin, at - name_begin));
  at = skip_spaces(text, at, line.end);
  if (name.empty() || at == line.end || text[at] != '=') return false;
  const std::size_t value_begin = skip_spaces(text, at + 1, line.end);
  const std::size_t value_end = trim_end(text, value_begin, line.end);
  if (name == "escape" && value_end - value_begin == 1 && (text[value_begin] == '`' || text[value_begin] == '\\')) {
    escape = text[value_begin];
  }
  return name == "escape" || name == "syntax" || name == "check";
}

// The heredoc delimiters `args` opens, in order: `<<EOF`, `<<-EOF`,
// `<<"EOF"`, `<<'EOF'`; a here-string `<<<` is none.
std::vector<std::pair<std::string, bool>> heredoc_openers(std::string_view args) {
  std::vector<std::pair<std::string, bool>> out;
  std::size_t at = 0;
  while ((at = args.find("<<", at)) != std::string_view::npos) {
    std::size_t p = at + 2;
    if (p < args.size() && args[p] == '<') {
      at = p + 1;
      continue;
    }
    bool strip_tabs = false;
    if (p < args.size() && args[p] == '-') {
      strip_tabs = true;
      ++p;
    }
    char quote = 0;
    if (p < args.size() && (args[p] == '"' || args[p] == '\'')) quote = args[p++];
    const std::size_t word_begin = p;
    while (p < args.size() && (std::isalnum(static_cast<unsigned char>(args[p])) != 0 || args[p] == '_')) ++p;
    if (p > word_begin && (quote == 0 || (p < args.size() && args[p] == quote))) {
      out.emplace_back(std::string(args.substr(word_begin, p - word_begin)), strip_tabs);
    }
    at = p;
  }
  return out;
}

// The JSON-array form: ["a", "b"]. Returns none unless the whole of `args`
// is one array of strings.
std::optional<std::vector<DockerfileInstruction::JsonString>> json_array(const SourcedText& args) {
  const std::string& s = args.text;
  std::size_t at = 0;
  while (at < s.size() && is_space(s[at])) ++at;
  if (at == s.size() || s[at] != '[') return std::nullopt;
  ++at;
  std::vector<DockerfileInstruction::JsonString> out;
  for (;;) {
    while (at < s.size() && is_space(s[at])) ++at;
    if (at < s.size() && s[at] == ']' && out.empty()) {
      ++at;
      break;
    }
    if (at == s.size() || s[at] != '"') return std::nullopt;
    const std::size_t quoted = ++at;
    DockerfileInstruction::JsonString item;
    while (at < s.size() && s[at] != '"') {
      if (s[at] == '\\' && at + 1 < s.size()) {
        const char e = s[++at];
        item.value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        item.value += s[at];
      }
      ++at;
    }
    if (at == s.size()) return std::nullopt;
    item.begin = args.offset_of(quoted);
    item.end = quoted == at ? item.begin : args.offset_of(at - 1) + 1;
    out.push_back(std::move(item));
    ++at;
    while (at < s.size() && is_space(s[at])) ++at;
    if (at < s.size() && s[at] == ',') {
      ++at;
      continue;
    }
    if (at < s.size() && s[at] == ']') {
      ++at;
      break;
    }
    return std::nullopt;
  }
  while (at < s.size() && is_space(s[at])) ++at;
  if (at != s.size()) return std::nullopt;
  return out;
}

}  // namespace

void SourcedText::append(std::string_view blob, std::size_t from, std::size_t to) {
  if (to <= from) return;
  pieces.push_back({text.size(), from, false});
  text.append(blob.substr(from, to - from));
}

void SourcedText::append_gap() {
  if (text.empty()) return;
  pieces.push_back({text.size(), offset_of(text.size() - 1), true});
  text += ' ';
}

std::size_t SourcedText::offset_of(std::size_t p) const {
  auto it = std::upper_bound(pieces.begin(), pieces.end(), p,
                             [](std::size_t pos, const Piece& piece) { return pos < piece.position; });
  if (it == pieces.begin()) return 0;
  --it;
  return it->gap ? it->offset : it->offset + (p - it->position);
}

namespace {

bool same_word(std::string_view word, std::string_view upper_name) {
  if (word.size() != upper_name.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (std::toupper(static_cast<unsigned char>(word[k])) != upper_name[k]) return false;
  }
  return true;
}

}  // namespace

Dockerfile parse_dockerfile(std::string_view text, std::span<const std::string_view> only) {
  Dockerfile file;
  auto kept = [&](std::string_view word) {
    return only.empty() ||
           std::any_of(only.begin(), only.end(), [&](std::string_view k) { return same_word(word, k); });
  };
  auto may_open_heredocs = [](std::string_view word) {
    return same_word(word, "RUN") || same_word(word, "COPY") || same_word(word, "ADD");
  };
  const std::vector<Line> lines = lines_of(text);
  std::size_t i = 0;
  while (i < lines.size() && directive(text, lines[i], file.escape)) ++i;
  const char escape = file.escape;
  // The line continues on the next one: it ends with the escape character.
  auto continued = [&](const Line& line, std::size_t from, std::size_t& content_end) {
    content_end = trim_end(text, from, line.end);
    if (content_end > from && text[content_end - 1] == escape) {
      --content_end;
      return true;
    }
    return false;
  };
  while (i < lines.size()) {
    const Line& line = lines[i];
    if (blank_or_comment(text, line)) {
      ++i;
      continue;
    }
    const std::size_t first = skip_spaces(text, line.begin, line.end);
    std::size_t at = first;
    while (at < line.end && !is_space(text[at]) && text[at] != escape) ++at;
    const std::string_view word = text.substr(first, at - first);
    if (!kept(word) && !may_open_heredocs(word)) {
      // Not wanted and opens no heredoc: only its continuation lines are
      // passed over, so none of them is taken for an instruction.
      std::size_t content_end = 0;
      bool more = continued(line, skip_spaces(text, at, line.end), content_end);
      ++i;
      while (more && i < lines.size()) {
        const Line& next = lines[i++];
        if (blank_or_comment(text, next)) continue;
        more = continued(next, next.begin, content_end);
      }
      continue;
    }
    DockerfileInstruction ins;
    ins.keyword = lowercase(word);
    for (char& c : ins.keyword) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ins.begin = first;
    at = skip_spaces(text, at, line.end);
    std::size_t content_end = 0;
    bool more = continued(line, at, content_end);
    ins.args.append(text, at, content_end);
    ins.end = line.end;
    ++i;
    while (more && i < lines.size()) {
      const Line& next = lines[i++];
      if (blank_or_comment(text, next)) continue;
      more = continued(next, next.begin, content_end);
      ins.args.append_gap();
      ins.args.append(text, next.begin, content_end);
      ins.end = next.end;
    }
    if (ins.keyword == "RUN" || ins.keyword == "COPY" || ins.keyword == "ADD") {
      for (const auto& [delimiter, strip_tabs] : heredoc_openers(ins.args.text)) {
        DockerfileHeredoc doc;
        doc.delimiter = delimiter;
        doc.body_begin = i < lines.size() ? lines[i].begin : text.size();
        doc.body_end = doc.body_begin;
        while (i < lines.size()) {
          const Line& body = lines[i++];
          std::size_t b = body.begin;
          if (strip_tabs) {
            while (b < body.end && text[b] == '\t') ++b;
          }
          ins.end = body.end;
          if (text.substr(b, body.end - b) == delimiter) break;
          doc.body_end = body.end;
        }
        ins.heredocs.push_back(std::move(doc));
      }
    }
    if (!kept(word)) continue;  // read for its heredocs' extent alone
    ins.json = json_array(ins.args);
    file.instructions.push_back(std::move(ins));
  }
  return file;
}

std::vector<std::pair<std::size_t, std::size_t>> shell_words(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> words;
  std::size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && (is_space(text[at]) || text[at] == '\n')) ++at;
    if (at == text.size()) break;
    const std::size_t begin = at;
    char quote = 0;
    while (at < text.size()) {
      const char c = text[at];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (is_space(c) || c == '\n') {
        break;
      }
      ++at;
    }
    words.emplace_back(begin, at);
  }
  return words;
}

}  // namespace trawl
