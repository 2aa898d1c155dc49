// Shannon entropy of a byte string in bits per byte: how random a candidate
// secret looks. "aaaa" scores 0; 32 random hex digits about 3.7; random
// base64 about 5.5 and more.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "engine/host_device.h"

namespace trawl {

TRAWL_HOST_DEVICE inline double shannon_entropy_from_counts(const std::uint32_t* counts, std::uint32_t length) {
  if (length == 0) return 0.0;
  double entropy = 0.0;
  const double n = static_cast<double>(length);
  for (int i = 0; i < 256; ++i) {
    if (counts[i] == 0) continue;
    const double p = static_cast<double>(counts[i]) / n;
    entropy -= p * log2(p);
  }
  return entropy;
}

inline double shannon_entropy(std::string_view bytes) {
  std::uint32_t counts[256] = {};
  for (unsigned char c : bytes) ++counts[c];
  return shannon_entropy_from_counts(counts, static_cast<std::uint32_t>(bytes.size()));
}

}  // namespace trawl
