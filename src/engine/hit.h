// A confirmed match of one rule in one blob: what stage 2 of the engine
// produces, before the verifier decides where (commit, path) it was
// introduced and whether an allowlist drops it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "content/blob_key.h"

namespace trawl {

struct Hit {
  std::uint32_t rule = 0;  // index into RuleSet::rules
  std::string secret;
  std::string match;
  std::string line;  // the line(s) holding the match, trimmed to a bounded width
  // 1-based positions of the secret; end_column is the column of its last byte.
  std::uint32_t start_line = 0;
  std::uint32_t start_column = 0;
  std::uint32_t end_line = 0;
  std::uint32_t end_column = 0;
  double entropy = 0.0;
};

struct BlobHits {
  BlobKey blob;
  std::vector<Hit> hits;  // sorted by position, then rule
  // Stage 2 stopped at kMaxHitsPerBlob distinct hits (scanner.h): the blob
  // may hold more than `hits`.
  bool truncated = false;
};

}  // namespace trawl
