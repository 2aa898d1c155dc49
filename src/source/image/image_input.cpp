#include "source/image/image_input.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <set>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "content/sha256.h"

namespace trawl::image {

namespace {

constexpr std::uint64_t kMaxDocument = 16ULL << 20;   // a manifest, index or config
constexpr std::uint64_t kSmallMember = 8ULL << 20;    // kept in memory by a tarball's first pass
constexpr std::uint64_t kSmallBudget = 256ULL << 20;  // all such members together
constexpr int kMaxIndexDepth = 4;
constexpr int kMaxLinkHops = 8;

std::string digest_path(std::string_view digest) {
  // check_digest() has accepted it: "sha256:<hex>".
  return "blobs/sha256/" + std::string(digest.substr(7));
}

// "blobs/sha256/<hex>" -> "sha256:<hex>"; "" for any other path.
std::string digest_of_path(std::string_view path) {
  constexpr std::string_view kPrefix = "blobs/sha256/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return {};
  std::string digest = "sha256:" + std::string(path.substr(kPrefix.size()));
  try {
    check_digest(digest, "");
  } catch (const ImageFormatError&) {
    return {};
  }
  return digest;
}

class MemoryStream final : public ByteStream {
 public:
  explicit MemoryStream(std::string_view bytes) : bytes_(bytes) {}
  std::size_t read(char* buffer, std::size_t size) override {
    const std::size_t n = std::min(size, bytes_.size() - offset_);
    std::memcpy(buffer, bytes_.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  std::string_view bytes_;
  std::size_t offset_ = 0;
};

class FdStream final : public ByteStream {
 public:
  FdStream(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  ~FdStream() override { ::close(fd_); }
  FdStream(const FdStream&) = delete;
  FdStream& operator=(const FdStream&) = delete;
  std::size_t read(char* buffer, std::size_t size) override {
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) throw InputError(name_ + ": " + std::strerror(errno));
    }
  }

 private:
  int fd_;
  std::string name_;
};

// The current member of an open archive.
class MemberStream final : public ByteStream {
 public:
  MemberStream(archive* a, std::string name) : a_(a), name_(std::move(name)) {}
  std::size_t read(char* buffer, std::size_t size) override {
    const la_ssize_t n = archive_read_data(a_, buffer, size);
    if (n < 0) {
      const char* text = archive_error_string(a_);
      throw InputError(name_ + ": " + (text != nullptr ? text : "unreadable"));
    }
    return static_cast<std::size_t>(n);
  }

 private:
  archive* a_;
  std::string name_;
};

// Hashes what passes through; check() compares with the expected digest.
class DigestingStream final : public ByteStream {
 public:
  explicit DigestingStream(ByteStream& in) : in_(in) {}
  std::size_t read(char* buffer, std::size_t size) override {
    const std::size_t n = in_.read(buffer, size);
    hash_.update(std::string_view(buffer, n));
    if (n == 0) ended_ = true;
    return n;
  }
  // Reads what the consumer left, then returns "sha256:<hex>".
  std::string finish() {
    std::array<char, 1 << 16> buffer{};
    while (!ended_) read(buffer.data(), buffer.size());
    return "sha256:" + hash_.hex_digest();
  }

 private:
  ByteStream& in_;
  Sha256Stream hash_;
  bool ended_ = false;
};

void stream_verified(const BlobRef& blob, std::string_view expected, ByteStream& in, const ImageInput::LayerFn& fn,
                     const std::function<void(const LayerProblem&)>& problem) {
  DigestingStream digesting(in);
  fn(blob, digesting);
  const std::string actual = digesting.finish();
  if (!expected.empty() && actual != expected && problem) {
    problem(
        LayerProblem{"digest_mismatch", blob.name(), "content hashes to " + actual + ", not " + std::string(expected)});
  }
}

void verify_document(std::string_view bytes, std::string_view digest, std::string_view what) {
  if (digest.empty()) return;
  if ("sha256:" + sha256_hex(bytes) != digest) {
    throw InputError(std::string(what) + ": content does not match its digest " + std::string(digest));
  }
}

// An attestation layer as a document: an in-toto statement is named by its
// predicate type ("(attestation) https://slsa.dev/provenance/v0.2") and
// indented, one field a line, so that a finding's line says which field
// (a build argument, a material) holds the secret. Anything else keeps
// its bytes and is named by its digest.
ImageDocument attestation_document(const BlobRef& layer, std::string bytes) {
  const auto doc = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return {"(attestation) " + layer.digest, std::move(bytes)};
  std::string path = "(attestation) " + layer.digest;
  if (const auto type = doc.find("predicateType"); type != doc.end() && type->is_string()) {
    // Printable, and short: the type names a schema, not a place.
    std::string type_name;
    for (const char c : type->get<std::string>()) {
      if (type_name.size() == 200) break;
      if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) type_name += c;
    }
    if (!type_name.empty()) path = "(attestation) " + type_name;
  }
  return {std::move(path), doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
}

// Resolves images from documents, wherever they are kept.
class Resolver {
 public:
  using Get = std::function<std::optional<std::string>(const std::string& member)>;
  Resolver(Get get, std::string input_name, PlatformChoice choice)
      : get_(std::move(get)), input_(std::move(input_name)), choice_(std::move(choice)) {}

  std::string document(const BlobRef& blob, const std::string& what) {
    const std::string member = blob.digest.empty() ? blob.path : digest_path(blob.digest);
    auto bytes = get_(member);
    if (!bytes) throw InputError(input_ + ": " + what + " " + blob.name() + " is missing");
    verify_document(*bytes, blob.digest, input_ + ": " + what + " " + blob.name());
    return std::move(*bytes);
  }

  void oci(std::vector<Image>& images, std::vector<ImageDocument>& documents, std::vector<LayerProblem>& problems) {
    const auto index = get_("index.json");
    if (!index) throw InputError(input_ + ": neither manifest.json nor index.json: not an image");
    std::vector<IndexEntry> manifests;
    collect(parse_index(*index, input_ + ": index.json"), "", 0, manifests);
    const auto chosen = choose_manifests(manifests, choice_);
    if (chosen.empty()) {
      std::string available;
      for (const auto& entry : manifests) {
        if (entry.is_attestation) continue;
        available += (available.empty() ? "" : ", ") + entry.platform.text();
      }
      throw InputError(input_ + ": no image for platform " + choice_.platform.value_or(host_platform()).text() +
                       " (it has " + (available.empty() ? std::string("none") : available) +
                       "; choose one with --platform, or --all-platforms)");
    }
    for (const auto& entry : chosen) images.push_back(image_of(entry));
    // An attestation that is missing or damaged is reported and skipped:
    // the images it describes are read all the same.
    for (const auto& entry : manifests) {
      if (!entry.is_attestation) continue;
      try {
        const ManifestDoc doc = parse_manifest(document(entry.manifest, "attestation manifest"),
                                               input_ + ": attestation " + entry.manifest.digest);
        for (const auto& layer : doc.layers) {
          if (layer.size > static_cast<std::int64_t>(kMaxDocument)) continue;
          documents.push_back(attestation_document(layer, document(layer, "attestation")));
        }
      } catch (const InputError& e) {
        problems.push_back(LayerProblem{"attestation", entry.manifest.name(), e.what()});
      } catch (const ImageFormatError& e) {
        problems.push_back(LayerProblem{"attestation", entry.manifest.name(), e.what()});
      }
    }
  }

  void docker_save(std::string_view manifest_json, std::vector<Image>& images) {
    // Docker 25 and later also write index.json: it gives manifest digests.
    std::unordered_map<std::string, std::string> manifest_by_config;
    if (const auto index = get_("index.json")) {
      try {
        std::vector<IndexEntry> manifests;
        collect(parse_index(*index, input_ + ": index.json"), "", 0, manifests);
        for (const auto& entry : manifests) {
          const ManifestDoc doc =
              parse_manifest(document(entry.manifest, "manifest"), input_ + ": " + entry.manifest.digest);
          manifest_by_config.emplace(doc.config.digest, entry.manifest.digest);
        }
      } catch (const std::runtime_error&) {
        // manifest.json alone describes the images.
      }
    }
    for (const auto& entry : parse_save_manifest(manifest_json, input_ + ": manifest.json")) {
      Image image;
      image.reference = entry.repo_tags.empty() ? input_ : entry.repo_tags.front();
      image.config_blob.path = entry.config_path;
      image.config_blob.digest = digest_of_path(entry.config_path);
      if (image.config_blob.digest.empty() && entry.config_path.size() == 69 &&
          entry.config_path.substr(64) == ".json") {
        image.config_blob.digest = "sha256:" + entry.config_path.substr(0, 64);
        try {
          check_digest(image.config_blob.digest, "");
        } catch (const ImageFormatError&) {
          image.config_blob.digest.clear();
        }
      }
      const std::string config = document(BlobRef{{}, entry.config_path, {}, -1}, "config");
      verify_document(config, image.config_blob.digest, input_ + ": config " + entry.config_path);
      image.config = parse_config(config, input_ + ": config " + entry.config_path);
      if (const auto it = manifest_by_config.find(image.config_blob.digest); it != manifest_by_config.end()) {
        image.manifest_digest = it->second;
      }
      for (const auto& path : entry.layer_paths) {
        Layer layer;
        layer.blob.path = path;
        layer.blob.digest = digest_of_path(path);
        image.layers.push_back(std::move(layer));
      }
      link_layers(image);
      images.push_back(std::move(image));
    }
  }

 private:
  void collect(const std::vector<IndexEntry>& entries, const std::string& ref_name, int depth,
               std::vector<IndexEntry>& out) {
    if (depth > kMaxIndexDepth)
      throw InputError(input_ + ": indexes nested deeper than " + std::to_string(kMaxIndexDepth));
    for (auto entry : entries) {
      if (entry.ref_name.empty()) entry.ref_name = ref_name;
      if (entry.is_index) {
        const std::string nested = document(entry.manifest, "index");
        collect(parse_index(nested, input_ + ": index " + entry.manifest.digest), entry.ref_name, depth + 1, out);
      } else {
        out.push_back(std::move(entry));
      }
    }
  }

  Image image_of(const IndexEntry& entry) {
    Image image;
    image.reference = entry.ref_name.empty() ? input_ : entry.ref_name;
    image.manifest_digest = entry.manifest.digest;
    const ManifestDoc doc =
        parse_manifest(document(entry.manifest, "manifest"), input_ + ": manifest " + entry.manifest.digest);
    image.config_blob = doc.config;
    image.config = parse_config(document(doc.config, "config"), input_ + ": config " + doc.config.digest);
    for (const auto& blob : doc.layers) {
      Layer layer;
      layer.blob = blob;
      image.layers.push_back(std::move(layer));
    }
    link_layers(image);
    return image;
  }

  Get get_;
  std::string input_;
  PlatformChoice choice_;
};

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// ---- a tarball ------------------------------------------------------------

// An open tarball: the file and libarchive's reader over it.
class Tarball {
 public:
  explicit Tarball(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd_ < 0) throw InputError(path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw InputError(path + ": not a regular file");
    }
    a_ = archive_read_new();
    if (a_ == nullptr) {
      ::close(fd_);
      throw InputError("out of memory");
    }
    // Only decompressors libarchive runs in-process (never an external program).
    for (auto* support : {archive_read_support_filter_gzip, archive_read_support_filter_zstd,
                          archive_read_support_filter_bzip2, archive_read_support_filter_xz}) {
      support(a_);
    }
    archive_read_support_format_tar(a_);
    if (archive_read_open_fd(a_, fd_, 1 << 16) != ARCHIVE_OK) {
      const std::string text = error();
      release();
      throw InputError(path + ": " + text);
    }
  }
  ~Tarball() { release(); }
  Tarball(const Tarball&) = delete;
  Tarball& operator=(const Tarball&) = delete;

  archive* get() const { return a_; }
  std::string error() const {
    const char* text = archive_error_string(a_);
    return text != nullptr ? text : "not a tar archive";
  }
  // The next member, or nullptr at the end. Throws InputError.
  archive_entry* next() {
    archive_entry* entry = nullptr;
    for (int retries = 0;; ++retries) {
      const int rc = archive_read_next_header(a_, &entry);
      if (rc == ARCHIVE_EOF) return nullptr;
      if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN) return entry;
      if (rc == ARCHIVE_FATAL || retries > 8) throw InputError(path_ + ": " + error());
    }
  }

 private:
  void release() {
    if (a_ != nullptr) archive_read_free(a_);
    a_ = nullptr;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string path_;
  int fd_ = -1;
  archive* a_ = nullptr;
};

class TarballInput final : public ImageInput {
 public:
  TarballInput(std::string path, const PlatformChoice& choice) : path_(std::move(path)) {
    first_pass();
    Resolver resolver([this](const std::string& member) { return small(member); }, base_name(path_), choice);
    if (const auto manifest = small("manifest.json")) {
      resolver.docker_save(*manifest, images_);
    } else {
      resolver.oci(images_, documents_, problems_);
    }
  }

  void for_each_layer(const LayerFn& fn, const std::function<void(const LayerProblem&)>& problem) override {
    // Distinct layer members, with the digest each must have.
    std::map<std::string, std::pair<BlobRef, std::string>> wanted;
    for (const auto& image : images_) {
      for (const auto& layer : image.layers) {
        const std::string member =
            resolve(layer.blob.digest.empty() ? layer.blob.path : digest_path(layer.blob.digest));
        // A classic docker save layer.tar is the uncompressed layer: its diff_id is its digest.
        const std::string expected = layer.blob.digest.empty() ? layer.diff_id : layer.blob.digest;
        wanted.emplace(member, std::make_pair(layer.blob, expected));
      }
    }
    for (auto it = wanted.begin(); it != wanted.end();) {
      if (const auto found = small_.find(it->first); found != small_.end()) {
        MemoryStream in(found->second);
        stream_verified(it->second.first, it->second.second, in, fn, problem);
        it = wanted.erase(it);
      } else {
        ++it;
      }
    }
    if (!wanted.empty()) {
      Tarball tar(path_);
      while (archive_entry* entry = tar.next()) {
        bool clamped = false;
        const std::string name =
            normalise_path(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "", clamped);
        const auto it = wanted.find(name);
        if (it == wanted.end() || archive_entry_filetype(entry) != AE_IFREG) continue;
        MemberStream in(tar.get(), path_ + ": " + name);
        stream_verified(it->second.first, it->second.second, in, fn, problem);
        wanted.erase(it);
        if (wanted.empty()) break;
      }
    }
    for (const auto& [member, blob] : wanted) {
      if (problem) problem(LayerProblem{"missing_blob", blob.first.name(), path_ + " has no member " + member});
    }
  }

 private:
  void first_pass() {
    Tarball tar(path_);
    std::uint64_t kept = 0;
    bool any = false;
    while (archive_entry* entry = tar.next()) {
      any = true;
      bool clamped = false;
      const char* raw = archive_entry_pathname(entry);
      const std::string name = normalise_path(raw != nullptr ? raw : "", clamped);
      if (name.empty()) continue;
      const auto type = archive_entry_filetype(entry);
      if (type == AE_IFLNK) {
        const char* target = archive_entry_symlink(entry);
        const std::string dir = name.find('/') == std::string::npos ? "" : name.substr(0, name.rfind('/') + 1);
        links_[name] = normalise_path(dir + (target != nullptr ? target : ""), clamped);
        continue;
      }
      if (const char* hardlink = archive_entry_hardlink(entry); hardlink != nullptr) {
        links_[name] = normalise_path(hardlink, clamped);
        continue;
      }
      if (type != AE_IFREG) continue;
      const std::int64_t size = archive_entry_size(entry);
      if (size < 0 || static_cast<std::uint64_t>(size) > kSmallMember ||
          kept + static_cast<std::uint64_t>(size) > kSmallBudget) {
        continue;
      }
      std::string bytes;
      bytes.resize(static_cast<std::size_t>(size));
      std::size_t got = 0;
      while (got < bytes.size()) {
        const la_ssize_t n = archive_read_data(tar.get(), bytes.data() + got, bytes.size() - got);
        if (n < 0) throw InputError(path_ + ": " + name + ": " + tar.error());
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
      }
      if (got != bytes.size()) throw InputError(path_ + ": " + name + ": truncated");
      kept += bytes.size();
      small_[name] = std::move(bytes);
    }
    if (!any) throw InputError(path_ + ": an empty archive");
  }

  std::string resolve(std::string name) const {
    for (int hops = 0; hops < kMaxLinkHops; ++hops) {
      const auto it = links_.find(name);
      if (it == links_.end()) return name;
      name = it->second;
    }
    return name;
  }

  std::optional<std::string> small(const std::string& member) const {
    const auto it = small_.find(resolve(member));
    if (it == small_.end()) return std::nullopt;
    return it->second;
  }

  std::string path_;
  std::unordered_map<std::string, std::string> small_;
  std::unordered_map<std::string, std::string> links_;
};

// ---- an OCI image layout directory ------------------------------------------

// Opens `relative` under directory `dir_fd`, one component at a time, never
// following a symlink; a regular file only.
int open_beneath(int dir_fd, const std::string& relative) {
  int current = ::dup(dir_fd);
  if (current < 0) return -1;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = relative.find('/', start);
    const std::string part = relative.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    const bool last = slash == std::string::npos;
    if (part.empty() || part == "." || part == "..") {
      ::close(current);
      errno = EINVAL;
      return -1;
    }
    const int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | (last ? O_NONBLOCK : O_DIRECTORY);
    const int next = ::openat(current, part.c_str(), flags);
    ::close(current);
    if (next < 0) return -1;
    if (last) {
      struct stat st {};
      if (::fstat(next, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(next);
        errno = EINVAL;
        return -1;
      }
      // Reads block normally from here on.
      ::fcntl(next, F_SETFL, ::fcntl(next, F_GETFL) & ~O_NONBLOCK);
      return next;
    }
    current = next;
    start = slash + 1;
  }
}

class DirectoryInput final : public ImageInput {
 public:
  DirectoryInput(std::string path, const PlatformChoice& choice) : path_(std::move(path)) {
    dir_fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd_ < 0) throw InputError(path_ + ": " + std::strerror(errno));
    try {
      Resolver resolver([this](const std::string& member) { return document(member); }, base_name(path_), choice);
      if (const auto manifest = document("manifest.json")) {
        resolver.docker_save(*manifest, images_);  // an extracted docker save
      } else {
        resolver.oci(images_, documents_, problems_);
      }
    } catch (...) {
      ::close(dir_fd_);
      throw;
    }
  }
  ~DirectoryInput() override { ::close(dir_fd_); }
  DirectoryInput(const DirectoryInput&) = delete;
  DirectoryInput& operator=(const DirectoryInput&) = delete;

  void for_each_layer(const LayerFn& fn, const std::function<void(const LayerProblem&)>& problem) override {
    std::set<std::string> done;
    for (const auto& image : images_) {
      for (const auto& layer : image.layers) {
        const std::string member = layer.blob.digest.empty() ? layer.blob.path : digest_path(layer.blob.digest);
        if (!done.insert(member).second) continue;
        const int fd = open_beneath(dir_fd_, member);
        if (fd < 0) {
          if (problem)
            problem(
                LayerProblem{"missing_blob", layer.blob.name(), path_ + "/" + member + ": " + std::strerror(errno)});
          continue;
        }
        FdStream in(fd, path_ + "/" + member);
        stream_verified(layer.blob, layer.blob.digest.empty() ? layer.diff_id : layer.blob.digest, in, fn, problem);
      }
    }
  }

 private:
  std::optional<std::string> document(const std::string& member) const {
    const int fd = open_beneath(dir_fd_, member);
    if (fd < 0) return std::nullopt;
    FdStream in(fd, path_ + "/" + member);
    std::string bytes;
    std::array<char, 1 << 16> buffer{};
    while (const std::size_t n = in.read(buffer.data(), buffer.size())) {
      bytes.append(buffer.data(), n);
      if (bytes.size() > kMaxDocument)
        throw InputError(path_ + "/" + member + ": larger than " + std::to_string(kMaxDocument) + " bytes");
    }
    return bytes;
  }

  std::string path_;
  int dir_fd_ = -1;
};

}  // namespace

Platform host_platform() {
  Platform p;
  p.os = "linux";
  utsname name{};
  const std::string machine = ::uname(&name) == 0 ? name.machine : "x86_64";
  if (machine == "x86_64") {
    p.architecture = "amd64";
  } else if (machine == "aarch64" || machine == "arm64") {
    p.architecture = "arm64";
  } else if (machine.rfind("armv7", 0) == 0) {
    p.architecture = "arm";
    p.variant = "v7";
  } else {
    p.architecture = machine;
  }
  return p;
}

std::vector<IndexEntry> choose_manifests(const std::vector<IndexEntry>& entries, const PlatformChoice& choice) {
  std::vector<IndexEntry> images;
  for (const auto& entry : entries) {
    if (!entry.is_attestation) images.push_back(entry);
  }
  const bool any_platform =
      std::any_of(images.begin(), images.end(), [](const IndexEntry& e) { return !e.platform.os.empty(); });
  if (choice.all || !any_platform) return images;
  const Platform wanted = choice.platform.value_or(host_platform());
  std::vector<IndexEntry> out;
  for (const auto& entry : images) {
    const bool match = entry.platform.os == wanted.os && entry.platform.architecture == wanted.architecture &&
                       (wanted.variant.empty() || entry.platform.variant == wanted.variant);
    if (match || entry.platform.os.empty()) out.push_back(entry);
  }
  return out;
}

void resolve_oci_images(const DocumentGet& get, const std::string& input_name, const PlatformChoice& choice,
                        std::vector<Image>& images, std::vector<ImageDocument>& documents,
                        std::vector<LayerProblem>& problems) {
  Resolver resolver(get, input_name, choice);
  try {
    resolver.oci(images, documents, problems);
  } catch (const ImageFormatError& e) {
    throw InputError(e.what());
  }
}

std::unique_ptr<ImageInput> open_image_input(const std::string& path, const PlatformChoice& choice) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw InputError(path + ": " + std::strerror(errno));
  try {
    if (S_ISDIR(st.st_mode)) return std::make_unique<DirectoryInput>(path, choice);
    return std::make_unique<TarballInput>(path, choice);
  } catch (const ImageFormatError& e) {
    throw InputError(e.what());
  }
}

}  // namespace trawl::image
