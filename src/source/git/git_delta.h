// Git's delta format: how a packed object is rebuilt from a base object and
// a list of copy and insert instructions. Every read is bounds-checked: a
// corrupt or hostile delta yields an error, never an out-of-bounds access.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "content/stage_one_found.h"
#include "source/git/byte_buffer.h"

namespace trawl {

struct DeltaHeader {
  std::uint64_t base_size = 0;
  std::uint64_t result_size = 0;
  std::size_t instructions_at = 0;  // offset of the first instruction
};

// The sizes a delta declares; nullopt when the header is truncated.
std::optional<DeltaHeader> parse_delta_header(std::string_view delta);

// The largest result a delta of `delta_size` bytes with `header` can
// produce: a bound to refuse absurd declared sizes before allocating. A
// single copy instruction copies up to 0xffffff bytes.
std::uint64_t max_delta_result(const DeltaHeader& header, std::size_t delta_size);

// Applies `delta` to `base` into `out` (resized to the result size). Returns
// false, leaving `out` unspecified, when the delta is malformed: a size that
// does not match, a copy outside the base, a truncated instruction, an
// instruction byte of 0, or a result of the wrong length.
bool apply_delta(std::string_view base, std::string_view delta, std::vector<char>& out);
// The same into a reusable buffer.
bool apply_delta(std::string_view base, std::string_view delta, ByteBuffer& out);
// The same, listing the pieces of the result in `pieces`, in order, a copy
// of adjacent base ranges or a run of inserts as one piece (an insert's
// `from` is 0: its bytes are the result's). A result cut into more than one
// piece per 32 bytes (plus 16) gets no list: `pieces` is left empty.
bool apply_delta(std::string_view base, std::string_view delta, ByteBuffer& out, std::vector<DeltaPiece>& pieces);
// The same into `out`, which holds exactly the `header.result_size` bytes
// that `header` (parsed from `delta`) declares; the caller checks that size
// is plausible before allocating it.
bool apply_delta(std::string_view base, std::string_view delta, const DeltaHeader& header, char* out);

}  // namespace trawl
