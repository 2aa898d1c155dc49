#include "rules/compose_reader.h"

#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace trawl {
namespace {

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

// The YAML subset as a tree of nodes, each kept with where it was written.
struct Node {
  enum class Kind { kNull, kScalar, kMap, kSeq, kAlias, kOpaque };
  Kind kind = Kind::kNull;
  Scalar scalar{"", 0, 0};    // kScalar: unquoted
  std::size_t raw_begin = 0;  // kScalar: as written, quotes kept
  std::size_t raw_end = 0;
  std::vector<std::pair<Scalar, std::size_t>> entries;  // kMap
  std::vector<std::size_t> items;                       // kSeq
  std::size_t target = std::string_view::npos;          // kAlias: the anchored node, if defined before
};

constexpr std::size_t kNoNode = std::string_view::npos;

class Tree {
 public:
  explicit Tree(std::string_view text) : text_(text) { parse(); }

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<std::size_t>& roots() const { return roots_; }

 private:
  std::size_t add(Node::Kind kind) {
    nodes_.push_back(Node{});
    nodes_.back().kind = kind;
    return nodes_.size() - 1;
  }

  // The node a value written in text[begin, end) stands for: `&name`
  // anchors it, `*name` is an alias, `{...}` and `[...]` closed there are
  // flow collections (not nested: a collection inside one is not read),
  // `|` and `>` start a block scalar. An empty value (or an anchor alone)
  // gives a node whose lines follow: `opens` says so.
  std::size_t value_node(std::size_t begin, std::size_t end, bool in_flow, bool& opens, bool& block) {
    opens = false;
    block = false;
    while (begin < end && is_blank(text_[begin])) ++begin;
    while (end > begin && is_blank(text_[end - 1])) --end;
    std::string anchor;
    if (begin < end && text_[begin] == '&') {
      std::size_t p = begin + 1;
      while (p < end && !is_blank(text_[p])) ++p;
      anchor = std::string(text_.substr(begin + 1, p - begin - 1));
      begin = p;
      while (begin < end && is_blank(text_[begin])) ++begin;
    }
    std::size_t id = kNoNode;
    if (begin == end) {
      id = add(Node::Kind::kNull);
      opens = !in_flow;
    } else if (text_[begin] == '*') {
      id = add(Node::Kind::kAlias);
      const auto found = anchors_.find(std::string(text_.substr(begin + 1, end - begin - 1)));
      if (found != anchors_.end()) nodes_[id].target = found->second;
    } else if (text_[begin] == '|' || text_[begin] == '>') {
      id = add(Node::Kind::kOpaque);
      block = !in_flow;
    } else if (text_[begin] == '{' || text_[begin] == '[') {
      id = in_flow ? add(Node::Kind::kOpaque) : flow_node(begin, end);
    } else {
      id = add(Node::Kind::kScalar);
      nodes_[id].scalar = scalar(text_, begin, end);
      nodes_[id].raw_begin = begin;
      nodes_[id].raw_end = end;
    }
    if (!anchor.empty()) anchors_[anchor] = id;
    return id;
  }

  // A flow collection closed on its line, text[begin, end): `{A: b, C: "d"}`
  // or `[A=b, "C=d", *alias]`; its entries split at commas outside quotes.
  // One not closed on its line is not read.
  std::size_t flow_node(std::size_t begin, std::size_t end) {
    const bool map = text_[begin] == '{';
    if (end < begin + 2 || text_[end - 1] != (map ? '}' : ']')) return add(Node::Kind::kOpaque);
    const std::size_t id = add(map ? Node::Kind::kMap : Node::Kind::kSeq);
    std::size_t at = begin + 1;
    const std::size_t stop = end - 1;
    while (at < stop) {
      std::size_t p = at;
      char quote = 0;
      while (p < stop && (quote != 0 || text_[p] != ',')) {
        if (quote != 0) {
          if (text_[p] == quote) quote = 0;
        } else if (text_[p] == '"' || text_[p] == '\'') {
          quote = text_[p];
        }
        ++p;
      }
      std::size_t first = at;
      while (first < p && is_blank(text_[first])) ++first;
      if (first < p) {
        bool opens = false;
        bool block = false;
        if (map) {
          const std::size_t colon = key_colon(text_, first, p);
          const Scalar key = scalar(text_, first, colon == std::string_view::npos ? p : colon);
          const std::size_t value =
              colon == std::string_view::npos ? add(Node::Kind::kNull) : value_node(colon + 1, p, true, opens, block);
          nodes_[id].entries.emplace_back(key, value);
        } else {
          const std::size_t item = value_node(first, p, true, opens, block);
          nodes_[id].items.push_back(item);
        }
      }
      at = p + 1;
    }
    return id;
  }

  struct Open {
    std::ptrdiff_t owner;  // the indent of the key (or item) that owns the node; -1 for a document
    std::size_t node;
  };

  // `key: value` (text[body, end) at column `column`) into the map `map`.
  void map_line(std::vector<Open>& stack, std::size_t map, std::size_t column, std::size_t body, std::size_t colon,
                std::size_t end) {
    const Scalar key = scalar(text_, body, colon);
    bool opens = false;
    bool block = false;
    const std::size_t value = value_node(colon + 1, end, false, opens, block);
    nodes_[map].entries.emplace_back(key, value);
    if (block) block_scalar_ = column;
    if (opens) push(stack, static_cast<std::ptrdiff_t>(column), value, column);
  }

  void push(std::vector<Open>& stack, std::ptrdiff_t owner, std::size_t node, std::size_t column) {
    if (stack.size() >= kMaxComposeDepth) {
      too_deep_ = column;
      return;
    }
    stack.push_back({owner, node});
  }

  void parse() {
    std::vector<Open> stack;
    auto new_document = [&] {
      anchors_.clear();
      roots_.push_back(add(Node::Kind::kNull));
      stack.assign(1, {-1, roots_.back()});
      too_deep_ = kNoNode;
      block_scalar_ = kNoNode;
    };
    new_document();
    std::size_t at = 0;
    while (at < text_.size()) {
      std::size_t end = text_.find('\n', at);
      const std::size_t next = end == std::string_view::npos ? text_.size() : end + 1;
      if (end == std::string_view::npos) end = text_.size();
      const std::size_t line = at;
      at = next;
      std::size_t first = line;
      while (first < end && (text_[first] == ' ' || text_[first] == '\t')) ++first;
      const std::size_t indent = first - line;
      const std::size_t content_end = comment_start(text_, first, end);
      const bool blank = first == content_end || (first < end && text_[first] == '\r' && first + 1 == end);
      if (block_scalar_ != kNoNode) {
        if (blank || indent > block_scalar_) continue;
        block_scalar_ = kNoNode;
      }
      if (blank) continue;
      if (indent == 0 && (text_.substr(first, 3) == "---" || text_.substr(first, 3) == "...")) {
        new_document();
        continue;
      }
      if (indent > too_deep_) continue;
      too_deep_ = kNoNode;
      const bool item = text_[first] == '-' && (first + 1 == content_end || is_blank(text_[first + 1]));
      const auto column = static_cast<std::ptrdiff_t>(indent);
      // The open node this line belongs to: deeper than its owner, or, for
      // a sequence's items, as deep.
      while (stack.size() > 1) {
        const Open& top = stack.back();
        const Node::Kind kind = nodes_[top.node].kind;
        const bool belongs = column > top.owner ||
                             (item && column == top.owner && (kind == Node::Kind::kSeq || kind == Node::Kind::kNull));
        if (belongs) break;
        stack.pop_back();
      }
      Node& container = nodes_[stack.back().node];
      if (container.kind == Node::Kind::kNull) container.kind = item ? Node::Kind::kSeq : Node::Kind::kMap;
      const std::size_t parent = stack.back().node;
      if (!item) {
        if (nodes_[parent].kind != Node::Kind::kMap) continue;
        const std::size_t colon = key_colon(text_, first, content_end);
        if (colon == std::string_view::npos) continue;
        map_line(stack, parent, indent, first, colon, content_end);
        continue;
      }
      if (nodes_[parent].kind != Node::Kind::kSeq) continue;
      std::size_t body = first + 1;
      while (body < content_end && is_blank(text_[body])) ++body;
      const std::size_t colon = key_colon(text_, body, content_end);
      if (colon != std::string_view::npos && text_[body] != '*' && text_[body] != '&' && text_[body] != '{' &&
          text_[body] != '[') {
        // `- key: value`: a map as the item, its keys at the body's column.
        const std::size_t map = add(Node::Kind::kMap);
        nodes_[parent].items.push_back(map);
        const std::size_t body_column = body - line;
        push(stack, static_cast<std::ptrdiff_t>(body_column) - 1, map, body_column);
        if (stack.back().node == map) map_line(stack, map, body_column, body, colon, content_end);
        continue;
      }
      bool opens = false;
      bool block = false;
      const std::size_t value = value_node(body, content_end, false, opens, block);
      nodes_[parent].items.push_back(value);
      if (block) block_scalar_ = indent;
      if (opens) push(stack, column, value, indent);
    }
  }

  std::string_view text_;
  std::vector<Node> nodes_;
  std::vector<std::size_t> roots_;
  std::unordered_map<std::string, std::size_t> anchors_;
  std::size_t too_deep_ = kNoNode;      // lines indented past this belong to a level not read
  std::size_t block_scalar_ = kNoNode;  // the indent of the line whose block scalar is being skipped
};

// Reads the services' sections out of the tree, following aliases and
// merge keys (`<<: *name`, `<<: [*a, *b]`) within a budget of steps, so
// that aliases of aliases (a "billion laughs") cost no more than it.
class Walker {
 public:
  Walker(std::string_view text, const Tree& tree)
      : text_(text), nodes_(tree.nodes()), budget_(kMaxComposeSteps + 4 * tree.nodes().size()) {}

  std::vector<ComposeVariable> run(const std::vector<std::size_t>& roots) {
    for (const std::size_t root : roots) {
      entries(root, 0, [&](const Scalar& key, std::size_t services) {
        if (key.value != "services") return;
        entries(services, 1, [&](const Scalar& service, std::size_t body) {
          entries(body, 2, [&](const Scalar& part, std::size_t section) {
            if (part.value == "environment") {
              variables(section, ComposeVariable::Section::kEnvironment, service.value);
            } else if (part.value == "build") {
              entries(section, 3, [&](const Scalar& build_key, std::size_t args) {
                if (build_key.value == "args") variables(args, ComposeVariable::Section::kBuildArgs, service.value);
              });
            }
          });
        });
      });
    }
    return std::move(out_);
  }

 private:
  // The node `id` is, aliases followed; nullptr for none.
  const Node* resolve(std::size_t id) {
    for (std::size_t hops = 0; id != kNoNode && hops < kMaxComposeDepth && budget_ > 0; ++hops) {
      --budget_;
      const Node& n = nodes_[id];
      if (n.kind != Node::Kind::kAlias) return &n;
      id = n.target;
    }
    return nullptr;
  }

  // Calls fn(key, value) for each entry of the map `id`, the entries of the
  // maps its merge keys name included.
  template <typename Fn>
  void entries(std::size_t id, std::size_t depth, const Fn& fn) {
    const Node* n = resolve(id);
    if (n == nullptr || n->kind != Node::Kind::kMap || depth >= kMaxComposeDepth) return;
    for (const auto& [key, value] : n->entries) {
      if (budget_ == 0) return;
      --budget_;
      if (key.value != "<<") {
        fn(key, value);
        continue;
      }
      const Node* merged = resolve(value);
      if (merged == nullptr) continue;
      if (merged->kind == Node::Kind::kMap) {
        entries(value, depth + 1, fn);
      } else if (merged->kind == Node::Kind::kSeq) {
        for (const std::size_t each : merged->items) entries(each, depth + 1, fn);
      }
    }
  }

  void emit(ComposeVariable v, ComposeVariable::Section section, const std::string& service) {
    // A value reached through several aliases is one place in the file.
    const auto where = v.has_value ? std::make_tuple(static_cast<int>(section), v.value_begin, true)
                                   : std::make_tuple(static_cast<int>(section), v.entry_begin, false);
    if (!seen_.insert(where).second) return;
    v.section = section;
    v.service = service;
    out_.push_back(std::move(v));
  }

  void variables(std::size_t id, ComposeVariable::Section section, const std::string& service) {
    const Node* n = resolve(id);
    if (n == nullptr) return;
    if (n->kind == Node::Kind::kMap) {
      entries(id, 0, [&](const Scalar& key, std::size_t value) {
        const Node* v = resolve(value);
        const Scalar written =
            v != nullptr && v->kind == Node::Kind::kScalar ? v->scalar : Scalar{"", key.end, key.end};
        emit(map_entry(key, written), section, service);
      });
    } else if (n->kind == Node::Kind::kSeq) {
      for (const std::size_t item : n->items) {
        const Node* v = resolve(item);
        if (v != nullptr && v->kind == Node::Kind::kScalar) {
          emit(list_entry(text_, v->raw_begin, v->raw_end), section, service);
        }
      }
    }
  }

  std::string_view text_;
  const std::vector<Node>& nodes_;
  std::size_t budget_;
  std::set<std::tuple<int, std::size_t, bool>> seen_;
  std::vector<ComposeVariable> out_;
};

}  // namespace

std::vector<ComposeVariable> compose_variables(std::string_view text) {
  const Tree tree(text);
  return Walker(text, tree).run(tree.roots());
}

}  // namespace trawl
