// An image pulled from a registry (`trawl image registry.example.com/app:1.4`)
// as an ImageInput: the manifest by tag or digest (an index gives the
// platform PlatformChoice selects), then the config and every layer by
// digest, each checked against its digest. A layer is downloaded into a
// file of trawl's own temporary directory (mode 0700, the file unlinked as
// soon as it is open, the directory removed with the input), checked, then
// streamed to the layer reader; one whose bytes do not match its digest is
// reported and not scanned.
#pragma once

#include <memory>
#include <string>

#include "source/image/image_input.h"
#include "source/image/registry_client.h"
#include "source/image/registry_reference.h"

namespace trawl::image {

// Pulls `reference`'s manifests and configs; layers are fetched by
// for_each_layer. Throws InputError for a bad reference, a missing
// manifest or refused credentials, RegistryUnavailable when the registry
// cannot be reached.
std::unique_ptr<ImageInput> open_registry_input(const std::string& reference, const PlatformChoice& choice,
                                                const RegistryOptions& options, std::uint64_t max_layer_bytes);

}  // namespace trawl::image
