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
inline constexpr int kDatastoreSchemaVersion = 2;

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

  std::string path_;
  std::unique_ptr<sqlite3, Closer> db_;
  std::unique_ptr<Recording> recording_;
  bool writing_ = false;
  StoreScan scan_;
  std::string sweep_;
  std::vector<std::string> rule_digests_;  // per rule of scan_.rules
  std::unordered_set<std::string> current_digests_;
  std::string ruleset_;
};

}  // namespace trawl
