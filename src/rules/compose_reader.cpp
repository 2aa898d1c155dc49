#include "rules/compose_reader.h"

#include <optional>

namespace trawl {
namespace {

struct Level {
  std::size_t indent;
  std::string key;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Where a comment starts on the line (a '#' after a blank, outside quotes),
// or `end`.
std::size_t comment_start(std::string_view text, std::size_t from, std::size_t end) {
  char quote = 0;
  for (std::size_t i = from; i < end; ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      if (i == from || is_blank(text[i - 1]) || text[i - 1] == ':' || text[i - 1] == '=') quote = c;
    } else if (c == '#' && (i == from || is_blank(text[i - 1]))) {
      return i;
    }
  }
  return end;
}

struct Scalar {
  std::string value;
  std::size_t begin;  // inside the quotes
  std::size_t end;
};

// The scalar text[begin, end), trimmed and unquoted.
Scalar scalar(std::string_view text, std::size_t begin, std::size_t end) {
  while (begin < end && is_blank(text[begin])) ++begin;
  while (end > begin && is_blank(text[end - 1])) --end;
  if (end - begin >= 2 && (text[begin] == '"' || text[begin] == '\'') && text[end - 1] == text[begin]) {
    return {std::string(text.substr(begin + 1, end - begin - 2)), begin + 1, end - 1};
  }
  return {std::string(text.substr(begin, end - begin)), begin, end};
}

// The ':' that ends a mapping key on the line (followed by a blank or the
// end), outside quotes; npos when the line is no `key: value`.
std::size_t key_colon(std::string_view text, std::size_t from, std::size_t end) {
  char quote = 0;
  for (std::size_t i = from; i < end; ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if ((c == '"' || c == '\'') && i == from) {
      quote = c;
    } else if (c == ':' && (i + 1 == end || is_blank(text[i + 1]))) {
      return i;
    }
  }
  return std::string_view::npos;
}

// `NAME=value` (quoted as a whole, or not) or `NAME` alone in
// text[begin, end): a list's entry.
ComposeVariable list_entry(std::string_view text, std::size_t begin, std::size_t end) {
  const Scalar entry = scalar(text, begin, end);
  ComposeVariable v;
  v.entry_begin = entry.begin;
  const std::size_t eq = entry.value.find('=');
  v.name = entry.value.substr(0, eq);
  if (eq != std::string::npos) {
    const Scalar value = scalar(text, entry.begin + eq + 1, entry.end);
    v.has_value = true;
    v.value = value.value;
    v.value_begin = value.begin;
    v.value_end = value.end;
  }
  return v;
}

// `NAME: value` or `NAME:` (no value, or a null one): a map's entry.
ComposeVariable map_entry(const Scalar& key, const Scalar& value) {
  ComposeVariable v;
  v.name = key.value;
  v.entry_begin = key.begin;
  v.has_value = !value.value.empty() && value.value != "~" && value.value != "null";
  if (v.has_value) {
    v.value = value.value;
    v.value_begin = value.begin;
    v.value_end = value.end;
  }
  return v;
}

// A flow collection closed on its line, text[begin, end): `{A: b, C: "d"}`
// (a map) or `[A=b, "C=d"]` (a list); its entries, split at commas outside
// quotes. One not closed on its line is not read.
std::vector<ComposeVariable> flow_entries(std::string_view text, std::size_t begin, std::size_t end) {
  std::vector<ComposeVariable> out;
  const bool map = text[begin] == '{';
  if (end < begin + 2 || text[end - 1] != (map ? '}' : ']')) return out;
  std::size_t at = begin + 1;
  const std::size_t stop = end - 1;
  while (at < stop) {
    std::size_t p = at;
    char quote = 0;
    while (p < stop && (quote != 0 || text[p] != ',')) {
      if (quote != 0) {
        if (text[p] == quote) quote = 0;
      } else if (text[p] == '"' || text[p] == '\'') {
        quote = text[p];
      }
      ++p;
    }
    std::size_t first = at;
    while (first < p && is_blank(text[first])) ++first;
    if (first < p) {
      if (map) {
        const std::size_t colon = key_colon(text, first, p);
        out.push_back(colon == std::string_view::npos
                          ? map_entry(scalar(text, first, p), Scalar{"", p, p})
                          : map_entry(scalar(text, first, colon), scalar(text, colon + 1, p)));
      } else {
        out.push_back(list_entry(text, first, p));
      }
    }
    at = p + 1;
  }
  return out;
}

}  // namespace

std::vector<ComposeVariable> compose_variables(std::string_view text) {
  std::vector<ComposeVariable> out;
  std::vector<Level> stack;
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t block_scalar = kNone;  // the indent of the key whose block scalar is being skipped
  std::size_t too_deep = kNone;      // lines indented past this belong to a level not read
  // Which section the keys on the stack name, if any.
  auto section = [&]() -> std::optional<ComposeVariable::Section> {
    if (stack.size() == 3 && stack[0].key == "services" && stack[2].key == "environment") {
      return ComposeVariable::Section::kEnvironment;
    }
    if (stack.size() == 4 && stack[0].key == "services" && stack[2].key == "build" && stack[3].key == "args") {
      return ComposeVariable::Section::kBuildArgs;
    }
    return std::nullopt;
  };
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    const std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
    if (end == std::string_view::npos) end = text.size();
    const std::size_t line = at;
    at = next;
    std::size_t first = line;
    while (first < end && (text[first] == ' ' || text[first] == '\t')) ++first;
    const std::size_t indent = first - line;
    const std::size_t content_end = comment_start(text, first, end);
    const bool blank = first == content_end || (first < end && text[first] == '\r' && first + 1 == end);
    if (block_scalar != kNone) {
      if (blank || indent > block_scalar) continue;
      block_scalar = kNone;
    }
    if (blank) continue;
    if (indent == 0 && (text.substr(first, 3) == "---" || text.substr(first, 3) == "...")) {
      stack.clear();
      too_deep = std::string_view::npos;
      continue;
    }
    if (indent > too_deep) continue;
    too_deep = std::string_view::npos;
    const bool item = text[first] == '-' && (first + 1 == content_end || is_blank(text[first + 1]));
    std::size_t body = first;
    if (item) {
      body = first + 1;
      while (body < content_end && is_blank(text[body])) ++body;
      while (!stack.empty() && stack.back().indent > indent) stack.pop_back();
    } else {
      while (!stack.empty() && stack.back().indent >= indent) stack.pop_back();
    }
    const std::size_t colon = key_colon(text, body, content_end);
    const auto where = section();
    if (item && colon == std::string_view::npos) {
      if (where) {
        ComposeVariable v = list_entry(text, body, content_end);
        v.section = *where;
        v.service = stack[1].key;
        out.push_back(std::move(v));
      }
      continue;
    }
    if (colon == std::string_view::npos) continue;
    const Scalar key = scalar(text, body, colon);
    const Scalar value = scalar(text, colon + 1, content_end);
    if (!value.value.empty() && (value.value[0] == '|' || value.value[0] == '>')) {
      block_scalar = indent;
      continue;
    }
    if (item) continue;  // a mapping inside a list: not a place the checks read
    if (where) {
      ComposeVariable v = map_entry(key, value);
      v.section = *where;
      v.service = stack[1].key;
      out.push_back(std::move(v));
      continue;
    }
    if (!value.value.empty() && (value.value[0] == '{' || value.value[0] == '[') && stack.size() < kMaxComposeDepth) {
      // `environment: {A: b}` or `args: [A=b]`: the section in flow style.
      stack.push_back({indent, key.value});
      if (const auto flow = section()) {
        for (ComposeVariable& v : flow_entries(text, value.begin, value.end)) {
          v.section = *flow;
          v.service = stack[1].key;
          out.push_back(std::move(v));
        }
      }
      stack.pop_back();
      continue;
    }
    if (!value.value.empty()) continue;
    if (stack.size() >= kMaxComposeDepth) {
      too_deep = indent;
      continue;
    }
    stack.push_back({indent, key.value});
  }
  return out;
}

}  // namespace trawl
