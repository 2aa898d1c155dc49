#include "source/git/pack_file.h"

#include "source/git/big_endian.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace trawl {

std::optional<PackEntryHeader> parse_pack_entry_header(std::string_view pack, std::uint64_t offset) {
  PackEntryHeader h;
  std::uint64_t at = offset;
  if (at >= pack.size()) return std::nullopt;
  auto byte = static_cast<unsigned char>(pack[at++]);
  const unsigned type = (byte >> 4) & 7u;
  if (type == 0 || type == 5) return std::nullopt;
  h.type = static_cast<PackObjectType>(type);
  h.size = byte & 15u;
  unsigned shift = 4;
  while ((byte & 0x80) != 0) {
    if (at >= pack.size() || shift > 60) return std::nullopt;
    byte = static_cast<unsigned char>(pack[at++]);
    h.size |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    shift += 7;
  }
  if (h.type == PackObjectType::kOfsDelta) {
    if (at >= pack.size()) return std::nullopt;
    byte = static_cast<unsigned char>(pack[at++]);
    std::uint64_t distance = byte & 0x7f;
    while ((byte & 0x80) != 0) {
      if (at >= pack.size() || distance > (std::uint64_t{1} << 55)) return std::nullopt;
      byte = static_cast<unsigned char>(pack[at++]);
      distance = ((distance + 1) << 7) | (byte & 0x7f);
    }
    if (distance == 0 || distance > offset) return std::nullopt;
    h.base_offset = offset - distance;
  } else if (h.type == PackObjectType::kRefDelta) {
    if (pack.size() - at < h.base_id.bytes.size()) return std::nullopt;
    std::memcpy(h.base_id.bytes.data(), pack.data() + at, h.base_id.bytes.size());
    at += h.base_id.bytes.size();
  }
  h.data_offset = at;
  return h;
}

std::optional<PackFile> PackFile::open(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 32) {
    error = "too small to be a pack";
    ::close(fd);
    return std::nullopt;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (data == MAP_FAILED) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  const auto* b = static_cast<const unsigned char*>(data);
  const std::uint32_t version =
      (std::uint32_t{b[4]} << 24) | (std::uint32_t{b[5]} << 16) | (std::uint32_t{b[6]} << 8) | b[7];
  if (std::memcmp(b, "PACK", 4) != 0 || (version != 2 && version != 3)) {
    error = "not a version 2 or 3 pack";
    ::munmap(data, size);
    return std::nullopt;
  }
  const std::uint32_t count = read_be32(b + 8);
  ::madvise(data, size, MADV_SEQUENTIAL);
  return PackFile(data, size, count);
}

void PackFile::expect_random_access() const {
  if (data_ != nullptr) ::madvise(const_cast<void*>(data_), size_, MADV_NORMAL);
}

void PackFile::expect_sequential_access() const {
  if (data_ != nullptr) ::madvise(const_cast<void*>(data_), size_, MADV_SEQUENTIAL);
}

PackFile::PackFile(PackFile&& other) noexcept
    : data_(other.data_), size_(other.size_), object_count_(other.object_count_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

PackFile::~PackFile() {
  if (data_ != nullptr) ::munmap(const_cast<void*>(data_), size_);
}

}  // namespace trawl
