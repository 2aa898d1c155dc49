// Runs a piece of a test in a forked child under resource limits (an
// address-space ceiling, a file-descriptor limit, another user), so a test
// can assert that code stays within a bound without the bound applying to
// the whole test binary. The body runs on the child's only thread: it must
// not use TBB's pools, which the fork does not carry.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace trawl::test {

struct ChildLimits {
  // Bytes of address space the body may add to what the child has mapped
  // when it starts (RLIMIT_AS); 0: no ceiling.
  std::size_t address_space_headroom = 0;
  // File descriptors the body may open beyond those open when it starts
  // (RLIMIT_NOFILE); nullopt: no limit.
  std::optional<std::size_t> more_open_files;
  // Run as this user and group (the child must start as root); nullopt: stay.
  std::optional<uid_t> user;
};

struct ChildOutcome {
  bool completed = false;  // the body returned; false: it threw or the child died
  std::string output;      // what the body returned, or why it did not complete
};

// Forks, applies `limits` in the child, runs `body` there and hands back
// what it returned.
ChildOutcome run_in_child(const std::function<std::string()>& body, const ChildLimits& limits);

}  // namespace trawl::test
