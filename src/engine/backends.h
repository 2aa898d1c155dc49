// Which stage-1 backends this build has, which can run here, and choosing
// one for a scan (--backend auto|cuda|cpu, --gpus).
#pragma once

#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/prefilter.h"

namespace trawl {

struct BackendStatus {
  std::string name;  // "cpu", "cuda"
  bool compiled = false;
  bool usable = false;
  std::string detail;  // devices found, or why the backend cannot run
};

std::vector<BackendStatus> backend_statuses();

struct BackendRequest {
  std::string name = "auto";  // auto, cuda or cpu
  std::vector<int> gpus;      // CUDA devices to use; empty: all of them
};

// The requested backend cannot run here (cuda with no usable device, an
// unknown name, a device that does not exist).
class BackendUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The prefilter for `request`, over `tables` (which must outlive it). `auto`
// takes CUDA when a device is usable, else the CPU, and says on `log` which
// it took and why. A CUDA prefilter falls back to the CPU for the rest of the
// scan if a CUDA error interrupts it (make_fallback_prefilter). Throws
// BackendUnavailable.
std::unique_ptr<Prefilter> make_prefilter(const BackendRequest& request, const PrefilterTables& tables,
                                          std::ostream& log);

}  // namespace trawl
