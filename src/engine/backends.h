// Which matching backends this build has and which can run here.
#pragma once

#include <string>
#include <vector>

namespace trawl {

struct BackendStatus {
  std::string name;     // "cpu", "cuda"
  bool compiled = false;
  bool usable = false;
  std::string detail;   // devices found, or why the backend cannot run
};

std::vector<BackendStatus> backend_statuses();

}  // namespace trawl
