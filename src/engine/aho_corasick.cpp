#include "engine/aho_corasick.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <queue>
#include <stdexcept>

namespace trawl {

KeywordAutomaton::KeywordAutomaton(const std::vector<std::string>& keywords) {
  // Byte classes: one per distinct (case-folded) keyword byte, 0 for the rest.
  for (const std::string& keyword : keywords) {
    for (unsigned char c : keyword) {
      const auto lower = static_cast<unsigned char>(std::tolower(c));
      if (byte_class_[lower] != 0) continue;
      const auto cls = static_cast<std::uint8_t>(class_count_++);
      byte_class_[lower] = cls;
      byte_class_[static_cast<unsigned char>(std::toupper(lower))] = cls;
    }
  }

  // The trie, in classes.
  constexpr std::int32_t kNone = -1;
  std::vector<std::vector<std::int32_t>> go(1, std::vector<std::int32_t>(class_count_, kNone));
  std::vector<std::vector<std::uint32_t>> out(1);
  for (std::uint32_t k = 0; k < keywords.size(); ++k) {
    std::int32_t node = 0;
    for (unsigned char c : keywords[k]) {
      const std::uint8_t cls = byte_class_[c];
      if (go[node][cls] == kNone) {
        go[node][cls] = static_cast<std::int32_t>(go.size());
        go.emplace_back(class_count_, kNone);
        out.emplace_back();
      }
      node = go[node][cls];
    }
    out[node].push_back(k);
    keyword_lengths_.push_back(static_cast<std::uint32_t>(keywords[k].size()));
    max_keyword_length_ = std::max(max_keyword_length_, static_cast<std::uint32_t>(keywords[k].size()));
  }
  if (go.size() > std::numeric_limits<AcState>::max()) {
    throw std::length_error("the keyword automaton needs " + std::to_string(go.size()) +
                            " states, more than the 65535 it can number: use fewer or shorter keywords");
  }

  // Failure links, breadth first, folded into a complete transition table.
  std::vector<std::int32_t> fail(go.size(), 0);
  std::vector<std::int32_t> bfs_order{0};
  std::queue<std::int32_t> queue;
  for (std::uint32_t c = 0; c < class_count_; ++c) {
    if (go[0][c] == kNone) {
      go[0][c] = 0;
    } else {
      fail[go[0][c]] = 0;
      queue.push(go[0][c]);
    }
  }
  while (!queue.empty()) {
    const std::int32_t u = queue.front();
    queue.pop();
    bfs_order.push_back(u);
    for (std::uint32_t c = 0; c < class_count_; ++c) {
      const std::int32_t v = go[u][c];
      if (v == kNone) {
        go[u][c] = go[fail[u]][c];
        continue;
      }
      fail[v] = go[fail[u]][c];
      const auto& inherited = out[fail[v]];
      out[v].insert(out[v].end(), inherited.begin(), inherited.end());
      queue.push(v);
    }
  }

  // Renumber: states without output first (root stays 0), then the rest.
  state_count_ = static_cast<std::uint32_t>(go.size());
  std::vector<AcState> renumber(go.size());
  AcState next_id = 0;
  for (std::int32_t s : bfs_order)
    if (out[s].empty()) renumber[s] = next_id++;
  first_output_state_ = next_id;
  for (std::int32_t s : bfs_order)
    if (!out[s].empty()) renumber[s] = next_id++;

  next_.assign(static_cast<std::size_t>(state_count_) * class_count_, 0);
  std::vector<std::int32_t> original(go.size());
  for (std::size_t s = 0; s < go.size(); ++s) original[renumber[s]] = static_cast<std::int32_t>(s);
  for (std::uint32_t s = 0; s < state_count_; ++s) {
    for (std::uint32_t c = 0; c < class_count_; ++c) {
      next_[static_cast<std::size_t>(s) * class_count_ + c] = renumber[go[original[s]][c]];
    }
  }
  output_offsets_.push_back(0);
  for (std::uint32_t s = first_output_state_; s < state_count_; ++s) {
    std::vector<std::uint32_t> ids = out[original[s]];
    std::sort(ids.begin(), ids.end());
    output_keywords_.insert(output_keywords_.end(), ids.begin(), ids.end());
    output_offsets_.push_back(static_cast<std::uint32_t>(output_keywords_.size()));
  }
}

AcTableView KeywordAutomaton::view() const {
  AcTableView v;
  v.next = next_.data();
  v.byte_class = byte_class_.data();
  v.output_offsets = output_offsets_.data();
  v.output_keywords = output_keywords_.data();
  v.class_count = class_count_;
  v.state_count = state_count_;
  v.first_output_state = first_output_state_;
  return v;
}

std::size_t KeywordAutomaton::table_bytes() const {
  return next_.size() * sizeof(AcState) + byte_class_.size() + output_offsets_.size() * sizeof(std::uint32_t) +
         output_keywords_.size() * sizeof(std::uint32_t);
}

std::vector<std::uint32_t> KeywordAutomaton::outputs(AcState state) const {
  if (state < first_output_state_ || state >= state_count_) return {};
  const std::uint32_t i = state - first_output_state_;
  return {output_keywords_.begin() + output_offsets_[i], output_keywords_.begin() + output_offsets_[i + 1]};
}

}  // namespace trawl
