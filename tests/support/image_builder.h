// Builds container images by hand for the tests, in every form trawl reads:
// an OCI image layout (as a directory or an OCI archive), a classic
// `docker save` tarball, and Docker 25's docker save (an OCI layout with a
// manifest.json). Each form is a map of member path to bytes; write_dir and
// make_tar turn it into a directory or a tarball.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "content/sha256.h"
#include "support/tar_writer.h"

namespace trawl::test {

struct BuiltLayer {
  std::string tar;  // the uncompressed layer
  Compression compression = Compression::kGzip;
  std::string created_by;
};

struct BuiltImage {
  std::vector<BuiltLayer> layers;
  std::vector<std::string> env;
  std::vector<std::string> cmd;
  std::vector<std::string> entrypoint;
  std::map<std::string, std::string> labels;
  // History entries with no layer ("ENV ...", "ARG ..."), inserted before layer i.
  std::map<std::size_t, std::vector<std::string>> empty_history;
  std::string os = "linux";
  std::string architecture = "amd64";
  std::string tag = "app:1.4";
};

using Members = std::map<std::string, std::string>;

inline std::string digest_of(const std::string& bytes) { return "sha256:" + sha256_hex(bytes); }

struct ImageBlobs {
  std::string config;
  std::vector<std::string> layer_blobs;  // compressed as asked
  std::string manifest;
};

inline ImageBlobs image_blobs(const BuiltImage& image) {
  nlohmann::json config;
  config["os"] = image.os;
  config["architecture"] = image.architecture;
  config["config"]["Env"] = image.env;
  if (!image.cmd.empty()) config["config"]["Cmd"] = image.cmd;
  if (!image.entrypoint.empty()) config["config"]["Entrypoint"] = image.entrypoint;
  if (!image.labels.empty()) config["config"]["Labels"] = image.labels;
  config["rootfs"]["type"] = "layers";
  config["rootfs"]["diff_ids"] = nlohmann::json::array();
  config["history"] = nlohmann::json::array();
  ImageBlobs out;
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    if (const auto it = image.empty_history.find(i); it != image.empty_history.end()) {
      for (const auto& by : it->second) config["history"].push_back({{"created_by", by}, {"empty_layer", true}});
    }
    const auto& layer = image.layers[i];
    config["rootfs"]["diff_ids"].push_back(digest_of(layer.tar));
    config["history"].push_back({{"created_by", layer.created_by}});
    std::string blob = layer.tar;
    std::string media = "application/vnd.oci.image.layer.v1.tar";
    if (layer.compression != Compression::kNone) {
      blob = compress(layer.tar, layer.compression);
      media += layer.compression == Compression::kGzip ? "+gzip" : "+zstd";
    }
    layers.push_back({{"mediaType", media}, {"digest", digest_of(blob)}, {"size", blob.size()}});
    out.layer_blobs.push_back(std::move(blob));
  }
  out.config = config.dump();
  nlohmann::json manifest;
  manifest["schemaVersion"] = 2;
  manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json";
  manifest["config"] = {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                        {"digest", digest_of(out.config)},
                        {"size", out.config.size()}};
  manifest["layers"] = layers;
  out.manifest = manifest.dump();
  return out;
}

// An OCI image layout holding `images` (one index entry each).
inline Members oci_layout(const std::vector<BuiltImage>& images, bool with_platform = false) {
  Members m;
  m["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
  nlohmann::json index;
  index["schemaVersion"] = 2;
  index["manifests"] = nlohmann::json::array();
  for (const auto& image : images) {
    const ImageBlobs blobs = image_blobs(image);
    auto put = [&](const std::string& bytes) { m["blobs/sha256/" + sha256_hex(bytes)] = bytes; };
    put(blobs.config);
    put(blobs.manifest);
    for (const auto& layer : blobs.layer_blobs) put(layer);
    nlohmann::json entry = {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                            {"digest", digest_of(blobs.manifest)},
                            {"size", blobs.manifest.size()},
                            {"annotations", {{"org.opencontainers.image.ref.name", image.tag}}}};
    if (with_platform) entry["platform"] = {{"os", image.os}, {"architecture", image.architecture}};
    index["manifests"].push_back(entry);
  }
  m["index.json"] = index.dump();
  return m;
}

// A classic `docker save` tarball's members (layers uncompressed).
inline Members docker_save_classic(const BuiltImage& image) {
  Members m;
  const ImageBlobs blobs = image_blobs(image);
  const std::string config_name = sha256_hex(blobs.config) + ".json";
  m[config_name] = blobs.config;
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    const std::string dir = sha256_hex(image.layers[i].tar + std::to_string(i));
    m[dir + "/layer.tar"] = image.layers[i].tar;
    m[dir + "/VERSION"] = "1.0";
    layers.push_back(dir + "/layer.tar");
  }
  nlohmann::json manifest = nlohmann::json::array();
  manifest.push_back({{"Config", config_name}, {"RepoTags", {image.tag}}, {"Layers", layers}});
  m["manifest.json"] = manifest.dump();
  return m;
}

// Docker 25's docker save: an OCI layout plus manifest.json naming blobs.
inline Members docker_save_oci(const BuiltImage& image) {
  Members m = oci_layout({image});
  const ImageBlobs blobs = image_blobs(image);
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : blobs.layer_blobs) layers.push_back("blobs/sha256/" + sha256_hex(layer));
  nlohmann::json manifest = nlohmann::json::array();
  manifest.push_back(
      {{"Config", "blobs/sha256/" + sha256_hex(blobs.config)}, {"RepoTags", {image.tag}}, {"Layers", layers}});
  m["manifest.json"] = manifest.dump();
  return m;
}

inline std::string members_tar(const Members& members, Compression compression = Compression::kNone) {
  std::vector<TarMember> list;
  for (const auto& [name, bytes] : members) list.push_back(file(name, bytes));
  return make_tar(list, compression);
}

inline void write_members(const std::filesystem::path& dir, const Members& members) {
  for (const auto& [name, bytes] : members) {
    const auto path = dir / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace trawl::test
