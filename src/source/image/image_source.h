// Container images as a ContentSource (`trawl image INPUT...`): every file
// of every layer, including those a later layer deletes or replaces, the
// config (Env, Labels, Cmd, Entrypoint) and the build history, and any
// attestation documents. Each layer is read once per run however many
// images share it; each file is keyed by the SHA-256 of its bytes, so
// identical files are matched once.
//
// Provenance: each layer of each image is a step in the place of a commit,
// its files introductions whose earlier version is what the layers below
// held at that path (so a secret is reported in the layer that brought it,
// not again in a layer that merely rewrites the file), whiteouts and
// overwrites are departures, and the config is one more step whose files
// are "(config) Env", "(config) Labels", "(config) Cmd",
// "(config) Entrypoint" and "(history N)". Which files the final
// filesystem holds is recorded per image, so a finding can say whether the
// secret is still there or only in a lower layer.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "source/content_source.h"
#include "source/image/image_input.h"
#include "source/image/registry_client.h"

namespace trawl {

struct ImageScanOptions {
  image::PlatformChoice platform;
  std::uint64_t max_blob_size = 64ULL << 20;
  image::LayerLimits limits;
  image::RegistryOptions registry;  // for inputs that are registry references
};

class ImageSource final : public ContentSource {
 public:
  // `inputs` are image tarballs, layout directories or registry references
  // (an input that names no existing file and has a reference's form,
  // registry_reference.h); `root` is where rules and ignore files are
  // looked for.
  ImageSource(std::vector<std::string> inputs, std::string root, ImageScanOptions options);

  const std::string& root() const override { return root_; }
  // Opens every input (pulling registry references' manifests); throws
  // image::InputError naming the bad one, image::RegistryUnavailable when a
  // registry cannot be reached.
  void list(SkipLog& skips) override;
  const Provenance& provenance() const override { return provenance_; }
  // Before read(): the layers and config documents to read; after it, the
  // distinct files they held and what was skipped.
  std::uint64_t blob_count() const override { return found_blobs_ != 0 ? found_blobs_ : listed_blobs_; }
  void read(BatchOutput& out, SkipLog& skips) override;
  bool provenance_before_read() const override { return false; }
  std::vector<std::pair<std::string, std::uint64_t>> other_skips() const override;

  // The images listed, in input order.
  std::vector<const image::Image*> images() const;

 private:
  struct Record {
    image::LayerEntry::Kind kind;
    std::string path;
    BlobKey blob;      // files (and hardlinks, once resolved)
    std::string link;  // hardlinks: the target's path in the same layer
  };
  void build_provenance();

  std::vector<std::string> inputs_;
  std::string root_;
  ImageScanOptions options_;
  std::vector<std::unique_ptr<image::ImageInput>> opened_;
  std::map<std::string, std::vector<Record>> layers_;  // by layer blob name
  std::map<std::string, std::uint64_t> problems_;      // noticed but read anyway, by kind
  // Per image, in images() order: the config documents' paths and keys.
  std::vector<std::vector<std::pair<std::string, BlobKey>>> config_keys_;
  std::uint64_t listed_blobs_ = 0;
  std::uint64_t found_blobs_ = 0;
  Provenance provenance_;
};

}  // namespace trawl
