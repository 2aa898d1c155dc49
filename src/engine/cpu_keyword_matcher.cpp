#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <thrust/sort.h>
#include <thrust/system/tbb/execution_policy.h>

#include <algorithm>
#include <array>
#include <tuple>

#include "engine/keyword_matcher.h"

namespace trawl {
namespace {

constexpr int kStreams = 8;
// Below this, one stream: the overlap would cost more than it saves.
constexpr std::uint64_t kInterleaveMinBytes = 1024;

class CpuKeywordMatcher final : public KeywordMatcher {
 public:
  explicit CpuKeywordMatcher(const KeywordAutomaton& automaton) : automaton_(automaton) {}

  std::string_view backend_name() const override { return "cpu"; }

  std::vector<Candidate> match(const BlobBatch& batch) override {
    const AcTableView table = automaton_.view();
    const std::uint32_t overlap = automaton_.max_keyword_length() > 0 ? automaton_.max_keyword_length() - 1 : 0;
    tbb::enumerable_thread_specific<std::vector<Candidate>> locals;

    tbb::parallel_for(std::size_t{0}, batch.entries.size(), [&](std::size_t b) {
      std::vector<Candidate>& found = locals.local();
      const auto blob = static_cast<std::uint32_t>(b);
      const BlobEntry& entry = batch.entries[b];
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(batch.arena.data() + entry.offset);
      auto emit = [&](std::uint64_t end, AcState state) {
        const std::uint32_t i = state - table.first_output_state;
        for (std::uint32_t o = table.output_offsets[i]; o < table.output_offsets[i + 1]; ++o) {
          found.push_back({blob, table.output_keywords[o], static_cast<std::uint32_t>(end)});
        }
      };
      if (entry.length < kInterleaveMinBytes) {
        ac_scan(table, bytes, 0, entry.length, AcState{0}, emit);
      } else {
        scan_interleaved(table, bytes, entry.length, overlap, emit);
      }
    });

    std::vector<Candidate> all;
    for (const std::vector<Candidate>& local : locals) all.insert(all.end(), local.begin(), local.end());
    thrust::sort(thrust::tbb::par, all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
      return std::tie(a.blob, a.keyword, a.end) < std::tie(b.blob, b.keyword, b.end);
    });
    return all;
  }

 private:
  // Cuts [0, length) into kStreams slices and advances all of them in one
  // loop; each slice starts `overlap` bytes early, as ac_scan_slice() does.
  template <typename Emit>
  static void scan_interleaved(const AcTableView& table, const std::uint8_t* bytes, std::uint64_t length,
                               std::uint32_t overlap, Emit& emit) {
    const std::uint64_t slice = (length + kStreams - 1) / kStreams;
    std::array<std::uint64_t, kStreams> pos{};
    std::array<std::uint64_t, kStreams> end{};
    std::array<AcState, kStreams> state{};
    for (int k = 0; k < kStreams; ++k) {
      const std::uint64_t begin = std::min(length, slice * static_cast<std::uint64_t>(k));
      end[k] = std::min(length, begin + slice);
      const std::uint64_t from = begin > overlap ? begin - overlap : 0;
      for (std::uint64_t i = from; i < begin; ++i) state[k] = ac_step(table, state[k], bytes[i]);
      pos[k] = begin;
    }
    // All slices but the last have exactly `slice` bytes; run them in lockstep
    // for as long as the last one has bytes too.
    const std::uint64_t common = end[kStreams - 1] - pos[kStreams - 1];
    for (std::uint64_t i = 0; i < common; ++i) {
      for (int k = 0; k < kStreams; ++k) {
        state[k] = ac_step(table, state[k], bytes[pos[k] + i]);
        if (ac_is_output(table, state[k])) emit(pos[k] + i + 1, state[k]);
      }
    }
    for (int k = 0; k < kStreams; ++k) ac_scan(table, bytes, pos[k] + common, end[k], state[k], emit);
  }

  const KeywordAutomaton& automaton_;
};

}  // namespace

std::unique_ptr<KeywordMatcher> make_cpu_keyword_matcher(const KeywordAutomaton& automaton) {
  return std::make_unique<CpuKeywordMatcher>(automaton);
}

}  // namespace trawl
