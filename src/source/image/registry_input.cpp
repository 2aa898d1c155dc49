#include "source/image/registry_input.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "content/sha256.h"

namespace trawl::image {

namespace {

constexpr std::uint64_t kMaxConfig = 16ULL << 20;

class FileStream final : public ByteStream {
 public:
  explicit FileStream(int fd) : fd_(fd) {}
  std::size_t read(char* buffer, std::size_t size) override {
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) throw std::runtime_error(std::string("reading a downloaded layer: ") + std::strerror(errno));
    }
  }

 private:
  int fd_;
};

// trawl's own directory for downloaded layers: mode 0700, removed with it.
class DownloadDirectory {
 public:
  DownloadDirectory() {
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string parent = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    std::string pattern = parent + "/trawl-layers-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("creating a temporary directory under " + parent + ": " + std::strerror(errno));
    }
    path_ = pattern;
  }
  ~DownloadDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  DownloadDirectory(const DownloadDirectory&) = delete;
  DownloadDirectory& operator=(const DownloadDirectory&) = delete;

  // A new file, already unlinked: nothing stays behind however trawl ends.
  int anonymous_file() {
    const std::string name = path_ + "/layer-" + std::to_string(next_++);
    const int fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw std::runtime_error("creating " + name + ": " + std::strerror(errno));
    ::unlink(name.c_str());
    return fd;
  }

 private:
  std::string path_;
  std::uint64_t next_ = 0;
};

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() { ::close(fd_); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("writing a downloaded layer: ") + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

class RegistryInput final : public ImageInput {
 public:
  RegistryInput(RegistryReference ref, const PlatformChoice& choice, const RegistryOptions& options,
                std::uint64_t max_layer_bytes)
      : client_(std::move(ref), options), max_layer_bytes_(max_layer_bytes) {
    const RegistryReference& r = client_.reference();
    const RegistryClient::Manifest top = client_.manifest(r.manifest_ref());
    const std::string digest = "sha256:" + sha256_hex(top.bytes);
    if (!r.digest.empty() && digest != r.digest) {
      throw InputError(r.text + ": the registry's manifest hashes to " + digest + ", not the digest asked for");
    }
    manifests_[digest] = top.bytes;
    const nlohmann::json doc = nlohmann::json::parse(top.bytes, nullptr, false);
    std::string media_type = top.media_type;
    if (doc.is_object() && doc.contains("mediaType") && doc["mediaType"].is_string()) {
      media_type = doc["mediaType"].get<std::string>();
    }
    const bool index = is_index_media_type(media_type) || (doc.is_object() && doc.contains("manifests"));
    if (index) {
      index_json_ = top.bytes;
    } else {
      nlohmann::json synthetic;
      synthetic["schemaVersion"] = 2;
      synthetic["manifests"] = nlohmann::json::array();
      synthetic["manifests"].push_back(
          {{"mediaType", media_type.empty() ? std::string("application/vnd.oci.image.manifest.v1+json") : media_type},
           {"digest", digest},
           {"size", top.bytes.size()}});
      index_json_ = synthetic.dump();
    }
    note_manifests(index_json_);
    resolve_oci_images([this](const std::string& member) { return get(member); }, r.text, choice, images_, documents_,
                       problems_);
    for (auto& image : images_) image.reference = r.text;
  }

  void for_each_layer(const LayerFn& fn, const std::function<void(const LayerProblem&)>& problem) override {
    std::set<std::string> done;
    std::unique_ptr<DownloadDirectory> dir;
    for (const auto& image : images_) {
      for (const auto& layer : image.layers) {
        const BlobRef& blob = layer.blob;
        if (!done.insert(blob.digest).second) continue;
        if (already_read_ && already_read_(blob.name())) continue;
        if (!dir) dir = std::make_unique<DownloadDirectory>();
        const FileDescriptor file(dir->anonymous_file());
        Sha256Stream hash;
        const std::uint64_t cap =
            blob.size >= 0 ? std::min(static_cast<std::uint64_t>(blob.size), max_layer_bytes_) : max_layer_bytes_;
        try {
          client_.blob(blob.digest, cap, [&](const char* data, std::size_t size) {
            hash.update(std::string_view(data, size));
            write_all(file.get(), data, size);
          });
        } catch (const RegistryBlobError& e) {
          if (problem) problem(LayerProblem{"missing_blob", blob.name(), e.what()});
          continue;
        }
        const std::string actual = "sha256:" + hash.hex_digest();
        if (actual != blob.digest) {
          if (problem) {
            problem(LayerProblem{"unverified_blob", blob.name(),
                                 "content hashes to " + actual + ", not " + blob.digest + "; not scanned"});
          }
          continue;
        }
        if (::lseek(file.get(), 0, SEEK_SET) != 0) {
          throw std::runtime_error(std::string("rewinding a downloaded layer: ") + std::strerror(errno));
        }
        FileStream in(file.get());
        fn(blob, in);
      }
    }
  }

 private:
  // Index entries are manifests (fetched from /manifests/), all else blobs.
  void note_manifests(const std::string& index_json) {
    for (const auto& entry : parse_index(index_json, client_.reference().text)) {
      manifest_digests_.insert(entry.manifest.digest);
    }
  }

  std::optional<std::string> get(const std::string& member) {
    if (member == "index.json") return index_json_;
    constexpr std::string_view kPrefix = "blobs/sha256/";
    if (member.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
    const std::string digest = "sha256:" + member.substr(kPrefix.size());
    if (const auto it = manifests_.find(digest); it != manifests_.end()) return it->second;
    if (manifest_digests_.count(digest) != 0) {
      RegistryClient::Manifest m = client_.manifest(digest);
      if (is_index_media_type(m.media_type) || m.bytes.find("\"manifests\"") != std::string::npos) {
        try {
          note_manifests(m.bytes);
        } catch (const ImageFormatError&) {
          // The resolver reports the malformed index, naming it.
        }
      }
      manifests_[digest] = m.bytes;
      return m.bytes;
    }
    std::string bytes;
    try {
      client_.blob(digest, kMaxConfig, [&](const char* data, std::size_t size) { bytes.append(data, size); });
    } catch (const RegistryBlobError&) {
      return std::nullopt;
    }
    return bytes;
  }

  RegistryClient client_;
  std::uint64_t max_layer_bytes_;
  std::string index_json_;
  std::map<std::string, std::string> manifests_;
  std::set<std::string> manifest_digests_;
};

}  // namespace

std::unique_ptr<ImageInput> open_registry_input(const std::string& reference, const PlatformChoice& choice,
                                                const RegistryOptions& options, std::uint64_t max_layer_bytes) {
  try {
    return std::make_unique<RegistryInput>(parse_registry_reference(reference), choice, options, max_layer_bytes);
  } catch (const ImageFormatError& e) {
    throw InputError(e.what());
  }
}

}  // namespace trawl::image
