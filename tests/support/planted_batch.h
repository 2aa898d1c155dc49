// Random batches for comparing matching backends: blobs of random text with
// keywords planted in varied case, and token-like runs of every length near
// the limits, at random places and at the places where slices, tiles and
// chunks meet. Sizes include empty and one-byte blobs and blobs larger than
// a device chunk. Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "content/blob_batch.h"

namespace trawl::test {

// Keywords whose longest (100 bytes) makes the overlap cross more than one
// staged row.
inline std::vector<std::string> planted_keywords() {
  return {"akia",
          "password",
          "secret_key",
          "ghp_",
          "-----begin",
          "token",
          "xoxb-",
          "aws",
          "sk_live_",
          std::string(40, 'q') + "long",
          std::string(96, 'z') + "huge"};
}

inline void append_blob(BlobBatch& batch, const std::string& text) {
  BlobEntry entry;
  entry.offset = batch.arena.size();
  entry.length = text.size();
  batch.arena.insert(batch.arena.end(), text.begin(), text.end());
  batch.entries.push_back(entry);
}

// `boundary` is where the caller's slices or chunks meet; keywords and runs
// are also planted across multiples of it.
inline BlobBatch planted_batch(std::uint32_t seed, std::uint32_t boundary, std::uint32_t large_blob_bytes) {
  std::mt19937 rng(seed);
  const std::vector<std::string> keywords = planted_keywords();
  const std::string token_bytes = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=";
  const std::string filler = "abcdeqz =\n\t:;\"'.,(){}AKIPSWORDghp_kx0123456789";
  auto pick = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  auto random_token = [&](std::uint32_t length) {
    std::string t;
    // Mostly one alphabet, so all three classifications occur.
    const std::uint32_t alphabet = pick(3);
    const std::string hex = "0123456789abcdefABCDEF";
    for (std::uint32_t i = 0; i < length; ++i) {
      if (alphabet == 0) {
        t += hex[pick(static_cast<std::uint32_t>(hex.size()))];
      } else {
        t += token_bytes[pick(alphabet == 1 ? 64 : static_cast<std::uint32_t>(token_bytes.size()))];
      }
    }
    return t;
  };
  auto plant = [&](std::string& text, std::uint32_t at) {
    std::string what;
    if (pick(2) == 0) {
      what = keywords[pick(static_cast<std::uint32_t>(keywords.size()))];
      for (char& c : what) {
        if (pick(2) == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
    } else {
      const std::uint32_t lengths[] = {15, 16, 17, 64, 255, 256, 257, 300};
      what = random_token(lengths[pick(8)]);
      what.push_back(' ');
      what.insert(what.begin(), ' ');
    }
    const std::uint32_t start = at > what.size() / 2 ? at - static_cast<std::uint32_t>(what.size() / 2) : 0;
    if (start + what.size() <= text.size()) text.replace(start, what.size(), what);
  };
  auto random_text = [&](std::uint32_t length) {
    std::string text(length, ' ');
    for (char& c : text) c = filler[pick(static_cast<std::uint32_t>(filler.size()))];
    for (std::uint32_t n = length / 40 + 1; n > 0; --n) plant(text, pick(length + 1));
    for (std::uint32_t b = boundary; b < length; b += boundary) plant(text, b + pick(9) - 4);
    return text;
  };

  BlobBatch batch;
  append_blob(batch, "");
  append_blob(batch, "a");
  append_blob(batch, random_text(large_blob_bytes));
  append_blob(batch, "");
  for (int i = 0; i < 40; ++i) append_blob(batch, random_text(pick(3 * boundary)));
  append_blob(batch, "k");
  append_blob(batch, random_text(large_blob_bytes + pick(boundary)));
  append_blob(batch, std::string(600, 'A') + " " + random_token(200));
  return batch;
}

}  // namespace trawl::test
