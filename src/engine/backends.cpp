#include "engine/backends.h"

#include <tbb/info.h>

#if TRAWL_HAVE_CUDA
#include "cuda_prefilter.h"
#include "device_probe.h"
#endif

namespace trawl {
namespace {

#if !TRAWL_HAVE_CUDA
// Why the CUDA backend cannot run, in --version and in --backend's errors.
constexpr const char* kNotCompiledIn = "trawl was built without the CUDA toolkit";
#endif

}  // namespace

std::vector<BackendStatus> backend_statuses() {
  std::vector<BackendStatus> out;
  out.push_back({"cpu", true, true, std::to_string(tbb::info::default_concurrency()) + " threads (TBB)"});
#if TRAWL_HAVE_CUDA
  const cuda::DeviceProbe probe = cuda::probe_devices();
  out.push_back({"cuda", true, probe.usable, probe.description});
#else
  out.push_back({"cuda", false, false, kNotCompiledIn});
#endif
  return out;
}

std::unique_ptr<Prefilter> make_prefilter(const BackendRequest& request, const PrefilterTables& tables,
                                          std::ostream& log) {
  if (request.name != "auto" && request.name != "cuda" && request.name != "cpu") {
    throw BackendUnavailable("unknown backend '" + request.name + "' (expected auto, cuda or cpu)");
  }
  if (request.name == "cpu") {
    log << "trawl: backend cpu\n";
    return make_cpu_prefilter(tables);
  }
#if TRAWL_HAVE_CUDA
  const cuda::DeviceProbe probe = cuda::probe_devices();
  const std::string reason = probe.description;
  if (probe.usable) {
    cuda::CudaOptions options;
    options.devices = request.gpus;
    if (options.devices.empty()) {
      for (int d = 0; d < probe.device_count; ++d) options.devices.push_back(d);
    }
    for (int d : options.devices) {
      if (d < 0 || d >= probe.device_count) {
        throw BackendUnavailable("--gpus: no CUDA device " + std::to_string(d) + " (this machine has " +
                                 std::to_string(probe.device_count) + ")");
      }
    }
    // The device's context, kernels and buffers start while the scan lists
    // its content; if they cannot, the first batch moves the scan to the CPU
    // with a warning, as a failure mid-scan does.
    std::unique_ptr<Prefilter> gpu = make_starting_prefilter(
        "cuda", false, [tables, options] { return cuda::make_cuda_prefilter(tables, options); });
    log << "trawl: backend cuda (" << probe.description << ")\n";
    return make_fallback_prefilter(std::move(gpu), make_cpu_prefilter(tables), log);
  }
#else
  const std::string reason = kNotCompiledIn;
#endif
  if (request.name == "cuda") throw BackendUnavailable("--backend cuda: no usable CUDA device: " + reason);
  log << "trawl: backend cpu (no usable CUDA device: " << reason << ")\n";
  return make_cpu_prefilter(tables);
}

}  // namespace trawl
