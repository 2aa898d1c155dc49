// The datastore's logic over any SQL database (sql_connection.h): the schema,
// versioned in table trawl_schema and brought up to date by migrate() when
// opened, and every read and write of datastore.h. SQLite
// (sqlite_datastore.h) and PostgreSQL (postgres_datastore.h) give it their
// connection.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/datastore.h"
#include "store/sql_connection.h"

namespace trawl {

// The schema this trawl writes; a file with a newer one is refused.
inline constexpr int kDatastoreSchemaVersion = 4;

class SqlDatastore : public Datastore {
 public:
  // Brings the store `connection` opened up to this trawl's schema. Throws
  // DatastoreError naming it when it holds tables not trawl's or a newer
  // schema.
  explicit SqlDatastore(std::unique_ptr<SqlConnection> connection);
  ~SqlDatastore() override;
  SqlDatastore(const SqlDatastore&) = delete;
  SqlDatastore& operator=(const SqlDatastore&) = delete;

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
  // Adds what the store at `path` (opened with open_datastore()) holds.
  void merge_from(const std::string& path) override;

 private:
  void migrate();
  void begin_write();
  void commit();

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

  std::unique_ptr<SqlConnection> db_;
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
  // After known_blobs(): the listed blobs the store had a scan of, and those
  // recorded with matches since. Any other blob has no stored matches to
  // drop when it is recorded.
  bool listed_ = false;
  std::unordered_set<BlobKey, BlobKeyHash> stored_;
};

}  // namespace trawl
