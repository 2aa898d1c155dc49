// `trawl sweep`: many repositories, listed in a manifest, scanned into one
// datastore. Remote repositories are mirrored into a clone cache with
// libgit2 and fetched incrementally on later sweeps; the manifest is split
// into shards that keep each fork network together; a round interrupted
// (a shard killed) resumes where it stopped when run again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "scan/scans.h"
#include "store/datastore.h"

namespace trawl {

// One repository of a manifest: one JSON object on one line.
struct SweepEntry {
  std::string name;     // unique in the manifest; a path entry without one is named by its path
  std::string url;      // cloned into the clone cache; or
  std::string path;     // a local repository (relative: to the manifest's directory)
  std::string fork_of;  // the name of the repository it was forked from; empty: none
  // Its weight in balancing shards, in any unit the manifest uses throughout
  // (a hosting API's size in KiB, say); absent: the average of those given.
  std::optional<std::uint64_t> size;
  std::size_t line = 0;

  bool operator==(const SweepEntry&) const = default;
};

struct SweepManifest {
  std::string digest;  // SHA-256 of the file's bytes
  std::vector<SweepEntry> entries;
};

// Reads a manifest: JSON lines, each {"name", "url"} or {"path"} with an
// optional "name" and "fork_of"; blank lines are allowed. Throws UsageError
// naming the file and line of the first that is not such an object, a name
// given twice, or a fork_of chain that loops.
SweepManifest read_sweep_manifest(const std::string& path);

struct Shard {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
};

// "I/N" (0 <= I < N); UsageError otherwise.
Shard parse_shard(const std::string& text);

// The shard the scheduler's environment names: JOB_COMPLETION_INDEX with
// TRAWL_SHARD_COUNT (a Kubernetes Indexed Job), else SLURM_ARRAY_TASK_ID
// with SLURM_ARRAY_TASK_COUNT (less SLURM_ARRAY_TASK_MIN, in steps of
// SLURM_ARRAY_TASK_STEP, where set); else 0/1. `env` maps each variable
// set to its value. UsageError for a value that is not a shard.
Shard shard_from_environment(const std::map<std::string, std::string>& env);

// The entries of `manifest` that fall in `shard`, in the order they are
// swept: each fork network together (fork_of followed to a name with no
// fork_of, or to one the manifest lacks), its root first; the shards are
// disjoint and cover the manifest. Without sizes in the manifest, a
// network's shard is a hash of its root's name, so an entry stays in its
// shard when others are added. With sizes, networks go largest first to the
// shard that holds least so far: no shard holds more than the average plus
// the largest network, and the assignment is fixed for a given manifest
// (a resumed shard sees the same entries), not across manifests.
std::vector<SweepEntry> shard_entries(const SweepManifest& manifest, const Shard& shard);

struct SweepOptions {
  std::string manifest_path;
  std::string clone_dir;  // where URL entries are mirrored; needed when the shard has any
  unsigned jobs = 4;      // mirrors cloned or fetched at once
  Shard shard;
  std::string sweep_id;  // empty: the manifest's digest names the sweep
  // Rules, sizes, threads and backend for every repository's scan; the
  // rules files of the repositories themselves are never read.
  GitScanOptions scan;
};

struct SweepResult {
  std::string key;                 // the sweep: its id or manifest digest, and the shard
  std::string round;               // the store's id of this round
  std::uint64_t repositories = 0;  // in the shard
  std::uint64_t done = 0;          // swept by this run
  std::uint64_t already_done = 0;  // swept by the interrupted run this one resumed
  std::uint64_t failed = 0;
  std::uint64_t blobs_read = 0;
  std::uint64_t blobs_known = 0;
  // Swept repositories whose content had not changed since their last
  // complete scan: its result was reused, their history not walked.
  std::uint64_t unchanged = 0;
  std::uint64_t new_findings = 0;  // introduced in this round
};

// Sweeps the shard's repositories into `store`: mirrors are cloned or
// fetched `jobs` at a time; scans run one after another through the one
// store, each on every core. A repository that cannot be cloned, fetched or
// scanned is recorded as failed with why (and said on `log`), and the sweep
// goes on. Throws UsageError for a bad manifest or options, DatastoreError
// when the store fails.
SweepResult run_sweep(const SweepOptions& options, Datastore& store, std::ostream& log);

// The one-line summary of a sweep for stderr.
std::string format_sweep_summary(const SweepResult& result);

}  // namespace trawl
