#include "store/datastore.h"

#include "content/text_escape.h"
#include "store/sqlite_datastore.h"
#ifdef TRAWL_POSTGRES
#include "store/postgres_datastore.h"
#endif

namespace trawl {

bool is_server_location(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::string datastore_name(const std::string& location) {
  if (!is_server_location(location)) return location;
  std::string out = location;
  const std::size_t authority = out.find("://") + 3;
  const std::size_t authority_end = std::min(out.find_first_of("/?#", authority), out.size());
  const std::size_t at = out.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority) {
    const std::size_t colon = out.find(':', authority);
    if (colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  const std::size_t query = out.find('?');
  if (query == std::string::npos) return out;
  for (std::size_t start = query + 1; start < out.size();) {
    const std::size_t end = std::min(out.find('&', start), out.size());
    if (out.compare(start, 9, "password=") == 0 && end > start + 9) {
      out.replace(start + 9, end - start - 9, "***");
      start += 9 + 3 + 1;
    } else {
      start = end + 1;
    }
  }
  return out;
}

std::unique_ptr<Datastore> open_datastore(const std::string& location) {
  if (is_server_location(location)) {
#ifdef TRAWL_POSTGRES
    return std::make_unique<PostgresDatastore>(location);
#else
    throw DatastoreError("datastore " + escape_text(datastore_name(location), true) +
                         ": this build of trawl has no PostgreSQL support (build it with libpq installed)");
#endif
  }
  return std::make_unique<SqliteDatastore>(location);
}

}  // namespace trawl
