// Where an image's bytes come from: a `docker save` tarball (the classic
// layout with manifest.json and <id>/layer.tar, or the OCI layout Docker
// writes since 25), an OCI archive (an OCI image layout in a tar, no
// manifest.json), an OCI image layout directory, any of the tarballs gzip-
// or zstd-compressed. An input lists the images it holds (image_layout.h)
// and streams each distinct layer blob once.
//
// A tarball is read in two passes and never extracted: the first keeps the
// small members (manifests, configs, small layers) in memory up to a
// bound, the second streams the large layers in the tarball's order. A
// layout directory's blobs are opened one by one, regular files only,
// never through a symlink.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "source/image/image_layout.h"
#include "source/image/layer_reader.h"

namespace trawl::image {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PlatformChoice {
  std::optional<Platform> platform;  // --platform; default: the host's
  bool all = false;                  // --all-platforms
};

// Which manifest of an index to scan: those matching `choice` (all of them
// with choice.all); an index with no platform information gives all.
// Attestation manifests are never chosen here.
std::vector<IndexEntry> choose_manifests(const std::vector<IndexEntry>& entries, const PlatformChoice& choice);
Platform host_platform();

// A document an image carries that is not a layer but can hold a secret:
// an in-toto provenance attestation, say.
struct ImageDocument {
  std::string path;  // "(attestation) <predicateType>", or "(attestation) <digest>" for what is no statement
  std::string bytes;
};

class ImageInput {
 public:
  virtual ~ImageInput() = default;
  // Every image the input holds that `choice` selects.
  const std::vector<Image>& images() const { return images_; }
  const std::vector<ImageDocument>& documents() const { return documents_; }
  // What opening the input found missing or damaged and skipped (an
  // attestation whose manifest or statement cannot be read).
  const std::vector<LayerProblem>& problems() const { return problems_; }
  // Streams every distinct layer blob of images() once, with the verified
  // digest: `fn` must read the stream to its end for the digest check;
  // a mismatch is reported through `problem`.
  using LayerFn = std::function<void(const BlobRef& blob, ByteStream& bytes)>;
  virtual void for_each_layer(const LayerFn& fn, const std::function<void(const LayerProblem&)>& problem) = 0;
  // Layers (by BlobRef::name()) that an earlier input has read: an input
  // that would download them (a registry) leaves them out.
  void set_already_read(std::function<bool(const std::string& layer)> already_read) {
    already_read_ = std::move(already_read);
  }

 protected:
  std::vector<Image> images_;
  std::vector<ImageDocument> documents_;
  std::vector<LayerProblem> problems_;
  std::function<bool(const std::string& layer)> already_read_;
};

// Resolves the images an OCI index selects, reading documents through `get`
// ("index.json", "blobs/sha256/<hex>"; nullopt when there is none), as for a
// layout directory: what a registry input does with what it downloads.
// An attestation that cannot be read is added to `problems`, not thrown.
using DocumentGet = std::function<std::optional<std::string>(const std::string& member)>;
void resolve_oci_images(const DocumentGet& get, const std::string& input_name, const PlatformChoice& choice,
                        std::vector<Image>& images, std::vector<ImageDocument>& documents,
                        std::vector<LayerProblem>& problems);

// Opens `path`: a directory is an OCI image layout, a file a tarball.
// Throws InputError (a clear message naming the input and what is wrong).
std::unique_ptr<ImageInput> open_image_input(const std::string& path, const PlatformChoice& choice);

}  // namespace trawl::image
