#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <thrust/sort.h>
#include <thrust/system/tbb/execution_policy.h>

#include "engine/keyword_matcher.h"

namespace trawl {
namespace {

class CpuKeywordMatcher final : public KeywordMatcher {
 public:
  explicit CpuKeywordMatcher(const KeywordAutomaton& automaton) : automaton_(automaton) {}

  std::string_view backend_name() const override { return "cpu"; }

  std::vector<Candidate> match(const BlobBatch& batch) override {
    const AcTableView table = automaton_.view();
    const std::size_t keyword_count = automaton_.keyword_count();
    struct Local {
      std::vector<Candidate> found;
      std::vector<std::uint32_t> seen_in;  // per keyword: 1 + the last blob it was seen in
    };
    tbb::enumerable_thread_specific<Local> locals([&] { return Local{{}, std::vector<std::uint32_t>(keyword_count, 0)}; });

    tbb::parallel_for(std::size_t{0}, batch.entries.size(), [&](std::size_t b) {
      Local& local = locals.local();
      const auto blob = static_cast<std::uint32_t>(b);
      const BlobEntry& entry = batch.entries[b];
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(batch.arena.data() + entry.offset);
      ac_scan(table, bytes, 0, entry.length, AcState{0}, [&](std::uint64_t end, AcState state) {
        const std::uint32_t i = state - table.first_output_state;
        for (std::uint32_t o = table.output_offsets[i]; o < table.output_offsets[i + 1]; ++o) {
          const std::uint32_t keyword = table.output_keywords[o];
          if (local.seen_in[keyword] == blob + 1) continue;
          local.seen_in[keyword] = blob + 1;
          local.found.push_back({blob, keyword, static_cast<std::uint32_t>(end)});
        }
      });
    });

    std::vector<Candidate> all;
    for (Local& local : locals) all.insert(all.end(), local.found.begin(), local.found.end());
    thrust::sort(thrust::tbb::par, all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
      return a.blob != b.blob ? a.blob < b.blob : a.keyword < b.keyword;
    });
    return all;
  }

 private:
  const KeywordAutomaton& automaton_;
};

}  // namespace

std::unique_ptr<KeywordMatcher> make_cpu_keyword_matcher(const KeywordAutomaton& automaton) {
  return std::make_unique<CpuKeywordMatcher>(automaton);
}

}  // namespace trawl
