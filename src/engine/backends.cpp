#include "engine/backends.h"

#include <tbb/info.h>

#if TRAWL_HAVE_CUDA
#include "device_probe.h"
#endif

namespace trawl {

std::vector<BackendStatus> backend_statuses() {
  std::vector<BackendStatus> out;
  out.push_back({"cpu", true, true, std::to_string(tbb::info::default_concurrency()) + " threads (TBB)"});
#if TRAWL_HAVE_CUDA
  const cuda::DeviceProbe probe = cuda::probe_devices();
  out.push_back({"cuda", true, probe.usable, probe.description});
#else
  out.push_back({"cuda", false, false, "not compiled in (built without the CUDA toolkit)"});
#endif
  return out;
}

}  // namespace trawl
