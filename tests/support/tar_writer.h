// Builds tar archives in memory for the image tests (libarchive's writer):
// regular files, directories, symlinks, hardlinks, any member name at all
// (a hostile one included), compressed with gzip or zstd or not at all.
// The same input gives the same bytes, whenever it is built: a fixture that
// builds a blob twice (a manifest naming it by digest, the member holding
// it) gets one digest.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace trawl::test {

enum class Compression { kNone, kGzip, kZstd };

// libarchive's gzip writer puts the time of writing in the header (MTIME):
// a blob compressed again in a later second had another digest. It is left
// out (zero, as `gzip -n` writes it).
inline void add_filter(archive* a, Compression compression) {
  if (compression == Compression::kGzip) {
    archive_write_add_filter_gzip(a);
    archive_write_set_filter_option(a, "gzip", "timestamp", nullptr);
  }
  if (compression == Compression::kZstd) archive_write_add_filter_zstd(a);
}

struct TarMember {
  enum class Type { kFile, kDirectory, kSymlink, kHardlink };
  std::string name;
  std::string content;  // a file's bytes; a link's target
  Type type = Type::kFile;
};

inline TarMember file(std::string name, std::string content) {
  return {std::move(name), std::move(content), TarMember::Type::kFile};
}
inline TarMember directory(std::string name) { return {std::move(name), {}, TarMember::Type::kDirectory}; }
inline TarMember symlink(std::string name, std::string target) {
  return {std::move(name), std::move(target), TarMember::Type::kSymlink};
}
inline TarMember hardlink(std::string name, std::string target) {
  return {std::move(name), std::move(target), TarMember::Type::kHardlink};
}

inline std::string make_tar(const std::vector<TarMember>& members, Compression compression = Compression::kNone,
                            bool zip = false) {
  archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_pax_restricted(a);
  }
  add_filter(a, compression);
  archive_write_set_bytes_in_last_block(a, 1);
  std::size_t capacity = 1 << 20;
  for (const auto& m : members) capacity += m.content.size() + m.name.size() + std::size_t{3} * 512;
  std::string out(capacity, '\0');
  size_t used = 0;
  if (archive_write_open_memory(a, out.data(), out.size(), &used) != ARCHIVE_OK) {
    throw std::runtime_error(archive_error_string(a));
  }
  for (const auto& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_perm(e, 0644);
    switch (m.type) {
      case TarMember::Type::kFile:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(m.content.size()));
        break;
      case TarMember::Type::kDirectory:
        archive_entry_set_filetype(e, AE_IFDIR);
        archive_entry_set_perm(e, 0755);
        break;
      case TarMember::Type::kSymlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, m.content.c_str());
        break;
      case TarMember::Type::kHardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, m.content.c_str());
        archive_entry_set_size(e, 0);
        break;
    }
    if (archive_write_header(a, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
    if (m.type == TarMember::Type::kFile && !m.content.empty()) {
      archive_write_data(a, m.content.data(), m.content.size());
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

// `bytes` compressed as a whole (a layer blob from an uncompressed tar).
inline std::string compress(const std::string& bytes, Compression compression) {
  if (compression == Compression::kNone) return bytes;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  add_filter(a, compression);
  archive_write_set_bytes_in_last_block(a, 1);
  std::string out(bytes.size() + (1 << 20), '\0');
  size_t used = 0;
  archive_write_open_memory(a, out.data(), out.size(), &used);
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
  archive_write_header(a, e);
  archive_write_data(a, bytes.data(), bytes.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

}  // namespace trawl::test
