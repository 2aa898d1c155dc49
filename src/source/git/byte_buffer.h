// Reusable byte buffers for inflating and rebuilding objects.
//
// ByteBuffer grows without zero-filling (every byte is about to be
// overwritten by an inflate or a delta) and keeps its capacity, and
// BufferPool hands buffers back out instead of freeing them: a history scan
// rebuilds hundreds of thousands of objects, and allocating each afresh cost
// a page fault for every page of every object.
#pragma once

#include <tbb/enumerable_thread_specific.h>

#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace trawl {

class ByteBuffer {
 public:
  char* data() { return bytes_.get(); }
  const char* data() const { return bytes_.get(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  std::string_view view() const { return {bytes_.get(), size_}; }

  // Makes the buffer hold `size` bytes of unspecified content; what it held
  // before is not kept.
  void reset(std::size_t size) {
    if (size > capacity_) {
      bytes_ = std::make_unique_for_overwrite<char[]>(size);
      capacity_ = size;
    }
    size_ = size;
  }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Free buffers, kept per thread. Safe to use from any number of threads; a
// buffer may be returned by a thread other than the one that took it.
class BufferPool {
 public:
  // Capacity each thread keeps in free buffers at most; a buffer returned
  // beyond it is freed.
  static constexpr std::size_t kMaxKeptBytesPerThread = std::size_t{64} << 20;

  // A buffer from the pool, returned to it when destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(BufferPool* pool, std::unique_ptr<ByteBuffer> buffer) : pool_(pool), buffer_(std::move(buffer)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        release();
        pool_ = other.pool_;
        buffer_ = std::move(other.buffer_);
      }
      return *this;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { release(); }

    ByteBuffer& operator*() const { return *buffer_; }
    ByteBuffer* operator->() const { return buffer_.get(); }
    void release() {
      if (buffer_ && pool_ != nullptr) pool_->give(std::move(buffer_));
      buffer_.reset();
    }

   private:
    BufferPool* pool_ = nullptr;
    std::unique_ptr<ByteBuffer> buffer_;
  };

  Lease take() {
    FreeList& free = free_.local();
    if (free.buffers.empty()) return {this, std::make_unique<ByteBuffer>()};
    std::unique_ptr<ByteBuffer> buffer = std::move(free.buffers.back());
    free.buffers.pop_back();
    free.bytes -= buffer->capacity();
    return {this, std::move(buffer)};
  }

 private:
  struct FreeList {
    std::vector<std::unique_ptr<ByteBuffer>> buffers;
    std::size_t bytes = 0;  // their capacity, summed
  };

  void give(std::unique_ptr<ByteBuffer> buffer) {
    FreeList& free = free_.local();
    if (free.bytes + buffer->capacity() > kMaxKeptBytesPerThread) return;
    free.bytes += buffer->capacity();
    free.buffers.push_back(std::move(buffer));
  }

  tbb::enumerable_thread_specific<FreeList> free_;
};

}  // namespace trawl
