// GPU benchmark of stage 1 with the full built-in ruleset: the keyword and
// entropy kernels' throughput over data already on the device, then the
// prefilters' throughput including transfers (Prefilter::run for keywords
// alone and for keywords and tokens from one copy, CUDA against CPU, results
// compared), each over three inputs: synthetic text dense with keywords (a
// keyword every few words: candidate handling dominates), synthetic text with
// as many candidates as real source code, and, given directories, their real
// text files.
// The whole `trawl scan --backend cuda` against `--backend cpu` is
// bench/gpu_bench.sh.
//
// usage: trawl_gpu_bench [MiB of blob data per input, default 512] [DIR...]
// With no usable CUDA device it says so and exits 0.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "engine/backends.h"
#include "engine/prefilter.h"
#include "engine/scanner.h"
#include "rules/rule_loader.h"

#if TRAWL_HAVE_CUDA
#include "chunk_kernels.h"
#include "cuda_prefilter.h"
#endif

namespace {

using trawl::BlobBatch;

#if TRAWL_HAVE_CUDA
// Everything below is measured only where the CUDA backend is compiled in.

constexpr double kEntropyThreshold = 3.5;

// Source-like text in 64 KiB blobs: identifiers, numbers, punctuation, and
// now and then a keyword or a random token, as in real histories. Dense: a
// word is a keyword one time in two, and one in 50 a token (about 74,000
// keyword candidates per MB). Like code: one in 64 a keyword and one in 70 a
// token, as many candidates per MB as Python sources give (about 2,700
// keyword and 2,100 token candidates).
BlobBatch synthetic_batch(std::size_t bytes, bool dense) {
  std::mt19937_64 rng(42);
  const char* keywords[] = {"password", "token", "key", "AKIA", "http://", "secret", "api_key", "ghp_"};
  const char* words[] = {"const",  "return", "value", "config", "user", "function",
                         "import", "self",   "data",  "=",      "(",    ");\n"};
  const std::string token_bytes = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::uint64_t keyword_odds = dense ? 2 : 64;
  const std::uint64_t token_odds = dense ? 50 : 70;
  BlobBatch batch;
  batch.arena.reserve(bytes + 4096);
  while (batch.arena.size() < bytes) {
    trawl::BlobEntry entry;
    entry.offset = batch.arena.size();
    while (batch.arena.size() - entry.offset < std::size_t{64} * 1024) {
      std::string piece =
          rng() % keyword_odds == 0 ? keywords[rng() % std::size(keywords)] : words[rng() % std::size(words)];
      if (rng() % token_odds == 0) {
        piece.assign(42, '"');
        for (int i = 1; i <= 40; ++i) piece[i] = token_bytes[rng() % token_bytes.size()];
      }
      piece += ' ';
      batch.arena.insert(batch.arena.end(), piece.begin(), piece.end());
    }
    entry.length = batch.arena.size() - entry.offset;
    batch.entries.push_back(entry);
  }
  return batch;
}

// The text files under `dirs` (no NUL byte in their first 8 KiB), each one
// blob, until `bytes` are read.
BlobBatch directory_batch(const std::vector<std::string>& dirs, std::size_t bytes) {
  BlobBatch batch;
  for (const std::string& dir : dirs) {
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(
             dir, std::filesystem::directory_options::skip_permission_denied, error);
         !error && it != std::filesystem::recursive_directory_iterator() && batch.arena.size() < bytes;
         it.increment(error)) {
      if (!it->is_regular_file(error) || it->is_symlink(error)) continue;
      std::ifstream in(it->path(), std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (text.empty() || text.find('\0') < std::size_t{8192}) continue;
      trawl::BlobEntry entry;
      entry.offset = batch.arena.size();
      entry.length = text.size();
      batch.arena.insert(batch.arena.end(), text.begin(), text.end());
      batch.entries.push_back(entry);
    }
  }
  return batch;
}

template <typename F>
double median_seconds(int runs, F&& f) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Seconds per launch of `kernel` over `batch` as one chunk on device 0,
// the data copied there beforehand.
double resident_seconds(const trawl::cuda::ChunkKernel& kernel, const BlobBatch& batch, std::uint32_t lead,
                        std::uint32_t trail) {
  using trawl::cuda::check;
  const auto capacity = static_cast<std::uint32_t>(batch.total_bytes());
  const std::vector<trawl::Chunk> chunks =
      trawl::plan_chunks(batch, {capacity, static_cast<std::uint32_t>(batch.entries.size()) + 1, lead, trail});
  const trawl::Chunk& chunk = chunks.at(0);
  std::vector<char> host(chunk.bytes + trawl::cuda::kInputPadding, 0);
  trawl::copy_chunk_bytes(batch, chunk, host.data());
  const std::uint32_t record_capacity = capacity / 8;
  const auto bytes = trawl::cuda::upload(reinterpret_cast<const std::uint8_t*>(host.data()), host.size());
  const auto segments = trawl::cuda::upload(chunk.segments.data(), chunk.segments.size());
  const auto records = trawl::cuda::device_buffer<std::byte>(std::size_t{record_capacity} * kernel.record_bytes());
  const auto record_count = trawl::cuda::device_buffer<std::uint32_t>(1);
  trawl::cuda::DeviceChunk device;
  device.bytes = bytes.get();
  device.byte_count = chunk.bytes;
  device.segments = segments.get();
  device.segment_count = static_cast<std::uint32_t>(chunk.segments.size());
  device.records = records.get();
  device.record_count = record_count.get();
  device.record_capacity = record_capacity;
  const trawl::cuda::Event start = trawl::cuda::make_event();
  const trawl::cuda::Event stop = trawl::cuda::make_event();
  constexpr int kLaunches = 10;
  // The count starts at zero before every launch, the warm-up's too.
  check(cudaMemsetAsync(device.record_count, 0, sizeof(std::uint32_t)), "memset");
  check(kernel.launch(device, nullptr), "warm-up launch");
  check(cudaEventRecord(start.get()), "event");
  for (int i = 0; i < kLaunches; ++i) {
    check(cudaMemsetAsync(device.record_count, 0, sizeof(std::uint32_t)), "memset");
    check(kernel.launch(device, nullptr), "launch");
  }
  check(cudaEventRecord(stop.get()), "event");
  check(cudaEventSynchronize(stop.get()), "kernel");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, start.get(), stop.get()), "event");
  std::uint32_t count = 0;
  check(cudaMemcpy(&count, device.record_count, sizeof(count), cudaMemcpyDeviceToHost), "copy");
  if (count > record_capacity) std::printf("  (record buffer overflowed: %u records)\n", count);
  return ms / 1000.0 / kLaunches;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  // Each line as it is printed: what came before a failure is kept.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string cuda_detail = "no cuda backend";
  bool cuda_usable = false;
  for (const trawl::BackendStatus& s : trawl::backend_statuses()) {
    if (s.name == "cuda") {
      cuda_usable = s.usable;
      cuda_detail = s.detail;
    }
  }
  if (!cuda_usable) {
    std::printf("trawl_gpu_bench: no usable CUDA device: %s\n", cuda_detail.c_str());
    return 0;
  }
#if TRAWL_HAVE_CUDA
  const std::size_t mib = argc > 1 ? std::stoul(argv[1]) : 512;
  const std::vector<std::string> dirs(argv + std::min(argc, 2), argv + argc);
  const trawl::RuleLoad rules = trawl::load_builtin_rules();
  const trawl::Scanner scanner(rules.rules);
  const trawl::KeywordAutomaton& automaton = scanner.automaton();
  const trawl::EntropyTable table(kEntropyThreshold);
  std::printf("device: %s\nruleset: built-in, %zu rules, %zu keywords, automaton %zu states, %zu table bytes\n",
              cuda_detail.c_str(), rules.rules.rules.size(), automaton.keyword_count(),
              static_cast<std::size_t>(automaton.view().state_count), automaton.table_bytes());

  const trawl::cuda::DeviceProperties props = trawl::cuda::device_properties(0);
  const trawl::cuda::KeywordChunkKernel keyword_kernel(automaton, props);
  const trawl::cuda::EntropyChunkKernel entropy_kernel(table, props);
  const trawl::PrefilterTables keywords_only{automaton};
  const trawl::PrefilterTables with_tokens{automaton, &table};
  auto gpu_keywords = trawl::cuda::make_cuda_prefilter(keywords_only, {});
  auto cpu_keywords = trawl::make_cpu_prefilter(keywords_only);
  auto gpu_both = trawl::cuda::make_cuda_prefilter(with_tokens, {});
  auto cpu_both = trawl::make_cpu_prefilter(with_tokens);

  bool all_identical = true;
  auto measure = [&](const char* label, const BlobBatch& batch) {
    if (batch.entries.empty()) {
      std::printf("\n%s: no data\n", label);
      return;
    }
    const double gb = static_cast<double>(batch.total_bytes()) / 1e9;
    const std::uint32_t overlap = automaton.overlap();
    const double keyword_s = resident_seconds(keyword_kernel, batch, overlap, 0);
    const double entropy_s = resident_seconds(entropy_kernel, batch, 1, trawl::kMaxTokenLength + 1);
    const trawl::BatchCandidates gpu_found = gpu_both->run(batch);
    const trawl::BatchCandidates cpu_found = cpu_both->run(batch);
    const bool same_keywords = gpu_keywords->run(batch).keywords == cpu_keywords->run(batch).keywords &&
                               gpu_found.keywords == cpu_found.keywords;
    const bool same_tokens = gpu_found.tokens == cpu_found.tokens;
    all_identical = all_identical && same_keywords && same_tokens;
    const double gpu_keywords_s = median_seconds(3, [&] { gpu_keywords->run(batch); });
    const double cpu_keywords_s = median_seconds(3, [&] { cpu_keywords->run(batch); });
    const double gpu_both_s = median_seconds(3, [&] { gpu_both->run(batch); });
    const double cpu_both_s = median_seconds(3, [&] { cpu_both->run(batch); });
    std::printf("\n%s: %.3f GB in %zu blobs; %.0f keyword and %.0f token candidates per MB\n", label, gb,
                batch.entries.size(), static_cast<double>(cpu_found.keywords.size()) / (gb * 1e3),
                static_cast<double>(cpu_found.tokens.size()) / (gb * 1e3));
    std::printf(
        "  device-resident: keyword kernel %.1f GB/s (table in %s memory, %u blocks x %u threads), "
        "entropy kernel %.1f GB/s\n",
        gb / keyword_s, keyword_kernel.table_in_shared_memory() ? "shared" : "global", keyword_kernel.geometry().blocks,
        keyword_kernel.geometry().threads_per_block, gb / entropy_s);
    std::printf(
        "  with transfers: keywords cuda %.2f GB/s, cpu %.2f GB/s (identical: %s); "
        "keywords and tokens cuda %.2f GB/s, cpu %.2f GB/s (identical: %s)\n",
        gb / gpu_keywords_s, gb / cpu_keywords_s, same_keywords ? "yes" : "NO", gb / gpu_both_s, gb / cpu_both_s,
        same_tokens ? "yes" : "NO");
  };
  measure("synthetic, dense keywords", synthetic_batch(mib << 20, true));
  measure("synthetic, keywords as often as in code", synthetic_batch(mib << 20, false));
  if (!dirs.empty()) measure("text files", directory_batch(dirs, mib << 20));
  return all_identical ? 0 : 1;
#else
  (void)argc;
  (void)argv;
  return 0;
#endif
}
