// Whether this machine can run the CUDA backend: a usable device and a
// driver new enough for the code compiled in. Host-only header, so the rest
// of trawl includes it without nvcc.
#pragma once

#include <string>

namespace trawl::cuda {

struct DeviceProbe {
  bool usable = false;
  int device_count = 0;
  std::string description;  // device names, or the driver's reason there is none
};

DeviceProbe probe_devices();

}  // namespace trawl::cuda
