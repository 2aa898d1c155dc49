// The CPU backend of stage 1: each blob is scanned for keywords (eight
// interleaved streams) and then, when asked for, for token runs (with a
// TokenGate, only on the lines its keywords open, unless the blob is wanted
// whole), and its candidates are handed on while its bytes are still in
// cache.
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <tuple>

#include "engine/interleaved_scan.h"
#include "engine/prefilter.h"

namespace trawl {
namespace {

class CpuPrefilter final : public Prefilter {
 public:
  explicit CpuPrefilter(const PrefilterTables& tables)
      : automaton_(tables.automaton), entropy_(tables.entropy), gate_(tables.token_gate) {}

  std::string_view backend_name() const override { return "cpu"; }
  bool concurrent() const override { return true; }

  BatchCandidates run(const BlobBatch& batch) override {
    // Each blob's candidates are one run of each local list of the thread
    // that scanned it.
    struct Run {
      const Local* local = nullptr;
      std::size_t keywords_begin = 0;
      std::size_t keywords_count = 0;
      std::size_t tokens_begin = 0;
      std::size_t tokens_count = 0;
    };
    std::vector<Run> runs(batch.entries.size());
    tbb::enumerable_thread_specific<Local> locals;
    tbb::parallel_for(std::size_t{0}, batch.entries.size(), [&](std::size_t b) {
      Local& local = locals.local();
      const std::size_t keywords_begin = local.found.size();
      const std::size_t tokens_begin = local.tokens.size();
      scan_blob(batch, static_cast<std::uint32_t>(b), local);
      runs[b] = {&local, keywords_begin, local.found.size() - keywords_begin, tokens_begin,
                 local.tokens.size() - tokens_begin};
    });

    // Blob order comes from the runs' order.
    std::vector<std::size_t> keywords_at(runs.size() + 1, 0);
    std::vector<std::size_t> tokens_at(runs.size() + 1, 0);
    for (std::size_t b = 0; b < runs.size(); ++b) {
      keywords_at[b + 1] = keywords_at[b] + runs[b].keywords_count;
      tokens_at[b + 1] = tokens_at[b] + runs[b].tokens_count;
    }
    BatchCandidates all;
    all.keywords.resize(keywords_at.back());
    all.tokens.resize(tokens_at.back());
    tbb::parallel_for(std::size_t{0}, runs.size(), [&](std::size_t b) {
      const Run& r = runs[b];
      const Candidate* keywords = r.local->found.data() + r.keywords_begin;
      std::copy(keywords, keywords + r.keywords_count, all.keywords.data() + keywords_at[b]);
      const TokenCandidate* tokens = r.local->tokens.data() + r.tokens_begin;
      std::copy(tokens, tokens + r.tokens_count, all.tokens.data() + tokens_at[b]);
    });
    return all;
  }

  void run_each(const BlobBatch& batch, const OnBlobCandidates& on_blob) override {
    tbb::enumerable_thread_specific<Local> locals;
    tbb::parallel_for(std::size_t{0}, batch.entries.size(), [&](std::size_t b) {
      Local& local = locals.local();
      local.found.clear();
      local.tokens.clear();
      scan_blob(batch, static_cast<std::uint32_t>(b), local);
      on_blob(static_cast<std::uint32_t>(b), BlobCandidates{local.found, local.tokens});
    });
  }

 private:
  struct Local {
    std::vector<Candidate> found;
    std::vector<TokenCandidate> tokens;
    std::vector<AcOutput> outputs;
    std::array<std::uint16_t, kTokenSymbols> counts{};  // scan_tokens_in_range's, left zeroed
    std::vector<std::uint32_t> gate_starts;             // where the gate's keywords start in the blob
  };

  // Appends blob `b`'s keyword candidates to local.found, sorted by keyword
  // and end, and, when token candidates are asked for, its token runs to
  // local.tokens, in the order they start.
  void scan_blob(const BlobBatch& batch, std::uint32_t blob, Local& local) const {
    local.gate_starts.clear();
    if (batch.entries[blob].found) {
      hand_on_found(batch, blob, local);
      return;
    }
    scan_keywords(batch, blob, local);
    if (entropy_ == nullptr) return;
    const BlobEntry& entry = batch.entries[blob];
    if (gate_ == nullptr || gate_->whole_blob(entry.key)) {
      scan_tokens(batch, blob, 0, static_cast<std::uint32_t>(entry.length), local);
      return;
    }
    // Only the lines that hold one of the gate's keywords, each once, in
    // order (runs are handed on in the order they start).
    std::sort(local.gate_starts.begin(), local.gate_starts.end());
    for_each_open_line(batch.bytes(blob), local.gate_starts, [&](std::size_t begin, std::size_t end) {
      scan_tokens(batch, blob, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end), local);
    });
  }

  // Sorts the candidates from `begin` on by keyword, then end.
  static void sort_by_keyword(std::vector<Candidate>& found, std::size_t begin) {
    std::sort(
        found.begin() + static_cast<std::ptrdiff_t>(begin), found.end(),
        [](const Candidate& x, const Candidate& y) { return std::tie(x.keyword, x.end) < std::tie(y.keyword, y.end); });
  }

  // What the source found (a pack reader matching deltas, with this
  // prefilter's gate: delta_match.h): the keywords of rules, and the token
  // runs, as scan_blob() finds them.
  void hand_on_found(const BlobBatch& batch, std::uint32_t blob, Local& local) const {
    const std::size_t begin = local.found.size();
    for (const FoundKeyword& k : batch.keywords_found(blob)) {
      if (gate_ == nullptr || gate_->keywords[k.keyword] != TokenGate::kOnlyAGate) {
        local.found.push_back({blob, k.keyword, k.end});
      }
    }
    sort_by_keyword(local.found, begin);
    if (entropy_ == nullptr) return;
    // A blob the gate wants whole had only its open lines' runs found.
    if (gate_ != nullptr && gate_->whole_blob(batch.entries[blob].key)) {
      scan_tokens(batch, blob, 0, static_cast<std::uint32_t>(batch.entries[blob].length), local);
      return;
    }
    for (const FoundToken& t : batch.tokens_found(blob)) {
      local.tokens.push_back({blob, t.begin, t.length, static_cast<TokenAlphabet>(t.alphabet), t.entropy_fixed});
    }
  }

  void scan_keywords(const BlobBatch& batch, std::uint32_t blob, Local& local) const {
    const AcTableView table = automaton_.view();
    const std::uint32_t overlap = automaton_.overlap();
    const BlobEntry& entry = batch.entries[blob];
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(batch.arena.data() + entry.offset);
    const std::size_t begin = local.found.size();
    auto expand = [&](const AcOutput* outputs, std::size_t count) {
      for (std::size_t n = 0; n < count; ++n) {
        ac_for_each_keyword(table, outputs[n].state, [&](std::uint32_t keyword) {
          const char gate = gate_ != nullptr ? gate_->keywords[keyword] : TokenGate::kNotAGate;
          if (gate != TokenGate::kNotAGate) {
            local.gate_starts.push_back(outputs[n].end - automaton_.keyword_length(keyword));
          }
          if (gate != TokenGate::kOnlyAGate) local.found.push_back({blob, keyword, outputs[n].end});
        });
      }
    };
    ac_scan_interleaved(table, bytes, entry.length, overlap, local.outputs, expand);
    sort_by_keyword(local.found, begin);
  }

  // The runs that start in [begin, end) of the blob, by the step the CUDA
  // entropy kernel runs per thread: found in order.
  void scan_tokens(const BlobBatch& batch, std::uint32_t blob, std::uint32_t begin, std::uint32_t end,
                   Local& local) const {
    const BlobEntry& entry = batch.entries[blob];
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(batch.arena.data() + entry.offset);
    const auto length = static_cast<std::uint32_t>(entry.length);
    scan_tokens_in_range(
        entropy_->view(), bytes, 0, length, begin, end, local.counts.data(),
        [&](std::uint32_t at, std::uint32_t run_length, TokenAlphabet alphabet, std::uint64_t entropy) {
          local.tokens.push_back({blob, at, run_length, alphabet, entropy});
        });
  }

  const KeywordAutomaton& automaton_;
  const EntropyTable* entropy_;
  const TokenGate* gate_;
};

}  // namespace

std::unique_ptr<Prefilter> make_cpu_prefilter(const PrefilterTables& tables) {
  return std::make_unique<CpuPrefilter>(tables);
}

}  // namespace trawl
