// The OCI distribution API's pull side over libcurl: a manifest by tag or
// digest, a blob by digest, with the registry's authentication (anonymous,
// HTTP Basic, or the bearer-token flow a 401's WWW-Authenticate names).
//
// HTTPS unless the registry's host[:port] is listed as insecure; redirects
// (blob downloads go to storage) followed only to http(s), never to plain
// HTTP from a secure registry; a registry that makes no progress for the
// timeout is an error, never a hang; every body is capped.
//
// Credentials come from the options or from Docker's config.json (`auths`
// → `auth`, base64 "user:password"; $DOCKER_CONFIG or ~/.docker). They are
// sent only in headers, never logged and never in an error message: errors
// name the registry, the repository and the HTTP status.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "source/image/registry_reference.h"

namespace trawl::image {

// The registry could not be reached or failed mid-transfer (connection
// refused, a stall past the timeout, a 5xx): the scan cannot complete.
class RegistryUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One blob that cannot be had: the registry does not have it (404), or it
// is larger than its cap. Reported and skipped; the rest is scanned.
class RegistryBlobError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RegistryOptions {
  std::vector<std::string> insecure;  // host[:port] reached over plain HTTP
  long timeout_seconds = 30;          // to connect, and of no progress after
  std::string credentials;            // "user:password"; empty: Docker's config, else anonymous
  std::string docker_config_dir;      // empty: $DOCKER_CONFIG, else ~/.docker
  std::uint64_t max_manifest_bytes = 4ULL << 20;
};

// "user:password" for `registry` from Docker's config.json in `dir` (empty:
// $DOCKER_CONFIG, else $HOME/.docker); empty when it has none (or no such
// file). Throws InputError naming the file when it is not JSON or its
// `auth` is not base64 of user:password. Credential helpers are not run.
std::string docker_config_credentials(const std::string& registry, const std::string& dir);

class RegistryClient {
 public:
  RegistryClient(RegistryReference ref, RegistryOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  struct Manifest {
    std::string bytes;
    std::string media_type;  // the response's Content-Type
  };
  // GET /v2/<repository>/manifests/<ref>. Throws InputError when the
  // registry has no such manifest or refuses the credentials,
  // RegistryUnavailable when it cannot be reached.
  Manifest manifest(const std::string& ref);

  // GET /v2/<repository>/blobs/<digest>, each piece to `sink`. Throws
  // RegistryBlobError on 404 or past `cap` bytes, InputError when access is
  // refused, RegistryUnavailable otherwise.
  using Sink = std::function<void(const char* data, std::size_t size)>;
  void blob(const std::string& digest, std::uint64_t cap, const Sink& sink);

  const RegistryReference& reference() const { return ref_; }

 private:
  struct Response;
  Response get(const std::string& url, const std::vector<std::string>& headers, std::uint64_t cap, const Sink& sink,
               bool send_auth);
  Response get_with_auth(const std::string& path, const std::vector<std::string>& headers, std::uint64_t cap,
                         const Sink& sink);
  void authenticate(const std::string& challenge, long status);
  std::string base_url(const std::string& host) const;
  bool insecure(const std::string& host) const;
  std::string where() const;

  RegistryReference ref_;
  RegistryOptions options_;
  std::string credentials_;
  std::string authorization_;  // the Authorization header's value once authenticated
  void* curl_ = nullptr;
};

}  // namespace trawl::image
