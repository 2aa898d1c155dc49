// Owning handles for the CUDA runtime's resources: device buffers, pinned
// host buffers, streams and events each free themselves, so an object that
// holds several (a ring's slots, a kernel's tables) leaks nothing when its
// constructor throws halfway or when a scan gives up on the device. Release
// errors are ignored: after a failure the context may refuse even these, and
// the scan has moved on to the CPU. Host-only header.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <memory>

#include "cuda_check.h"

namespace trawl::cuda {

struct DeviceFree {
  void operator()(void* p) const noexcept { cudaFree(p); }
};
struct PinnedFree {
  void operator()(void* p) const noexcept { cudaFreeHost(p); }
};
struct StreamDestroy {
  void operator()(cudaStream_t stream) const noexcept { cudaStreamDestroy(stream); }
};
struct EventDestroy {
  void operator()(cudaEvent_t event) const noexcept { cudaEventDestroy(event); }
};

// `count` T in device memory (cudaMalloc), or in pinned host memory (cudaMallocHost).
template <typename T>
using DeviceBuffer = std::unique_ptr<T[], DeviceFree>;
template <typename T>
using PinnedBuffer = std::unique_ptr<T[], PinnedFree>;
using Stream = std::unique_ptr<CUstream_st, StreamDestroy>;
using Event = std::unique_ptr<CUevent_st, EventDestroy>;

// Each throws BackendError when the runtime refuses. A zero count still
// allocates one element, so every buffer has an address.
template <typename T>
DeviceBuffer<T> device_buffer(std::size_t count) {
  void* p = nullptr;
  check(cudaMalloc(&p, std::max<std::size_t>(count, 1) * sizeof(T)), "device alloc");
  return DeviceBuffer<T>(static_cast<T*>(p));
}

template <typename T>
PinnedBuffer<T> pinned_buffer(std::size_t count) {
  void* p = nullptr;
  check(cudaMallocHost(&p, std::max<std::size_t>(count, 1) * sizeof(T)), "pinned alloc");
  return PinnedBuffer<T>(static_cast<T*>(p));
}

// A stream that does not synchronize with the legacy default stream.
inline Stream make_stream() {
  cudaStream_t stream = nullptr;
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "stream create");
  return Stream(stream);
}

inline Event make_event() {
  cudaEvent_t event = nullptr;
  check(cudaEventCreate(&event), "event create");
  return Event(event);
}

// `count` T copied from the host into a new device buffer.
template <typename T>
DeviceBuffer<T> upload(const T* host, std::size_t count) {
  DeviceBuffer<T> device = device_buffer<T>(count);
  check(cudaMemcpy(device.get(), host, count * sizeof(T), cudaMemcpyHostToDevice), "copy table");
  return device;
}

}  // namespace trawl::cuda
