#include "source/git/loose_object.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#include "source/git/git_handles.h"

namespace trawl {
namespace {

// "<type> <size>\0": the longest is "commit " and 20 digits.
constexpr std::size_t kMaxHeader = 32;

LooseObject corrupt(std::string problem) {
  LooseObject out;
  out.status = LooseObject::Status::kCorrupt;
  out.problem = std::move(problem);
  return out;
}

git_object_t git_type_of(ObjectType type) {
  switch (type) {
    case ObjectType::kCommit:
      return GIT_OBJECT_COMMIT;
    case ObjectType::kTree:
      return GIT_OBJECT_TREE;
    case ObjectType::kBlob:
      return GIT_OBJECT_BLOB;
    case ObjectType::kTag:
      return GIT_OBJECT_TAG;
  }
  return GIT_OBJECT_INVALID;
}

bool parse_type(std::string_view name, ObjectType& type) {
  if (name == "commit") {
    type = ObjectType::kCommit;
  } else if (name == "tree") {
    type = ObjectType::kTree;
  } else if (name == "blob") {
    type = ObjectType::kBlob;
  } else if (name == "tag") {
    type = ObjectType::kTag;
  } else {
    return false;
  }
  return true;
}

// Decimal digits only, no sign, no leading zero but for "0", no overflow.
bool parse_size(std::string_view digits, std::uint64_t& size) {
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return false;
  size = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return false;
    if (size > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) return false;
    size = size * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

class Inflater {
 public:
  explicit Inflater(std::string_view in) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(in.size());
    ok_ = inflateInit(&stream_) == Z_OK;
  }
  ~Inflater() {
    if (ok_) inflateEnd(&stream_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  bool ok() const { return ok_; }
  // Inflates into [out, out + n); how many bytes came out, and the zlib code.
  int run(char* out, std::size_t n, std::size_t& produced) {
    stream_.next_out = reinterpret_cast<Bytef*>(out);
    stream_.avail_out = static_cast<uInt>(n);
    const int code = inflate(&stream_, Z_SYNC_FLUSH);
    produced = n - stream_.avail_out;
    return code;
  }
  std::size_t input_left() const { return stream_.avail_in; }

 private:
  z_stream stream_{};
  bool ok_ = false;
};

}  // namespace

bool object_hashes_to(std::string_view bytes, ObjectType type, const ObjectId& id) {
  git_oid hashed;
  if (git_odb_hash(&hashed, bytes.data(), bytes.size(), git_type_of(type)) < 0) return false;
  return to_object_id(hashed) == id;
}

LooseObject parse_loose_object(std::string_view file_bytes, const ObjectId& id, std::uint64_t max_size) {
  if (file_bytes.size() > std::numeric_limits<uInt>::max()) return corrupt("loose object file too large");
  Inflater inflater(file_bytes);
  if (!inflater.ok()) return corrupt("cannot start inflating");
  // The header, a byte at a time up to its NUL, so no byte of the contents
  // is taken for it.
  char header[kMaxHeader];
  std::size_t header_size = 0;
  for (;;) {
    if (header_size == kMaxHeader) return corrupt("no object header");
    std::size_t produced = 0;
    const int code = inflater.run(header + header_size, 1, produced);
    if (produced == 0 || (code != Z_OK && code != Z_STREAM_END)) return corrupt("bad zlib stream in the header");
    if (header[header_size++] == '\0') break;
    if (code == Z_STREAM_END) return corrupt("object ends in its header");
  }
  const std::string_view text(header, header_size - 1);
  const std::size_t space = text.find(' ');
  ObjectType type;
  std::uint64_t size = 0;
  if (space == std::string_view::npos || !parse_type(text.substr(0, space), type)) {
    return corrupt("unknown object type");
  }
  if (!parse_size(text.substr(space + 1), size)) return corrupt("bad object size");
  if (size > max_size) return corrupt("object of " + std::to_string(size) + " bytes is over the limit");

  auto object = std::make_shared<StoredObject>();
  object->type = type;
  object->size = static_cast<std::size_t>(size);
  // One byte more than announced, to see the stream end exactly there.
  object->data = std::make_unique_for_overwrite<char[]>(object->size + 1);
  std::size_t filled = 0;
  int code = Z_OK;
  while (code == Z_OK) {
    std::size_t produced = 0;
    code = inflater.run(object->data.get() + filled, object->size + 1 - filled, produced);
    filled += produced;
    if (code == Z_OK && produced == 0) return corrupt("object cut short");
  }
  if (code != Z_STREAM_END) return corrupt("bad zlib stream");
  if (filled != object->size) return corrupt("object size differs from its header");
  if (inflater.input_left() != 0) return corrupt("garbage after the object");
  if (!object_hashes_to(object->view(), type, id)) return corrupt("contents do not hash to the object's id");
  LooseObject out;
  out.status = LooseObject::Status::kFound;
  out.object = std::move(object);
  return out;
}

LooseObject read_loose_object(const std::string& git_dir, const ObjectId& id, std::uint64_t max_size) {
  const std::string hex = id.hex();
  const std::string path = git_dir + "objects/" + hex.substr(0, 2) + "/" + hex.substr(2);
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return {};
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return corrupt("not a regular file");
  // Deflate can grow incompressible bytes a little; nothing real is larger.
  const std::uint64_t largest = max_size + max_size / 8 + 1024;
  if (static_cast<std::uint64_t>(st.st_size) > largest) return corrupt("loose object file too large");
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n <= 0) return corrupt("cannot read the loose object file");
    got += static_cast<std::size_t>(n);
  }
  return parse_loose_object(bytes, id, max_size);
}

std::string_view object_type_name(ObjectType type) {
  switch (type) {
    case ObjectType::kCommit:
      return "commit";
    case ObjectType::kTree:
      return "tree";
    case ObjectType::kBlob:
      return "blob";
    case ObjectType::kTag:
      return "tag";
  }
  return "object";
}

StoredObjectPtr read_structured_object(const ObjectStore& store, const std::string& git_dir, git_odb* odb,
                                       const ObjectId& id, std::optional<ObjectType> type, SkipLog& skips) {
  const std::string what(type ? object_type_name(*type) : "object");
  if (StoredObjectPtr stored = store.read(id); stored && (!type || stored->type == *type)) return stored;
  LooseObject loose = git_dir.empty() ? LooseObject{} : read_loose_object(git_dir, id, kMaxStructuredObjectSize);
  if (loose.status == LooseObject::Status::kCorrupt) {
    skips.add(SkipReason::kCorruptObject, id.hex(), what + ": loose object: " + loose.problem);
    return nullptr;
  }
  StoredObjectPtr object = std::move(loose.object);
  if (!object && odb == nullptr) {
    skips.add(SkipReason::kMissingObject, id.hex(), what + ": not in the packs or loose");
    return nullptr;
  }
  if (!object) {
    const git_oid oid = to_git_oid(id);
    git_odb_object* raw = nullptr;
    if (const int code = git_odb_read(&raw, odb, &oid); code < 0) {
      skips.add(skip_reason_for_git_error(code), id.hex(), what + ": " + last_git_error_message());
      return nullptr;
    }
    const OdbObjectPtr owner(raw);
    const std::size_t size = git_odb_object_size(raw);
    ObjectType got = ObjectType::kBlob;
    switch (git_odb_object_type(raw)) {
      case GIT_OBJECT_COMMIT:
        got = ObjectType::kCommit;
        break;
      case GIT_OBJECT_TREE:
        got = ObjectType::kTree;
        break;
      case GIT_OBJECT_BLOB:
        got = ObjectType::kBlob;
        break;
      case GIT_OBJECT_TAG:
        got = ObjectType::kTag;
        break;
      default:
        skips.add(SkipReason::kCorruptObject, id.hex(), what + ": of no known type");
        return nullptr;
    }
    if (size > kMaxStructuredObjectSize) {
      skips.add(SkipReason::kCorruptObject, id.hex(), what + ": " + std::to_string(size) + " bytes, over the limit");
      return nullptr;
    }
    auto copy = std::make_shared<StoredObject>();
    copy->type = got;
    copy->size = size;
    copy->data = std::make_unique_for_overwrite<char[]>(size);
    if (size > 0) std::memcpy(copy->data.get(), git_odb_object_data(raw), size);
    if (!object_hashes_to(copy->view(), got, id)) {
      skips.add(SkipReason::kCorruptObject, id.hex(), what + ": contents do not hash to the object's id");
      return nullptr;
    }
    object = std::move(copy);
  }
  if (type && object->type != *type) {
    skips.add(SkipReason::kCorruptObject, id.hex(), what + ": not a " + what + " object");
    return nullptr;
  }
  return object;
}

}  // namespace trawl
