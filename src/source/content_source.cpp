#include "source/content_source.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace trawl {
namespace {

constexpr std::string_view kLfsPointerPrefix = "version https://git-lfs.github.com/spec/v1\n";
constexpr std::size_t kLfsPointerMaxBytes = 1024;

}  // namespace

bool looks_binary(std::string_view bytes) {
  return std::memchr(bytes.data(), 0, std::min(bytes.size(), kBinaryProbeBytes)) != nullptr;
}

bool is_lfs_pointer(std::string_view bytes) {
  return bytes.size() <= kLfsPointerMaxBytes && bytes.starts_with(kLfsPointerPrefix);
}

void BatchFiller::add(const BlobKey& key, std::string_view bytes, const StageOneFound* found) {
  Filling& f = filling_.local();
  if (!f.taken) {
    f.batch = out_.take();
    f.taken = true;
  }
  BlobBatch& batch = f.batch;
  BlobEntry entry{key, batch.arena.size(), bytes.size()};
  if (found != nullptr) {
    entry.found = true;
    entry.keywords_at = static_cast<std::uint32_t>(batch.found_keywords.size());
    entry.keyword_count = static_cast<std::uint32_t>(found->keywords.size());
    entry.tokens_at = static_cast<std::uint32_t>(batch.found_tokens.size());
    entry.token_count = static_cast<std::uint32_t>(found->tokens.size());
    batch.found_keywords.insert(batch.found_keywords.end(), found->keywords.begin(), found->keywords.end());
    batch.found_tokens.insert(batch.found_tokens.end(), found->tokens.begin(), found->tokens.end());
  }
  batch.entries.push_back(entry);
  batch.arena.insert(batch.arena.end(), bytes.begin(), bytes.end());
  ++f.blobs;
  if (batch.arena.size() >= out_.batch_bytes()) {
    // Handed on whole: this thread never sees the batch again, so nothing
    // it runs while put() waits can touch it.
    out_.put(std::exchange(batch, BlobBatch{}));
    f.taken = false;
  }
}

void BatchFiller::finish() {
  for (Filling& f : filling_) {
    if (f.taken && !f.batch.entries.empty()) out_.put(std::move(f.batch));
    f.batch = BlobBatch{};
    f.taken = false;
  }
}

std::uint64_t BatchFiller::blobs() const {
  std::uint64_t n = 0;
  for (const Filling& f : filling_) n += f.blobs;
  return n;
}

}  // namespace trawl
