#include "engine/token_entropy.h"

#include <cmath>

namespace trawl {

EntropyTable::EntropyTable(double threshold_bits) : count_log_count_(kMaxTokenLength + 1) {
  const double scale = static_cast<double>(1ull << kEntropyFractionBits);
  for (std::uint32_t c = 2; c <= kMaxTokenLength; ++c) {
    const double v = static_cast<double>(c) * std::log2(static_cast<double>(c));
    count_log_count_[c] = static_cast<std::uint64_t>(std::llround(v * scale));
  }
  threshold_fixed_ = threshold_bits <= 0 ? 0 : static_cast<std::uint64_t>(std::llround(threshold_bits * scale));
}

}  // namespace trawl
