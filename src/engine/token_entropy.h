// Entropy scoring of token-like runs, for generic-secret rules: a run is a
// maximal stretch of base64 / base64url / hex alphabet bytes, bounded by
// other bytes or the blob's edges, 16 to 256 bytes long. Each run's Shannon
// entropy (bits per byte) is computed; runs over a threshold are candidates.
//
// The entropy is computed in fixed point from a table of c*log2(c) built once
// on the host: the sum is integer arithmetic, so the CPU backend and the CUDA
// kernel (which is handed the same table) agree to the last bit, and whether
// a run passes the threshold never depends on which backend scored it.
//
// scan_tokens_in_range() is the per-thread step that both backends run
// unchanged. It is C++17 so nvcc compiles it.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#if !defined(__CUDA_ARCH__) && defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/host_device.h"

namespace trawl {

constexpr std::uint32_t kMinTokenLength = 16;
constexpr std::uint32_t kMaxTokenLength = 256;
// Distinct bytes a run can hold: A-Z a-z 0-9 + / - _ =.
constexpr std::uint32_t kTokenSymbols = 67;
constexpr std::uint8_t kNotTokenSymbol = 0xff;
// Fixed-point entropies are in units of 2^-32 bits per byte.
constexpr int kEntropyFractionBits = 32;

enum class TokenAlphabet : std::uint8_t { kHex = 0, kBase64 = 1, kBase64Url = 2 };

// token_symbol()'s arithmetic, the one definition of the alphabet.
TRAWL_HOST_DEVICE constexpr std::uint8_t token_symbol_of(std::uint8_t c) {
  if (c >= 'A' && c <= 'Z') return static_cast<std::uint8_t>(c - 'A');
  if (c >= 'a' && c <= 'z') return static_cast<std::uint8_t>(26 + c - 'a');
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(52 + c - '0');
  switch (c) {
    case '+':
      return 62;
    case '/':
      return 63;
    case '-':
      return 64;
    case '_':
      return 65;
    case '=':
      return 66;
    default:
      return kNotTokenSymbol;
  }
}

#if !defined(__CUDA_ARCH__)
// On the CPU one load per byte beats the comparisons (the scan reads every
// byte of every blob); a GPU thread keeps the arithmetic, since threads of a
// warp reading a table at scattered bytes would serialise.
struct TokenSymbolTable {
  std::uint8_t symbol[256];
};
constexpr TokenSymbolTable make_token_symbol_table() {
  TokenSymbolTable t{};
  for (int c = 0; c < 256; ++c) t.symbol[c] = token_symbol_of(static_cast<std::uint8_t>(c));
  return t;
}
inline constexpr TokenSymbolTable kTokenSymbolTable = make_token_symbol_table();
#endif

TRAWL_HOST_DEVICE inline std::uint8_t token_symbol(std::uint8_t c) {
#if defined(__CUDA_ARCH__)
  return token_symbol_of(c);
#else
  return kTokenSymbolTable.symbol[c];
#endif
}

#if !defined(__CUDA_ARCH__) && defined(__SSE2__)
// Bit i set when at[i] is not a token's byte, for 64 bytes (SSE2, which
// every x86-64 has): the alphabet of token_symbol().
inline std::uint64_t non_token_mask64(const std::uint8_t* at) {
  auto mask16 = [](const std::uint8_t* from) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from));
    auto in = [](__m128i x, char lo, char hi) {
      return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(lo - 1))),
                           _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(hi + 1))));
    };
    // Bytes from 0x80 are negative as signed chars: in no range.
    const __m128i letter = in(_mm_or_si128(c, _mm_set1_epi8(0x20)), 'a', 'z');
    const __m128i digit = in(c, '0', '9');
    const __m128i sign =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8('+')), _mm_cmpeq_epi8(c, _mm_set1_epi8('/'))),
                     _mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8('-')), _mm_cmpeq_epi8(c, _mm_set1_epi8('_'))));
    const __m128i token =
        _mm_or_si128(_mm_or_si128(letter, digit), _mm_or_si128(sign, _mm_cmpeq_epi8(c, _mm_set1_epi8('='))));
    return static_cast<std::uint64_t>(~static_cast<std::uint32_t>(_mm_movemask_epi8(token)) & 0xffffu);
  };
  return mask16(at) | mask16(at + 16) << 16 | mask16(at + 32) << 32 | mask16(at + 48) << 48;
}
#endif

// Where the next run of token length could start, from p (a byte where a
// run could start): p itself when bytes[p, p + kMinTokenLength) are all a
// token's, else a later such byte, with no run of token length starting in
// between. The caller makes sure kMinTokenLength bytes from p exist.
template <typename Bytes>
TRAWL_HOST_DEVICE inline std::uint32_t next_token_start(const Bytes& bytes, std::uint32_t p, std::uint32_t data_end) {
#if !defined(__CUDA_ARCH__) && defined(__SSE2__)
  if constexpr (std::is_pointer_v<Bytes>) {
    static_assert(kMinTokenLength == 16, "the shifts below find 16 token bytes in a row");
    if (data_end - p >= 64) {
      // 64 bytes at a time: bit i of `starts` is set when the 16 bytes from
      // p + i are all a token's, for the 49 positions whose 16 bytes are
      // within the 64. The first such position starts a run (the byte
      // before it is no token's, or is p's).
      const std::uint64_t other = non_token_mask64(bytes + p);
      std::uint64_t starts = ~other;
      starts &= starts >> 1;
      starts &= starts >> 2;
      starts &= starts >> 4;
      starts &= starts >> 8;
      constexpr std::uint64_t kPositions = (std::uint64_t{1} << 49) - 1;
      starts &= kPositions;
      if (starts != 0) return p + static_cast<std::uint32_t>(__builtin_ctzll(starts));
      // None: every position holds a byte that is no token's within 16, so
      // one of the 49 does; a run could start just after the last one.
      return p + 64 - static_cast<std::uint32_t>(__builtin_clzll(other & kPositions));
    }
  }
#endif
  (void)data_end;
  // No run of token length starts at or before the last byte in the next
  // kMinTokenLength that is not a token's: step past it.
  std::uint32_t probe = p + kMinTokenLength;
  while (probe > p && token_symbol(bytes[probe - 1]) != kNotTokenSymbol) --probe;
  return probe;
}

// One run over the threshold. `begin` is the offset in the blob.
struct TokenCandidate {
  std::uint32_t blob = 0;
  std::uint32_t begin = 0;
  std::uint32_t length = 0;
  TokenAlphabet alphabet = TokenAlphabet::kHex;
  std::uint64_t entropy_fixed = 0;  // bits per byte, in units of 2^-kEntropyFractionBits

  double entropy() const {
    return static_cast<double>(entropy_fixed) / static_cast<double>(1ull << kEntropyFractionBits);
  }
  friend bool operator==(const TokenCandidate& a, const TokenCandidate& b) {
    return a.blob == b.blob && a.begin == b.begin && a.length == b.length && a.alphabet == b.alphabet &&
           a.entropy_fixed == b.entropy_fixed;
  }
};

struct EntropyTableView {
  const std::uint64_t* count_log_count = nullptr;  // [kMaxTokenLength + 1]: c*log2(c), fixed point
  std::uint64_t threshold_fixed = 0;               // report runs whose entropy is strictly above this
};

// The host side of EntropyTableView: builds the table once.
class EntropyTable {
 public:
  explicit EntropyTable(double threshold_bits);
  EntropyTableView view() const { return {count_log_count_.data(), threshold_fixed_}; }
  const std::vector<std::uint64_t>& count_log_count() const { return count_log_count_; }
  std::uint64_t threshold_fixed() const { return threshold_fixed_; }

 private:
  std::vector<std::uint64_t> count_log_count_;
  std::uint64_t threshold_fixed_ = 0;
};

// Hex digits are 0-9 (52..61), a-f (26..31) and A-F (0..5).
TRAWL_HOST_DEVICE inline bool is_hex_symbol(std::uint8_t s) {
  return (s >= 52 && s <= 61) || (s >= 26 && s <= 31) || s <= 5;
}

// Which alphabet a run's symbols belong to, from each symbol seen.
struct RunAlphabet {
  bool beyond_hex = false;
  bool plus_slash = false;
  bool dash_underscore = false;

  TRAWL_HOST_DEVICE void add(std::uint8_t s) {
    beyond_hex |= !is_hex_symbol(s);
    plus_slash |= s == 62 || s == 63;
    dash_underscore |= s == 64 || s == 65;
  }
  // Both base64 alphabets' own symbols: no token.
  TRAWL_HOST_DEVICE bool mixed() const { return plus_slash && dash_underscore; }
  TRAWL_HOST_DEVICE TokenAlphabet alphabet() const {
    return !beyond_hex ? TokenAlphabet::kHex : dash_underscore ? TokenAlphabet::kBase64Url : TokenAlphabet::kBase64;
  }
};

// A run's entropy from `sum`, the sum of c*log2(c) over its symbols' counts:
// log2(n) - sum/n, as (n*log2 n - sum) / n in fixed point.
TRAWL_HOST_DEVICE inline std::uint64_t entropy_from_sum(const EntropyTableView& table, std::uint64_t sum,
                                                        std::uint32_t length) {
  const std::uint64_t whole = table.count_log_count[length];
  return whole > sum ? (whole - sum) / length : 0;
}

// Entropy of bytes[begin, begin + length) from its symbol counts:
// log2(n) - sum(c*log2 c)/n, as (n*log2 n - sum c*log2 c) / n in fixed point.
// Reads the run again to sum each symbol's term once and reset its count, so
// `counts` is all zero on return (re-reading beats a per-thread copy of the
// run, which a GPU would have to keep in local memory).
template <typename Bytes>
TRAWL_HOST_DEVICE inline std::uint64_t run_entropy_fixed(const EntropyTableView& table, const Bytes& bytes,
                                                         std::uint32_t begin, std::uint32_t length,
                                                         std::uint16_t* counts) {
  std::uint64_t sum = 0;
  for (std::uint32_t i = begin; i < begin + length; ++i) {
    const std::uint8_t s = token_symbol(bytes[i]);
    if (counts[s] != 0) {
      sum += table.count_log_count[counts[s]];
      counts[s] = 0;
    }
  }
  return entropy_from_sum(table, sum, length);
}

// Scans for runs that start in [begin, end) of bytes[data_begin, data_end)
// and calls on_token(run_begin, length, alphabet, entropy_fixed) for each run
// over the threshold. data_begin and data_end must be the blob's edges or lie
// at least 1 byte before `begin` and kMaxTokenLength + 1 bytes after `end`, so
// a run's edges are always seen. `counts` is kTokenSymbols zeroed counters and
// is left zeroed. Bytes is anything indexable by position (a pointer, or a
// view of a block's staged bytes).
template <typename Bytes, typename OnToken>
TRAWL_HOST_DEVICE inline void scan_tokens_in_range(const EntropyTableView& table, const Bytes& bytes,
                                                   std::uint32_t data_begin, std::uint32_t data_end,
                                                   std::uint32_t begin, std::uint32_t end, std::uint16_t* counts,
                                                   OnToken&& on_token) {
  std::uint32_t p = begin;
  // A run that started before `begin` belongs to whoever scans its start.
  if (p > data_begin && token_symbol(bytes[p - 1]) != kNotTokenSymbol) {
    while (p < end && token_symbol(bytes[p]) != kNotTokenSymbol) ++p;
  }
  // Here p is where a run could start: the data's first byte or a byte
  // after one that is not a token's (or a byte that is not a token's).
  while (p < end) {
    if (data_end - p < kMinTokenLength) break;  // no run of token length fits
    // Code is mostly words shorter than a token: step over them without
    // reading every byte.
    const std::uint32_t start = next_token_start(bytes, p, data_end);
    if (start != p) {
      p = start;
      continue;
    }
    // A run of at least kMinTokenLength bytes starts at p: find its end.
    const std::uint32_t limit = data_end - p > kMaxTokenLength + 1 ? p + kMaxTokenLength + 1 : data_end;
    std::uint32_t q = p + kMinTokenLength;
    while (q < limit && token_symbol(bytes[q]) != kNotTokenSymbol) ++q;
    const std::uint32_t length = q - p;
    if (length > kMaxTokenLength) {
      // Too long to be a token (embedded data, a long identifier): skip to its
      // end. Its entropy is not needed (the table stops at kMaxTokenLength).
      while (q < end && token_symbol(bytes[q]) != kNotTokenSymbol) ++q;
    } else {
      RunAlphabet seen;
#if defined(__CUDA_ARCH__)
      for (std::uint32_t i = p; i < q; ++i) {
        const std::uint8_t s = token_symbol(bytes[i]);
        ++counts[s];
        seen.add(s);
      }
      const std::uint64_t entropy = run_entropy_fixed(table, bytes, p, length, counts);
#else
      // On the CPU the run is read once: its distinct symbols are listed as
      // they first appear, and the sum and the alphabet come from the list.
      std::uint8_t distinct[kTokenSymbols];
      std::uint32_t distinct_count = 0;
      for (std::uint32_t i = p; i < q; ++i) {
        const std::uint8_t s = token_symbol(bytes[i]);
        if (counts[s]++ == 0) distinct[distinct_count++] = s;
      }
      std::uint64_t sum = 0;
      for (std::uint32_t k = 0; k < distinct_count; ++k) {
        const std::uint8_t s = distinct[k];
        seen.add(s);
        sum += table.count_log_count[counts[s]];
        counts[s] = 0;
      }
      const std::uint64_t entropy = entropy_from_sum(table, sum, length);
#endif
      if (!seen.mixed() && entropy > table.threshold_fixed) {
        on_token(p, length, seen.alphabet(), entropy);
      }
    }
    p = q;
  }
}

}  // namespace trawl
