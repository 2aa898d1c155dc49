// What a container image is made of, read from its JSON documents: the
// manifests an input holds (a `docker save` manifest.json, an OCI index and
// image manifests), each image's config (Env, Labels, Cmd, Entrypoint, the
// build history) and its layers in order, each with the history entry that
// made it. Only parsing lives here: where the bytes come from (a tarball, a
// layout directory, a registry) is image_input.h's business.
//
// Every document is untrusted: a malformed one is an ImageFormatError naming
// the document, never a crash, and nothing here trusts a size or a count it
// did not check.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trawl::image {

class ImageFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "os/arch" or "os/arch/variant"; empty when the image does not say.
struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string text() const;
  friend bool operator==(const Platform&, const Platform&) = default;
};
// Parses "linux/amd64" or "linux/arm64/v8"; throws ImageFormatError.
Platform parse_platform(std::string_view text);

// A blob of the input: a digest ("sha256:<hex>"), or, in a classic `docker
// save` tarball, a path inside the tarball with no digest.
struct BlobRef {
  std::string digest;  // "sha256:<64 hex>", or empty
  std::string path;    // the member's path inside a docker-save tarball, or empty
  std::string media_type;
  std::int64_t size = -1;  // -1 when unknown
  std::string name() const { return digest.empty() ? path : digest; }
};

struct HistoryEntry {
  std::string created;  // RFC 3339, as recorded
  std::string created_by;
  std::string comment;
  bool empty_layer = false;
};

// The config's parts that can hold a secret, and what ties layers to history.
struct ImageConfig {
  Platform platform;
  std::vector<std::string> env;
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by key
  std::vector<std::string> cmd;
  std::vector<std::string> entrypoint;
  std::vector<HistoryEntry> history;
  std::vector<std::string> diff_ids;  // rootfs.diff_ids, one per layer
};

struct Layer {
  BlobRef blob;
  std::string diff_id;  // the uncompressed tar's digest, from the config
  // Index in ImageConfig::history of the entry that made this layer (the
  // layer-th entry that is not an empty_layer); nullopt when the image has
  // no history or too little of it.
  std::optional<std::size_t> history_index;
};

struct Image {
  std::string reference;        // a tag ("app:1.4"), or the input's name
  std::string manifest_digest;  // "sha256:…" of the manifest; empty for a classic docker save
  BlobRef config_blob;
  ImageConfig config;
  std::vector<Layer> layers;
};

// One manifest an index lists, before its document is read.
struct IndexEntry {
  BlobRef manifest;
  Platform platform;            // empty when the index does not say
  std::string ref_name;         // org.opencontainers.image.ref.name or io.containerd.image.name
  bool is_index = false;        // a nested index
  bool is_attestation = false;  // an in-toto attestation manifest (buildx)
};

// An OCI index or Docker manifest list.
std::vector<IndexEntry> parse_index(std::string_view json, std::string_view what);

// A `docker save` manifest.json: one Image per entry, each with its config
// and layers named by path; configs are parsed later (parse_config).
struct SaveEntry {
  std::string config_path;
  std::vector<std::string> repo_tags;
  std::vector<std::string> layer_paths;
};
std::vector<SaveEntry> parse_save_manifest(std::string_view json, std::string_view what);

// An image manifest (OCI or Docker v2 schema 2): its config blob and layers.
struct ManifestDoc {
  BlobRef config;
  std::vector<BlobRef> layers;
};
ManifestDoc parse_manifest(std::string_view json, std::string_view what);

ImageConfig parse_config(std::string_view json, std::string_view what);

// Ties layers to history entries and diff_ids; throws ImageFormatError when
// the config's diff_ids and the manifest's layers disagree in number.
void link_layers(Image& image);

// Whether a media type names an index (OCI index, Docker manifest list).
bool is_index_media_type(std::string_view media_type);

// "sha256:<64 lowercase hex>": the only digest form trawl accepts; any other
// (another algorithm, a path in disguise) is an ImageFormatError.
void check_digest(std::string_view digest, std::string_view what);

}  // namespace trawl::image
