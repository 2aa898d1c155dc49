#include <cuda_runtime.h>

#include "device_probe.h"

namespace trawl::cuda {

DeviceProbe probe_devices() {
  DeviceProbe probe;
  const cudaError_t status = cudaGetDeviceCount(&probe.device_count);
  if (status != cudaSuccess) {
    probe.device_count = 0;
    probe.description = cudaGetErrorString(status);
    return probe;
  }
  if (probe.device_count == 0) {
    probe.description = "no CUDA device found";
    return probe;
  }
  for (int d = 0; d < probe.device_count; ++d) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, d) != cudaSuccess) continue;
    if (!probe.description.empty()) probe.description += ", ";
    probe.description +=
        std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ")";
  }
  probe.usable = true;
  return probe;
}

}  // namespace trawl::cuda
