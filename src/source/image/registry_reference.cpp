#include "source/image/registry_reference.h"

#include <algorithm>

#include "source/image/image_input.h"
#include "source/image/image_layout.h"

namespace trawl::image {

namespace {

constexpr std::string_view kScheme = "docker://";
constexpr std::size_t kMaxReference = 4096;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

// [a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*(:[0-9]+)?
bool is_host(std::string_view host) {
  const std::size_t colon = host.find(':');
  const std::string_view name = host.substr(0, colon);
  if (colon != std::string_view::npos) {
    const std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
  }
  if (name.empty() || name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '-' || c == '.'; });
}

// A host, not the first component of a repository: a dot, a port or localhost.
bool names_a_host(std::string_view first) {
  return is_host(first) && (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
                            first == "localhost");
}

// Components [a-z0-9]+([._-]+[a-z0-9]+)* separated by "/".
bool is_repository(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = name.find('/', start);
    const std::string_view part =
        name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) return false;
    if (!std::all_of(part.begin(), part.end(),
                     [](char c) { return is_lower_alnum(c) || c == '.' || c == '_' || c == '-'; })) {
      return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
bool is_tag(std::string_view tag) {
  return !tag.empty() && tag.size() <= 128 && (is_alnum(tag.front()) || tag.front() == '_') &&
         std::all_of(tag.begin(), tag.end(), [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

std::string_view without_scheme(std::string_view input) {
  return input.substr(0, kScheme.size()) == kScheme ? input.substr(kScheme.size()) : input;
}

}  // namespace

bool looks_like_registry_reference(std::string_view input) {
  if (input.substr(0, kScheme.size()) == kScheme) return true;
  const std::size_t slash = input.find('/');
  return slash != std::string_view::npos && names_a_host(input.substr(0, slash));
}

RegistryReference parse_registry_reference(std::string_view input) {
  const std::string shown(input.substr(0, std::min(input.size(), std::size_t{200})));
  auto bad = [&](const std::string& why) { return InputError("'" + shown + "': not a registry reference: " + why); };
  if (input.size() > kMaxReference) throw bad("too long");
  RegistryReference ref;
  ref.text = std::string(input);
  std::string_view rest = without_scheme(input);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || !names_a_host(rest.substr(0, slash))) {
    throw bad("it must start with the registry's host (registry.example.com/NAME, localhost:5000/NAME)");
  }
  ref.registry = std::string(rest.substr(0, slash));
  rest = rest.substr(slash + 1);
  if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    try {
      check_digest(ref.digest, "");
    } catch (const ImageFormatError&) {
      throw bad("the digest must be sha256:<64 lowercase hex>");
    }
    rest = rest.substr(0, at);
  }
  if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    ref.tag = std::string(rest.substr(colon + 1));
    if (!is_tag(ref.tag)) throw bad("'" + ref.tag + "' is not a tag");
    rest = rest.substr(0, colon);
  }
  if (!is_repository(rest))
    throw bad("'" + std::string(rest) + "' is not a repository name (lowercase, a-z 0-9 . _ -)");
  ref.repository = std::string(rest);
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  ref.api_host = ref.registry;
  if (ref.registry == "docker.io" || ref.registry == "index.docker.io" || ref.registry == "registry-1.docker.io") {
    ref.api_host = "registry-1.docker.io";
    if (ref.repository.find('/') == std::string::npos) ref.repository = "library/" + ref.repository;
  }
  return ref;
}

}  // namespace trawl::image
