// The datastore in one SQLite file (datastore.h): WAL journal, one writer at
// a time (a second gets DatastoreError at once), the schema versioned in
// table trawl_schema and brought up to date by migrate() when opened.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/datastore.h"

namespace trawl {

// The schema this trawl writes; a file with a newer one is refused.
inline constexpr int kDatastoreSchemaVersion = 3;

class SqliteDatastore final : public Datastore {
 public:
  // Opens or creates the file at `path`. Throws DatastoreError naming it
  // when it is not a trawl datastore, has a newer schema, is damaged or
  // cannot be opened.
  explicit SqliteDatastore(const std::string& path);
  ~SqliteDatastore() override;
  SqliteDatastore(const SqliteDatastore&) = delete;
  SqliteDatastore& operator=(const SqliteDatastore&) = delete;

  void begin_scan(const StoreScan& scan) override;
  KnownBlobs known_blobs(const std::vector<BlobKey>& listed) override;
  void record_blob(const BlobKey& blob, BlobScanStatus status, const std::vector<Hit>& hits) override;
  void record_refs(const std::vector<RefInfo>& refs) override;
  std::optional<std::string> unchanged_result(const std::string& state) override;
  void record_result(const std::string& state, const std::string& result) override;
  void abandon_scan() override;
  std::string open_sweep(const std::string& key) override;
  std::vector<SweepRepository> sweep_repositories(const std::string& sweep) override;
  void record_sweep_repository(const std::string& sweep, const SweepRepository& repository) override;
  void close_sweep(const std::string& key, const std::string& sweep) override;
  void finish(const ReportContent& content) override;

  std::string latest_sweep() override;
  std::vector<Finding> stored_findings(const StoredSelection& selection) override;
  std::uint64_t stale_findings() override;
  void merge_from(const std::string& path) override;

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };

  // Runs `sql` (statements without results); throws DatastoreError.
  void exec(const std::string& sql);
  [[noreturn]] void fail(const std::string& what, int code) const;
  void migrate();
  void begin_write();

  struct Recording;
  // What this scan's rules left undone on a blob that ran rule set `set`.
  struct Missing {
    std::shared_ptr<const RuleMask> mask;  // null: nothing
    std::vector<std::string> digests;
  };
  // A blob known_blobs() gave to read again for its missing rules.
  struct Rescan {
    std::string set;
    std::string base;
    std::uint64_t classes = 0;
  };

  // The digests of rule set `set` (rows of ruleset_rules).
  const std::unordered_set<std::string>& members(const std::string& set);
  // The id of the set of `digests`, recorded in ruleset_rules.
  std::string record_set(const std::vector<std::string>& digests);
  // The blob's path classes; every class without a scope.
  std::uint64_t classes_of(const BlobKey& blob) const;
  // Whether the scan runs rule `r` on a blob of `classes`.
  bool runs(std::uint32_t r, std::uint64_t classes) const;
  // The set of rules the scan runs on a blob of `classes`.
  const std::string& run_set(std::uint64_t classes);
  const Missing& missing(const std::string& set, std::uint64_t classes);

  std::string path_;
  std::unique_ptr<sqlite3, Closer> db_;
  std::unique_ptr<Recording> recording_;
  bool writing_ = false;
  StoreScan scan_;
  std::string sweep_;
  std::vector<std::string> rule_digests_;  // per rule of scan_.rules
  std::unordered_set<std::string> current_digests_;
  std::string ruleset_;
  std::unordered_map<std::string, std::unordered_set<std::string>> members_;
  std::unordered_map<std::uint64_t, std::string> run_sets_;
  std::unordered_map<std::string, Missing> missing_;         // by set and classes
  std::unordered_map<std::string, std::string> wider_sets_;  // by set and classes: with the missing rules
  std::unordered_map<BlobKey, Rescan, BlobKeyHash> rescans_;
};

}  // namespace trawl
