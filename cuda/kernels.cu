#include <cooperative_groups.h>

#include <cub/device/device_merge_sort.cuh>

#include "kernels.h"

namespace trawl::cuda {
namespace {

namespace cg = cooperative_groups;

// One atomic per group of converged threads instead of one per thread.
template <typename Record>
__device__ void append(Record* out, std::uint32_t* count, std::uint32_t capacity, const Record& record) {
  const cg::coalesced_group active = cg::coalesced_threads();
  std::uint32_t base = 0;
  if (active.thread_rank() == 0) base = atomicAdd(count, active.num_threads());
  base = active.shfl(base, 0);
  const std::uint32_t at = base + active.thread_rank();
  if (at < capacity) out[at] = record;
}

__global__ void __launch_bounds__(kKeywordThreads) keyword_kernel(const KeywordKernelArgs a) {
  extern __shared__ uint4 shared[];
  auto* shared_bytes = reinterpret_cast<std::uint8_t*>(shared);
  AcTableView table = a.table;
  std::uint8_t* tile = shared_bytes;
  if (a.staged_table_bytes != 0) {
    const auto* from = reinterpret_cast<const uint4*>(a.table.next);
    for (std::uint32_t v = threadIdx.x; v < a.staged_table_bytes / 16; v += blockDim.x) shared[v] = from[v];
    table.next = reinterpret_cast<const AcState*>(shared_bytes);
    table.byte_class = shared_bytes + a.byte_class_offset;
    tile = shared_bytes + a.staged_table_bytes;
  }
  const std::uint64_t tile_bytes = a.geometry.tile_bytes();
  const std::uint64_t tiles = a.geometry.tile_count(a.chunk_bytes);
  for (std::uint64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const std::uint64_t tile_begin = t * tile_bytes;
    const std::uint64_t origin = staged_origin(tile_begin, a.lead_rows);
    const std::uint64_t tile_end = tile_begin + tile_bytes < a.chunk_bytes ? tile_begin + tile_bytes : a.chunk_bytes;
    const auto vectors = static_cast<std::uint32_t>((tile_end - origin + 15) / 16);
    __syncthreads();  // the table is staged, and the previous tile is no longer read
    const auto* from = reinterpret_cast<const uint4*>(a.bytes + origin);
    for (std::uint32_t v = threadIdx.x; v < vectors; v += blockDim.x) {
      const uint4 x = from[v];
      auto* to = reinterpret_cast<std::uint32_t*>(tile + staged_index(v * 16));
      to[0] = x.x;
      to[1] = x.y;
      to[2] = x.z;
      to[3] = x.w;
    }
    __syncthreads();
    const ThreadSlice slice = thread_slice(a.geometry, t, threadIdx.x, a.chunk_bytes);
    const StagedBytes bytes{tile, static_cast<std::uint32_t>(origin)};
    scan_keywords_in_slice(table, a.overlap, a.segments, a.segment_count, bytes, slice.begin, slice.end,
                           [&](std::uint32_t blob, std::uint32_t keyword, std::uint32_t end) {
                             append(a.out, a.out_count, a.out_capacity, KeywordRecord{blob, keyword, end});
                           });
  }
}

__global__ void __launch_bounds__(kEntropyThreads) entropy_kernel(const EntropyKernelArgs a) {
  __shared__ std::uint64_t count_log_count[kMaxTokenLength + 1];
  __shared__ std::uint16_t counts[kEntropyThreads * kTokenSymbols];
  for (std::uint32_t i = threadIdx.x; i <= kMaxTokenLength; i += blockDim.x) {
    count_log_count[i] = a.table.count_log_count[i];
  }
  for (std::uint32_t i = threadIdx.x; i < kEntropyThreads * kTokenSymbols; i += blockDim.x) counts[i] = 0;
  __syncthreads();
  EntropyTableView table = a.table;
  table.count_log_count = count_log_count;
  std::uint16_t* own_counts = counts + threadIdx.x * kTokenSymbols;
  const std::uint64_t tiles = a.geometry.tile_count(a.chunk_bytes);
  for (std::uint64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const ThreadSlice slice = thread_slice(a.geometry, t, threadIdx.x, a.chunk_bytes);
    scan_tokens_in_slice(table, a.segments, a.segment_count, a.bytes, slice.begin, slice.end, own_counts,
                         [&](const TokenCandidate& c) { append(a.out, a.out_count, a.out_capacity, c); });
  }
}

struct KeywordOrder {
  __device__ bool operator()(const KeywordRecord& x, const KeywordRecord& y) const {
    if (x.blob != y.blob) return x.blob < y.blob;
    if (x.keyword != y.keyword) return x.keyword < y.keyword;
    return x.end < y.end;
  }
};

struct TokenOrder {
  __device__ bool operator()(const TokenCandidate& x, const TokenCandidate& y) const {
    return x.blob != y.blob ? x.blob < y.blob : x.begin < y.begin;
  }
};

}  // namespace

std::size_t keyword_kernel_shared_bytes(std::uint32_t staged_table_bytes, std::uint32_t lead_rows) {
  const std::uint32_t rows = lead_rows + kKeywordThreads * kKeywordBytesPerThread / kStagedRowBytes;
  return std::size_t{staged_table_bytes} + std::size_t{rows} * (kStagedRowBytes + kStagedRowPadding);
}

cudaError_t prepare_keyword_kernel(std::size_t shared_bytes, int* blocks_per_multiprocessor) {
  const cudaError_t status =
      cudaFuncSetAttribute(keyword_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared_bytes));
  if (status != cudaSuccess) return status;
  return cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks_per_multiprocessor, keyword_kernel,
                                                       static_cast<int>(kKeywordThreads), shared_bytes);
}

cudaError_t launch_keyword_kernel(const KeywordKernelArgs& args, std::size_t shared_bytes, cudaStream_t stream) {
  keyword_kernel<<<args.geometry.blocks, args.geometry.threads_per_block, shared_bytes, stream>>>(args);
  return cudaGetLastError();
}

cudaError_t entropy_kernel_blocks_per_multiprocessor(int* blocks) {
  return cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks, entropy_kernel, static_cast<int>(kEntropyThreads), 0);
}

cudaError_t launch_entropy_kernel(const EntropyKernelArgs& args, cudaStream_t stream) {
  entropy_kernel<<<args.geometry.blocks, args.geometry.threads_per_block, 0, stream>>>(args);
  return cudaGetLastError();
}

std::size_t keyword_sort_scratch_bytes(std::uint32_t capacity) {
  std::size_t bytes = 0;
  cub::DeviceMergeSort::SortKeys(nullptr, bytes, static_cast<KeywordRecord*>(nullptr), capacity, KeywordOrder{});
  return bytes;
}

std::size_t token_sort_scratch_bytes(std::uint32_t capacity) {
  std::size_t bytes = 0;
  cub::DeviceMergeSort::SortKeys(nullptr, bytes, static_cast<TokenCandidate*>(nullptr), capacity, TokenOrder{});
  return bytes;
}

cudaError_t sort_keyword_records(KeywordRecord* records, std::uint32_t count, void* scratch, std::size_t scratch_bytes,
                                 cudaStream_t stream) {
  return cub::DeviceMergeSort::SortKeys(scratch, scratch_bytes, records, count, KeywordOrder{}, stream);
}

cudaError_t sort_token_records(TokenCandidate* records, std::uint32_t count, void* scratch, std::size_t scratch_bytes,
                               cudaStream_t stream) {
  return cub::DeviceMergeSort::SortKeys(scratch, scratch_bytes, records, count, TokenOrder{}, stream);
}

}  // namespace trawl::cuda
