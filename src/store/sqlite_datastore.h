// The datastore in one SQLite file (datastore.h): WAL journal, one writer at
// a time (a second gets DatastoreError at once); its logic is
// SqlDatastore's (sql_datastore.h).
#pragma once

#include <string>

#include "store/sql_datastore.h"

namespace trawl {

class SqliteDatastore final : public SqlDatastore {
 public:
  // Opens or creates the file at `path` (mode 0600). Throws DatastoreError
  // naming it when it is not a trawl datastore, has a newer schema, is
  // damaged or cannot be opened.
  explicit SqliteDatastore(const std::string& path);
};

}  // namespace trawl
