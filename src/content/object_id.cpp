#include "content/object_id.h"

#include "content/sha256.h"

namespace trawl {

std::string ObjectId::hex() const { return to_hex(bytes.data(), bytes.size()); }

}  // namespace trawl
