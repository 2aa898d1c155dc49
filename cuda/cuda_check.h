// Turns a failed CUDA runtime call into a BackendError naming the call, so a
// scan can move its remaining batches to the CPU. Host-only header.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "engine/prefilter.h"

namespace trawl::cuda {

inline void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw BackendError(std::string("CUDA ") + what + ": " + cudaGetErrorString(status));
}

}  // namespace trawl::cuda
