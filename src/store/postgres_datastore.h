// The datastore on a PostgreSQL server (datastore.h), for a store that
// several processes write at once (the shards of one sweep). Its logic and
// schema are SqlDatastore's (sql_datastore.h); text is kept as BYTEA, so
// paths, lines and secrets that are not UTF-8 keep their bytes and sort as
// in SQLite. A scan's writes are held until it finishes, then written in
// one transaction that takes a transaction-scoped advisory lock: writers
// scan side by side, their writes (idempotent upserts) apply one after
// another, and no two deadlock. Reads see what finished scans committed.
#pragma once

#include <string>

#include "store/sql_datastore.h"

namespace trawl {

class PostgresDatastore final : public SqlDatastore {
 public:
  // Connects to `url` (`postgresql://[user[:password]@]host[:port]/db[?…]`,
  // libpq's URI; a password also comes from PGPASSWORD or ~/.pgpass) and
  // creates or migrates the schema. Throws DatastoreError naming the URL,
  // its password masked, when the server cannot be reached, refuses the
  // login, or holds tables not trawl's or a newer schema.
  explicit PostgresDatastore(const std::string& url);
};

}  // namespace trawl
