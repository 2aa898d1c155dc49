#include "source/image/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

namespace trawl::image {

namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

// Only filters libarchive runs in-process: one that needs an external
// program (lrzip, lzop...) would run that program on hostile bytes.
ArchivePtr new_reader(bool zip_too) {
  ArchivePtr a(archive_read_new());
  if (!a) throw LayerError("out of memory");
  for (auto* support : {archive_read_support_filter_gzip, archive_read_support_filter_zstd,
                        archive_read_support_filter_bzip2, archive_read_support_filter_xz}) {
    // ARCHIVE_WARN means "through an external program": refuse it.
    if (support(a.get()) != ARCHIVE_OK) {
      archive_read_free(a.release());
      a.reset(archive_read_new());
      break;
    }
  }
  archive_read_support_format_tar(a.get());
  if (zip_too) archive_read_support_format_zip(a.get());
  return a;
}

struct StreamContext {
  ByteStream* in;
  std::array<char, 1 << 16> buffer{};
  std::string error;
};

la_ssize_t read_stream(archive* a, void* data, const void** out) {
  auto* ctx = static_cast<StreamContext*>(data);
  try {
    *out = ctx->buffer.data();
    return static_cast<la_ssize_t>(ctx->in->read(ctx->buffer.data(), ctx->buffer.size()));
  } catch (const std::exception& e) {
    ctx->error = e.what();
    archive_set_error(a, EIO, "%s", e.what());
    return -1;
  }
}

std::string error_text(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unreadable archive";
}

std::string dirname_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

std::string join(std::string_view dir, std::string_view name) {
  return dir.empty() ? std::string(name) : std::string(dir) + "/" + std::string(name);
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

class Walker {
 public:
  Walker(const LayerLimits& limits, const LayerCallbacks& callbacks) : limits_(limits), callbacks_(callbacks) {}

  // Reads every member of `a` (opened); returns false when the layer limit
  // stopped it. Throws LayerError for a fatal archive error.
  bool walk(archive* a, const std::string& prefix, int depth, std::string_view what) {
    archive_entry* entry = nullptr;
    for (;;) {
      const int rc = archive_read_next_header(a, &entry);
      if (rc == ARCHIVE_EOF) return true;
      if (rc == ARCHIVE_RETRY) continue;
      if (rc == ARCHIVE_FATAL) throw LayerError(std::string(what) + ": " + error_text(a));
      if (++entries_ > limits_.max_entries) {
        problem("layer_limit", prefix, "more than " + std::to_string(limits_.max_entries) + " entries");
        return false;
      }
      const std::int64_t declared = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
      if (declared > 0) declared_ += static_cast<std::uint64_t>(declared);
      if (declared_ > limits_.max_layer_bytes) {
        problem("layer_limit", prefix,
                "members add up to more than " + std::to_string(limits_.max_layer_bytes) + " bytes");
        return false;
      }
      if (!member(a, entry, prefix, depth, what)) return false;
    }
  }

 private:
  void problem(std::string kind, std::string path, std::string detail) {
    if (callbacks_.problem) callbacks_.problem(LayerProblem{std::move(kind), std::move(path), std::move(detail)});
  }

  void deliver(LayerEntry::Kind kind, std::string path, std::string link, bool nested, std::string_view content) {
    LayerEntry e;
    e.kind = kind;
    e.path = std::move(path);
    e.link = std::move(link);
    e.nested = nested;
    callbacks_.entry(e, content);
  }

  bool member(archive* a, archive_entry* entry, const std::string& prefix, int depth, std::string_view what) {
    const char* raw = archive_entry_pathname(entry);
    bool clamped = false;
    const std::string relative = normalise_path(raw != nullptr ? raw : "", clamped);
    const std::string path = prefix + relative;
    const bool nested = !prefix.empty();
    if (clamped)
      problem("path_traversal", path, std::string("member name \"") + (raw ? raw : "") + "\" climbs above the root");
    if (relative.empty()) {
      if (archive_entry_filetype(entry) != AE_IFDIR) problem("malformed_entry", prefix, "a member with an empty name");
      return true;
    }

    // Whiteouts (layers only, not archives inside them).
    const std::string_view base = std::string_view(relative).substr(relative.rfind('/') + 1);
    if (!nested && base.substr(0, 4) == ".wh.") {
      const std::string dir = dirname_of(relative);
      if (base == ".wh..wh..opq") {
        deliver(LayerEntry::Kind::kOpaque, dir, {}, false, {});
      } else if (base.size() == 4 || base.substr(4) == "." || base.substr(4) == "..") {
        problem("malformed_entry", path, "a whiteout that names nothing");
      } else {
        deliver(LayerEntry::Kind::kWhiteout, join(dir, base.substr(4)), {}, false, {});
      }
      return true;
    }

    if (const char* hardlink = archive_entry_hardlink(entry); hardlink != nullptr) {
      bool link_clamped = false;
      deliver(LayerEntry::Kind::kHardlink, path, prefix + normalise_path(hardlink, link_clamped), nested, {});
      return true;
    }
    switch (archive_entry_filetype(entry)) {
      case AE_IFREG:
        return regular(a, entry, path, depth, nested, what);
      case AE_IFDIR:
        deliver(LayerEntry::Kind::kDirectory, path, {}, nested, {});
        return true;
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(entry);
        deliver(LayerEntry::Kind::kSymlink, path, target != nullptr ? target : "", nested, {});
        return true;
      }
      default:
        deliver(LayerEntry::Kind::kOther, path, {}, nested, {});
        return true;
    }
  }

  bool regular(archive* a, archive_entry* entry, const std::string& path, int depth, bool nested,
               std::string_view what) {
    const bool sized = archive_entry_size_is_set(entry) != 0;
    const std::int64_t declared = sized ? archive_entry_size(entry) : -1;
    if (declared > static_cast<std::int64_t>(limits_.max_file_size)) {
      problem("too_large", path, std::to_string(declared) + " bytes");
      return true;  // the next header skips the data
    }
    // Blocks come straight from libarchive's buffer: a file that arrives
    // whole in its first block (most files) is handed on from there, with
    // no copy; a longer one is gathered in a buffer per nesting depth,
    // reused from file to file and never zero-filled.
    while (buffers_.size() <= static_cast<std::size_t>(depth)) buffers_.emplace_back();
    Buffer& buf = buffers_[static_cast<std::size_t>(depth)];
    buf.size = 0;
    std::string_view whole;
    const bool opens = limits_.max_nesting > 0 && is_nested_archive_name(path) && depth < limits_.max_nesting;
    // A binary file (most of an image's bytes) is told by its head: the
    // rest is skipped, not copied. Only while blocks come in order, so
    // that no later one can rewrite the head; the skipped bytes still
    // count in the layer's declared total.
    bool probe = sized && !opens && callbacks_.skip_after_head && callbacks_.head_bytes > 0 &&
                 static_cast<std::uint64_t>(declared) > callbacks_.head_bytes;
    auto unreadable = [&] {
      if (nested) return LayerError(path + ": " + error_text(a));
      return LayerError(std::string(what) + ": " + path + ": " + error_text(a));
    };
    for (bool first = true;; first = false) {
      const void* block = nullptr;
      std::size_t n = 0;
      la_int64_t offset = 0;
      const int rc = archive_read_data_block(a, &block, &n, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN || offset < 0) throw unreadable();
      if (first && sized && offset == 0 && static_cast<std::int64_t>(n) == declared) {
        whole = std::string_view(static_cast<const char*>(block), n);
        break;  // valid until the next read from `a`, which comes after delivering it
      }
      const auto at = static_cast<std::uint64_t>(offset);
      if (at + n > limits_.max_file_size) {
        problem("too_large", path, "more than " + std::to_string(limits_.max_file_size) + " bytes");
        return true;
      }
      if (!sized) {
        declared_ += at + n - std::min<std::uint64_t>(at + n, buf.size);
        if (declared_ > limits_.max_layer_bytes) {
          problem("layer_limit", path,
                  "members add up to more than " + std::to_string(limits_.max_layer_bytes) + " bytes");
          return false;
        }
      }
      if (at < buf.size) probe = false;  // out of order: the head is not final
      buf.reserve(static_cast<std::size_t>(at + n));
      if (at > buf.size) std::memset(buf.data.get() + buf.size, 0, static_cast<std::size_t>(at) - buf.size);  // a hole
      if (n > 0) std::memcpy(buf.data.get() + at, block, n);
      buf.size = std::max(buf.size, static_cast<std::size_t>(at + n));
      if (probe && buf.size >= callbacks_.head_bytes) {
        probe = false;
        LayerEntry e;
        e.kind = LayerEntry::Kind::kFile;
        e.path = path;
        e.nested = nested;
        if (callbacks_.skip_after_head(e, std::string_view(buf.data.get(), callbacks_.head_bytes))) {
          // The rest is read block by block and dropped: libarchive's own
          // skip through a compressed stream copies what it passes over.
          for (;;) {
            const int skip_rc = archive_read_data_block(a, &block, &n, &offset);
            if (skip_rc == ARCHIVE_EOF) return true;
            if (skip_rc < ARCHIVE_WARN) throw unreadable();
          }
        }
      }
    }
    const std::string_view content = whole.data() != nullptr ? whole : std::string_view(buf.data.get(), buf.size);
    if (opens) return nested_archive(content, path, depth);
    if (limits_.max_nesting > 0 && is_nested_archive_name(path)) {
      problem("nested_archive", path, "archives nested deeper than " + std::to_string(limits_.max_nesting));
    }
    deliver(LayerEntry::Kind::kFile, path, {}, nested, content);
    return true;
  }

  bool nested_archive(std::string_view content, const std::string& path, int depth) {
    ArchivePtr inner = new_reader(/*zip_too=*/true);
    if (archive_read_open_memory(inner.get(), content.data(), content.size()) != ARCHIVE_OK) {
      problem("nested_archive", path, error_text(inner.get()));
      deliver(LayerEntry::Kind::kFile, path, {}, path.find("!/") != std::string::npos, content);
      return true;
    }
    try {
      return walk(inner.get(), path + "!/", depth + 1, path);
    } catch (const LayerError& e) {
      // Not an archive after all (or a broken one): its bytes are still scanned as a file.
      problem("nested_archive", path, e.what());
      deliver(LayerEntry::Kind::kFile, path, {}, path.find("!/") != std::string::npos, content);
      return true;
    }
  }

  // A growable byte buffer that keeps its capacity and never zero-fills.
  struct Buffer {
    std::unique_ptr<char[]> data;  // NOLINT(*-avoid-c-arrays): uninitialised storage on purpose
    std::size_t size = 0;
    std::size_t capacity = 0;
    void reserve(std::size_t wanted) {
      if (wanted <= capacity) return;
      const std::size_t grown = std::max(wanted, capacity * 2);
      std::unique_ptr<char[]> bigger(new char[grown]);  // NOLINT(*-avoid-c-arrays)
      if (size > 0) std::memcpy(bigger.get(), data.get(), size);
      data = std::move(bigger);
      capacity = grown;
    }
  };

  const LayerLimits& limits_;
  const LayerCallbacks& callbacks_;
  std::deque<Buffer> buffers_;  // one per nesting depth; a deque never moves them
  std::uint64_t declared_ = 0;
  std::uint64_t entries_ = 0;
};

}  // namespace

std::string normalise_path(std::string_view path, bool& clamped) {
  clamped = false;
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (parts.empty()) {
        clamped = true;
      } else {
        parts.pop_back();
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

bool is_nested_archive_name(std::string_view path) {
  const auto bang = path.rfind("!/");
  const std::string_view name = bang == std::string_view::npos ? path : path.substr(bang + 2);
  for (const std::string_view suffix : {".jar", ".war", ".ear", ".zip", ".tar", ".tar.gz", ".tgz"}) {
    if (ends_with(name, suffix)) return true;
  }
  return false;
}

void read_layer(ByteStream& in, std::string_view what, const LayerLimits& limits, const LayerCallbacks& callbacks) {
  ArchivePtr a = new_reader(/*zip_too=*/false);
  StreamContext ctx;
  ctx.in = &in;
  if (archive_read_open(a.get(), &ctx, nullptr, read_stream, nullptr) != ARCHIVE_OK) {
    throw LayerError(std::string(what) + ": " + (ctx.error.empty() ? error_text(a.get()) : ctx.error));
  }
  Walker walker(limits, callbacks);
  walker.walk(a.get(), "", 0, what);
}

}  // namespace trawl::image
