// A libFuzzer entry point for one target, chosen at compile time by
// TRAWL_FUZZ_TARGET (an index into kTargets).
#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  trawl::fuzz::kTargets[TRAWL_FUZZ_TARGET].run(data, size);
  return 0;
}
