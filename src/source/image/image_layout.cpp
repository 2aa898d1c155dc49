#include "source/image/image_layout.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace trawl::image {

namespace {

using nlohmann::json;

json parse_document(std::string_view text, std::string_view what) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw ImageFormatError(std::string(what) + ": not valid JSON");
  return doc;
}

[[noreturn]] void malformed(std::string_view what, std::string_view why) {
  throw ImageFormatError(std::string(what) + ": " + std::string(why));
}

std::string string_field(const json& object, const char* key, std::string_view what, bool required = false) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) malformed(what, std::string("missing \"") + key + "\"");
    return {};
  }
  if (!it->is_string()) malformed(what, std::string("\"") + key + "\" is not a string");
  return it->get<std::string>();
}

std::vector<std::string> string_list(const json& object, const char* key, std::string_view what) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return out;
  if (it->is_string()) {  // Docker accepts a bare string for Cmd and Entrypoint
    out.push_back(it->get<std::string>());
    return out;
  }
  if (!it->is_array()) malformed(what, std::string("\"") + key + "\" is not a list");
  for (const auto& item : *it) {
    if (!item.is_string()) malformed(what, std::string("\"") + key + "\" holds a non-string");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Platform platform_of(const json& object, std::string_view what) {
  Platform p;
  p.os = string_field(object, "os", what);
  p.architecture = string_field(object, "architecture", what);
  p.variant = string_field(object, "variant", what);
  return p;
}

BlobRef descriptor(const json& object, std::string_view what) {
  if (!object.is_object()) malformed(what, "a descriptor is not an object");
  BlobRef ref;
  ref.digest = string_field(object, "digest", what, /*required=*/true);
  check_digest(ref.digest, what);
  ref.media_type = string_field(object, "mediaType", what);
  if (const auto it = object.find("size"); it != object.end()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0) malformed(what, "a descriptor's size is not a size");
    ref.size = it->get<std::int64_t>();
  }
  return ref;
}

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::string Platform::text() const {
  if (os.empty() && architecture.empty()) return {};
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

Platform parse_platform(std::string_view text) {
  Platform p;
  const auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) {
    throw ImageFormatError("platform \"" + std::string(text) + "\": expected OS/ARCH[/VARIANT]");
  }
  p.os = std::string(text.substr(0, slash));
  const std::string_view rest = text.substr(slash + 1);
  const auto second = rest.find('/');
  p.architecture = std::string(rest.substr(0, second));
  if (second != std::string_view::npos) p.variant = std::string(rest.substr(second + 1));
  if (p.architecture.empty() || p.variant.find('/') != std::string::npos) {
    throw ImageFormatError("platform \"" + std::string(text) + "\": expected OS/ARCH[/VARIANT]");
  }
  return p;
}

void check_digest(std::string_view digest, std::string_view what) {
  constexpr std::string_view kPrefix = "sha256:";
  if (digest.size() != kPrefix.size() + 64 || digest.substr(0, kPrefix.size()) != kPrefix ||
      !is_hex(digest.substr(kPrefix.size()))) {
    malformed(what, "digest \"" + std::string(digest.substr(0, 80)) + "\" is not sha256:<64 lowercase hex>");
  }
}

bool is_index_media_type(std::string_view media_type) {
  return media_type == "application/vnd.oci.image.index.v1+json" ||
         media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

std::vector<IndexEntry> parse_index(std::string_view text, std::string_view what) {
  const json doc = parse_document(text, what);
  if (!doc.is_object()) malformed(what, "not a JSON object");
  const auto manifests = doc.find("manifests");
  if (manifests == doc.end() || !manifests->is_array()) malformed(what, "no \"manifests\" list");
  std::vector<IndexEntry> out;
  for (const auto& item : *manifests) {
    IndexEntry entry;
    entry.manifest = descriptor(item, what);
    entry.is_index = is_index_media_type(entry.manifest.media_type);
    if (const auto p = item.find("platform"); p != item.end() && p->is_object()) entry.platform = platform_of(*p, what);
    if (const auto a = item.find("annotations"); a != item.end() && a->is_object()) {
      for (const char* key : {"org.opencontainers.image.ref.name", "io.containerd.image.name"}) {
        if (const auto v = a->find(key); v != a->end() && v->is_string() && entry.ref_name.empty()) {
          entry.ref_name = v->get<std::string>();
        }
      }
      if (const auto v = a->find("vnd.docker.reference.type"); v != a->end() && v->is_string()) {
        entry.is_attestation = v->get<std::string>() == "attestation-manifest";
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<SaveEntry> parse_save_manifest(std::string_view text, std::string_view what) {
  const json doc = parse_document(text, what);
  if (!doc.is_array()) malformed(what, "not a JSON list");
  std::vector<SaveEntry> out;
  for (const auto& item : doc) {
    if (!item.is_object()) malformed(what, "an entry is not an object");
    SaveEntry entry;
    entry.config_path = string_field(item, "Config", what, /*required=*/true);
    entry.repo_tags = string_list(item, "RepoTags", what);
    entry.layer_paths = string_list(item, "Layers", what);
    out.push_back(std::move(entry));
  }
  return out;
}

ManifestDoc parse_manifest(std::string_view text, std::string_view what) {
  const json doc = parse_document(text, what);
  if (!doc.is_object()) malformed(what, "not a JSON object");
  if (doc.contains("manifests")) malformed(what, "an index where an image manifest was expected");
  const auto config = doc.find("config");
  if (config == doc.end()) malformed(what, "no \"config\"");
  ManifestDoc out;
  out.config = descriptor(*config, what);
  const auto layers = doc.find("layers");
  if (layers != doc.end() && !layers->is_null()) {
    if (!layers->is_array()) malformed(what, "\"layers\" is not a list");
    for (const auto& layer : *layers) out.layers.push_back(descriptor(layer, what));
  }
  return out;
}

ImageConfig parse_config(std::string_view text, std::string_view what) {
  const json doc = parse_document(text, what);
  if (!doc.is_object()) malformed(what, "not a JSON object");
  ImageConfig out;
  out.platform = platform_of(doc, what);
  // Docker writes "config"; very old images also "container_config".
  if (const auto c = doc.find("config"); c != doc.end() && c->is_object()) {
    out.env = string_list(*c, "Env", what);
    out.cmd = string_list(*c, "Cmd", what);
    out.entrypoint = string_list(*c, "Entrypoint", what);
    if (const auto l = c->find("Labels"); l != c->end() && l->is_object()) {
      for (const auto& [key, value] : l->items()) {
        out.labels.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
      }
      std::sort(out.labels.begin(), out.labels.end());
    }
  }
  if (const auto h = doc.find("history"); h != doc.end() && !h->is_null()) {
    if (!h->is_array()) malformed(what, "\"history\" is not a list");
    for (const auto& item : *h) {
      if (!item.is_object()) malformed(what, "a history entry is not an object");
      HistoryEntry entry;
      entry.created = string_field(item, "created", what);
      entry.created_by = string_field(item, "created_by", what);
      entry.comment = string_field(item, "comment", what);
      if (const auto e = item.find("empty_layer"); e != item.end() && e->is_boolean())
        entry.empty_layer = e->get<bool>();
      out.history.push_back(std::move(entry));
    }
  }
  if (const auto r = doc.find("rootfs"); r != doc.end() && r->is_object()) {
    out.diff_ids = string_list(*r, "diff_ids", what);
    for (const auto& id : out.diff_ids) check_digest(id, what);
  }
  return out;
}

void link_layers(Image& image) {
  const auto& diff_ids = image.config.diff_ids;
  if (diff_ids.size() != image.layers.size()) {
    throw ImageFormatError(image.reference + ": the config lists " + std::to_string(diff_ids.size()) +
                           " layers (rootfs.diff_ids) and the manifest " + std::to_string(image.layers.size()));
  }
  std::size_t history = 0;
  const auto& entries = image.config.history;
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    image.layers[i].diff_id = diff_ids[i];
    while (history < entries.size() && entries[history].empty_layer) ++history;
    if (history < entries.size()) image.layers[i].history_index = history++;
  }
}

}  // namespace trawl::image
