// The CUDA backend of stage 1: the prefilter on one or more NVIDIA GPUs,
// returning exactly what the CPU backend returns for the same batch. Each
// chunk of a batch is copied to a device once; the keyword kernel and, when
// token candidates are asked for, the entropy kernel both scan that copy.
// Host-only header.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/prefilter.h"

namespace trawl::cuda {

struct CudaOptions {
  std::vector<int> devices = {0};  // chunks of a batch are spread over these
  // Bytes of blob data per chunk on a device; three chunks are in flight per
  // device. A batch is cut into chunks, a blob larger than one into pieces.
  std::uint32_t chunk_bytes = 16u << 20;
};

// Throws BackendError when a device cannot be set up (no device, out of
// memory, no kernel image for it); run() throws it on a CUDA error mid-batch.
// The prefilter is fed one batch at a time (concurrent() is false; calls
// from several threads take turns).
std::unique_ptr<Prefilter> make_cuda_prefilter(const PrefilterTables& tables, const CudaOptions& options);

}  // namespace trawl::cuda
