// Streams one image layer (a tar, uncompressed, gzip or zstd) entry by entry
// through libarchive, never extracting anything to disk: regular files come
// with their bytes (up to a size limit), whiteouts and opaque directories
// are reported as such, and archives inside the layer (.jar, .war, .ear,
// .zip, .tar, .tar.gz, .tgz) are opened in turn to a bounded depth, their
// members named `outer.jar!/inner/path`.
//
// A layer is untrusted: paths are normalised lexically (`..` can never climb
// above the layer's root; such a path is counted and read as clamped), a
// bare `.wh.` is counted as malformed, and a member whose declared sizes add
// up past the layer limit ends the layer with a reason (a decompression
// bomb costs time up to that limit, never memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace trawl::image {

// A blob's bytes in pieces (a file, a member of an outer archive, memory).
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Up to `size` bytes into `buffer`; 0 at the end. Throws std::runtime_error.
  virtual std::size_t read(char* buffer, std::size_t size) = 0;
};

class LayerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LayerLimits {
  std::uint64_t max_file_size = 64ULL << 20;    // bigger files are skipped, counted too_large
  std::uint64_t max_layer_bytes = 64ULL << 30;  // declared sizes of all members, nested included
  int max_nesting = 3;                          // archives opened inside a layer, this deep; 0: none
  std::uint64_t max_entries = 4'000'000;
};

struct LayerEntry {
  enum class Kind {
    kFile,      // bytes given
    kHardlink,  // same content as `link` earlier in this layer
    kSymlink,   // never followed; `link` is its target as written
    kDirectory,
    kWhiteout,  // deletes `path` (and everything under it) in lower layers
    kOpaque,    // hides everything lower layers hold under directory `path`
    kOther,     // devices, FIFOs: nothing to scan
  };
  Kind kind = Kind::kOther;
  std::string path;  // normalised: "etc/app.conf", "app.jar!/application.properties"
  std::string link;
  bool nested = false;  // inside an archive inside the layer
};

// What the reader could not read, by kind: "too_large", "malformed_entry",
// "path_traversal" (counted; the entry is still read), "nested_archive"
// (unreadable or too deep), "layer_limit".
struct LayerProblem {
  std::string kind;
  std::string path;
  std::string detail;
};

struct LayerCallbacks {
  // A file's bytes, or an entry without bytes (content empty).
  std::function<void(const LayerEntry&, std::string_view content)> entry;
  std::function<void(const LayerProblem&)> problem;
  // When set: called with the first `head_bytes` of a file of known size
  // that arrives in several blocks (and is not opened as an archive), as
  // soon as they are read; true means the file is dealt with (a binary
  // file, counted by the callback): the rest of its bytes are neither
  // gathered nor delivered. The head is final: no later block rewrites it.
  std::function<bool(const LayerEntry&, std::string_view head)> skip_after_head;
  std::size_t head_bytes = 0;
};

// Reads the whole layer. Throws LayerError when the layer itself cannot be
// read (not an archive, truncated, corrupt compressed data): the entries
// already delivered stay delivered.
void read_layer(ByteStream& in, std::string_view what, const LayerLimits& limits, const LayerCallbacks& callbacks);

// Lexically normalised tar path: no leading "/" or "./", no "." or empty
// components, ".." resolved and clamped at the root (`clamped` set then).
std::string normalise_path(std::string_view path, bool& clamped);

// Whether a member's name says it is an archive trawl opens.
bool is_nested_archive_name(std::string_view path);

}  // namespace trawl::image
