// The incremental datastore: what earlier scans found, kept so that a
// re-scan pays only for what is new. It keys each blob's scan by (blob key,
// the set of rules that ran on it, engine version) with its status, each
// match by (rule digest, blob, span), each finding by (rule id, secret SHA-256) so the same secret
// anywhere is one finding, and each place a finding was introduced by
// (repository, commit, path, line). A scan (scan/scan.h) asks the store
// which listed blobs it already knows, reads only the others, records what
// it read, and hands the findings to the store as to any FindingSink.
//
// One abstract interface over one logic (sql_datastore.h): an SQLite file
// (sqlite_datastore.h) by default, or a PostgreSQL server shared by several
// writers (postgres_datastore.h) for a location `postgresql://…`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "content/blob_key.h"
#include "content/provenance.h"
#include "engine/hit.h"
#include "engine/path_scope.h"
#include "report/finding_sink.h"
#include "rules/rule.h"
#include "verify/attribution.h"
#include "verify/finding.h"

namespace trawl {

// A file or server that cannot serve as a datastore: not one, a newer
// schema, damaged, or held by another writer. The message names it.
class DatastoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a scan that records into the store is.
struct StoreScan {
  std::string repository;          // what its locations name: a repository's path or URL, a directory
  const RuleSet* rules = nullptr;  // the scan's rules; must outlive the scan
  std::uint64_t max_blob_size = 0;
  // --redact: findings are stored masked, and the store keeps no secret
  // text for matches (those blobs are read again by later scans).
  unsigned redact_percent = 0;
  // The scan's path scope (engine/path_scope.h), filled before
  // known_blobs(); null: every rule runs on every blob. A rule it skips on
  // a blob is recorded as not run there, and runs there once the blob
  // appears at a path the rule matches.
  const PathScope* scope = nullptr;
  // Non-empty: the sweep id to record under (open_sweep()), shared by the
  // repositories of one `trawl sweep`; empty: a new sweep of its own.
  std::string sweep;
};

// What the store already knows of a scan's listed blobs.
// The store records, per blob, which rules ran on it (by rule digest) and
// every hit they found before stage 2's choice of one hit per span
// (rules/span_choice.h), so that rules run later join the same choice.
struct KnownBlobs {
  // Not to be read again: every rule the scan runs on it (all of them, or
  // those the scope lets run) ran on it at the same engine version; or
  // binary, or too large for the size limit.
  std::unordered_set<BlobKey, BlobKeyHash> known;
  // Known blobs some of whose rules have not run on them (rules added or
  // edited since, or a rule with a path the blob now appears at): read
  // again, for those rules only.
  RuleSubsets rescan;
  // The stored hits of known and rescanned blobs that have any, of rules
  // the scan runs on them, unchosen; Hit::rule indexes the scan's rules.
  HitsByBlob hits;
};

enum class BlobScanStatus : std::uint8_t { kScanned, kTooLarge, kBinary, kError };

// Which stored findings a report shows.
struct StoredSelection {
  bool only_new = false;    // introduced in the latest sweep
  std::string since_sweep;  // non-empty: introduced after this sweep
  std::string in_sweep;     // non-empty: introduced in this sweep
};

// A repository's outcome in a round of `trawl sweep`.
struct SweepRepository {
  std::string repository;  // the manifest's name for it
  std::string status;      // "done" or "failed"
  std::string message;     // why it failed; empty when done
};

class Datastore : public FindingSink {
 public:
  // Starts a sweep that records `scan`; the store is held for writing until
  // finish(). Throws DatastoreError when another writer holds it.
  virtual void begin_scan(const StoreScan& scan) = 0;
  // Which of `listed` the store knows (see KnownBlobs).
  virtual KnownBlobs known_blobs(const std::vector<BlobKey>& listed) = 0;
  // A blob this scan read (or tried to), with its hits (rule indices into
  // the scan's rules, unchosen). Replaces what the store held for it; for
  // a blob known_blobs() gave to rescan, adds the rules run and their hits.
  virtual void record_blob(const BlobKey& blob, BlobScanStatus status, const std::vector<Hit>& hits) = 0;
  // The refs the scan walked, with their tips.
  virtual void record_refs(const std::vector<RefInfo>& refs) = 0;
  // The result (scan/stored_result.h) the repository's last complete scan
  // recorded under `state` (a digest of its content's listing state, its
  // rules, suppressions and options); nullopt when that scan recorded
  // another state, or none.
  virtual std::optional<std::string> unchanged_result(const std::string& state) = 0;
  // Records the scan's result under `state` as the repository's last
  // complete scan, for a later scan in the same state to report again
  // without listing or reading. A redacted store records none: it would
  // hold the secrets.
  virtual void record_result(const std::string& state, const std::string& result) = 0;
  // Drops what the scan begun by begin_scan() recorded (the scan failed).
  virtual void abandon_scan() = 0;

  // A sweep's rounds: `key` names a sweep (its manifest and shard, or an id
  // given); a round is one run over its repositories. Returns the id of
  // key's round that has not closed (one interrupted), else of a new round.
  virtual std::string open_sweep(const std::string& key) = 0;
  // What the round `sweep` recorded of its repositories.
  virtual std::vector<SweepRepository> sweep_repositories(const std::string& sweep) = 0;
  virtual void record_sweep_repository(const std::string& sweep, const SweepRepository& repository) = 0;
  // Every repository of the round was swept: the next open_sweep(key)
  // starts a new round.
  virtual void close_sweep(const std::string& key, const std::string& sweep) = 0;

  // The id of the latest sweep; empty when there is none.
  virtual std::string latest_sweep() = 0;
  // Stored findings, one per location, in report order (repository, date,
  // commit, path, line, column, rule). Findings of rules the latest sweep
  // no longer runs are stale and left out, and so are locations the latest
  // scan of their repository no longer saw (history rewritten or refs
  // deleted since): each repository's locations are those of its latest scan.
  virtual std::vector<Finding> stored_findings(const StoredSelection& selection) = 0;
  // Findings of rules the latest sweep no longer runs.
  virtual std::uint64_t stale_findings() = 0;
  // Adds what the store at `path` holds; merging is idempotent and the
  // result does not depend on the order of merges.
  virtual void merge_from(const std::string& path) = 0;
};

// Opens (creating when absent) the datastore at `location`: a PostgreSQL
// URL (`postgresql://` or `postgres://`), else an SQLite file's path.
// Throws DatastoreError naming it when it cannot be used.
std::unique_ptr<Datastore> open_datastore(const std::string& location);

// Whether `location` names a PostgreSQL server rather than a file.
bool is_server_location(const std::string& location);

// `location` as messages and reports show it: a URL's password (in its
// user information or a `password` parameter) masked.
std::string datastore_name(const std::string& location);

}  // namespace trawl
