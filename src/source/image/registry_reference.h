// A registry reference as `trawl image` takes it: `HOST[:PORT]/NAME[:TAG]`
// or `HOST[:PORT]/NAME[@sha256:HEX]`, optionally written `docker://…`.
// The host is required (a word with a dot or a port, or `localhost`), so
// that a mistyped file name is never taken for a pull from Docker Hub;
// `docker.io/x` is Docker Hub's `library/x`, served by registry-1.docker.io.
#pragma once

#include <string>
#include <string_view>

namespace trawl::image {

struct RegistryReference {
  std::string text;        // as given
  std::string registry;    // "host[:port]" as written ("docker.io" kept)
  std::string api_host;    // where the API is: "registry-1.docker.io" for Docker Hub
  std::string repository;  // "team/app", "library/nginx"
  std::string tag;         // "latest" when neither tag nor digest is given
  std::string digest;      // "sha256:<hex>", or empty
  // What /v2/<repository>/manifests/ takes: the digest, else the tag.
  const std::string& manifest_ref() const { return digest.empty() ? tag : digest; }
};

// Whether `input` has a registry reference's form (and so is not a path;
// the caller checks first that no file of that name exists).
bool looks_like_registry_reference(std::string_view input);

// Parses `input`; throws InputError naming it when it is not a reference.
RegistryReference parse_registry_reference(std::string_view input);

}  // namespace trawl::image
