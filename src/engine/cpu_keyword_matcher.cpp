#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <tuple>

#include "engine/keyword_matcher.h"

namespace trawl {
namespace {

constexpr int kStreams = 8;
// Below this, one stream: the overlap would cost more than it saves.
constexpr std::uint64_t kInterleaveMinBytes = 1024;
// Steps of the interleaved loop between hand-offs of what it found.
constexpr std::uint64_t kChunk = 2048;

class CpuKeywordMatcher final : public KeywordMatcher {
 public:
  explicit CpuKeywordMatcher(const KeywordAutomaton& automaton) : automaton_(automaton) {}

  std::string_view backend_name() const override { return "cpu"; }

  std::vector<Candidate> match(const BlobBatch& batch) override {
    // Each blob's candidates are one run of the local list of the thread
    // that scanned it.
    struct Run {
      const Local* local = nullptr;
      std::size_t begin = 0;
      std::size_t count = 0;
    };
    std::vector<Run> runs(batch.entries.size());
    tbb::enumerable_thread_specific<Local> locals;
    tbb::parallel_for(std::size_t{0}, batch.entries.size(), [&](std::size_t b) {
      Local& local = locals.local();
      const std::size_t begin = local.found.size();
      scan_blob(batch, static_cast<std::uint32_t>(b), local);
      runs[b] = {&local, begin, local.found.size() - begin};
    });

    // Blob order comes from the runs' order.
    std::vector<std::size_t> at(runs.size() + 1, 0);
    for (std::size_t b = 0; b < runs.size(); ++b) at[b + 1] = at[b] + runs[b].count;
    std::vector<Candidate> all(at.back());
    tbb::parallel_for(std::size_t{0}, runs.size(), [&](std::size_t b) {
      const Candidate* from = runs[b].local->found.data() + runs[b].begin;
      std::copy(from, from + runs[b].count, all.data() + at[b]);
    });
    return all;
  }

  void match_each(const BlobBatch& batch, const BlobCandidates& on_blob) override {
    tbb::enumerable_thread_specific<Local> locals;
    tbb::parallel_for(std::size_t{0}, batch.entries.size(), [&](std::size_t b) {
      Local& local = locals.local();
      local.found.clear();
      scan_blob(batch, static_cast<std::uint32_t>(b), local);
      on_blob(static_cast<std::uint32_t>(b), local.found);
    });
  }

 private:
  // A keyword's end and the state that reported it.
  struct Output {
    std::uint32_t end;
    AcState state;
  };
  struct Local {
    std::vector<Candidate> found;
    std::vector<Output> outputs;
  };

  // Appends blob `b`'s candidates to local.found, sorted by keyword and end.
  void scan_blob(const BlobBatch& batch, std::uint32_t blob, Local& local) const {
    const AcTableView table = automaton_.view();
    const std::uint32_t overlap = automaton_.overlap();
    const BlobEntry& entry = batch.entries[blob];
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(batch.arena.data() + entry.offset);
    const std::size_t begin = local.found.size();
    auto expand = [&](const Output* outputs, std::size_t count) {
      for (std::size_t n = 0; n < count; ++n) {
        const std::uint32_t i = outputs[n].state - table.first_output_state;
        for (std::uint32_t o = table.output_offsets[i]; o < table.output_offsets[i + 1]; ++o) {
          local.found.push_back({blob, table.output_keywords[o], outputs[n].end});
        }
      }
    };
    if (entry.length < kInterleaveMinBytes) {
      scan_buffered<1>(table, bytes, entry.length, overlap, local.outputs, expand);
    } else {
      scan_buffered<kStreams>(table, bytes, entry.length, overlap, local.outputs, expand);
    }
    std::sort(
        local.found.begin() + static_cast<std::ptrdiff_t>(begin), local.found.end(),
        [](const Candidate& x, const Candidate& y) { return std::tie(x.keyword, x.end) < std::tie(y.keyword, y.end); });
  }

  // Cuts [0, length) into `Streams` slices and advances all of them in one
  // loop; each slice starts `overlap` bytes early, as ac_scan_slice() does.
  // The loop only records (end, state) into a buffer, handed to `expand` a
  // chunk at a time: pushing candidates from inside it cost half its speed
  // in spilled registers.
  template <int Streams, typename Expand>
  static void scan_buffered(const AcTableView& table, const std::uint8_t* bytes, std::uint64_t length,
                            std::uint32_t overlap, std::vector<Output>& buffer, Expand& expand) {
    const std::uint64_t slice = (length + Streams - 1) / Streams;
    std::array<std::uint64_t, Streams> pos{};
    std::array<std::uint64_t, Streams> end{};
    std::array<AcState, Streams> state{};
    for (int k = 0; k < Streams; ++k) {
      const std::uint64_t begin = std::min(length, slice * static_cast<std::uint64_t>(k));
      end[k] = std::min(length, begin + slice);
      const std::uint64_t from = begin > overlap ? begin - overlap : 0;
      for (std::uint64_t i = from; i < begin; ++i) state[k] = ac_step(table, state[k], bytes[i]);
      pos[k] = begin;
    }
    // Every step can report at most one state per stream.
    if (buffer.size() < kChunk * Streams) buffer.resize(kChunk * Streams);
    Output* out = buffer.data();
    // All slices but the last have exactly `slice` bytes; run them in lockstep
    // for as long as the last one has bytes too.
    const std::uint64_t common = end[Streams - 1] - pos[Streams - 1];
    for (std::uint64_t chunk = 0; chunk < common; chunk += kChunk) {
      const std::uint64_t chunk_end = std::min(common, chunk + kChunk);
      std::size_t count = 0;
      for (std::uint64_t i = chunk; i < chunk_end; ++i) {
        for (int k = 0; k < Streams; ++k) {
          state[k] = ac_step(table, state[k], bytes[pos[k] + i]);
          if (ac_is_output(table, state[k])) [[unlikely]] {
            out[count++] = {static_cast<std::uint32_t>(pos[k] + i + 1), state[k]};
          }
        }
      }
      expand(out, count);
    }
    for (int k = 0; k < Streams; ++k) {
      std::size_t count = 0;
      ac_scan(table, bytes, pos[k] + common, end[k], state[k], [&](std::uint64_t at, AcState s) {
        out[count++] = {static_cast<std::uint32_t>(at), s};
        if (count == buffer.size()) {
          expand(out, count);
          count = 0;
        }
      });
      expand(out, count);
    }
  }

  const KeywordAutomaton& automaton_;
};

}  // namespace

std::unique_ptr<KeywordMatcher> make_cpu_keyword_matcher(const KeywordAutomaton& automaton) {
  return std::make_unique<CpuKeywordMatcher>(automaton);
}

}  // namespace trawl
