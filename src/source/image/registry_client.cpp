#include "source/image/registry_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "source/image/image_input.h"

namespace trawl::image {

namespace {

constexpr std::uint64_t kMaxErrorBody = 64ULL << 10;  // read from a refusal, then dropped
constexpr std::uint64_t kMaxTokenBody = 1ULL << 20;
constexpr std::uint64_t kMaxDockerConfig = 4ULL << 20;
constexpr long kMaxRedirects = 5;

constexpr const char* kManifestAccept =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string base64_encode(std::string_view in) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8) |
                   static_cast<unsigned char>(in[i + 2]);
    for (const int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63U];
  }
  if (i < in.size()) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63U];
    out += kAlphabet[(n >> 12) & 63U];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63U] : '=';
    out += '=';
  }
  return out;
}

// Standard base64, padding optional; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : in) {
    std::uint32_t v = 0;
    if (c >= 'A' && c <= 'Z') {
      v = static_cast<std::uint32_t>(c - 'A');
    } else if (c >= 'a' && c <= 'z') {
      v = static_cast<std::uint32_t>(c - 'a' + 26);
    } else if (c >= '0' && c <= '9') {
      v = static_cast<std::uint32_t>(c - '0' + 52);
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      return std::nullopt;
    }
    bits = (bits << 6) | v;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFFU);
    }
  }
  return out;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// "https://index.docker.io/v1/" -> "index.docker.io"; "host:5000" stays.
std::string auth_key_host(std::string key) {
  if (const auto scheme = key.find("://"); scheme != std::string::npos) key = key.substr(scheme + 3);
  if (const auto slash = key.find('/'); slash != std::string::npos) key = key.substr(0, slash);
  return lower(key);
}

bool is_docker_hub(const std::string& host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
}

// The parameters of a WWW-Authenticate challenge: scheme, then key="value" pairs.
struct Challenge {
  std::string scheme;
  std::map<std::string, std::string> params;
};

Challenge parse_challenge(std::string_view text) {
  Challenge c;
  std::size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  const std::size_t space = text.find(' ', i);
  c.scheme = lower(std::string(text.substr(i, space == std::string_view::npos ? std::string_view::npos : space - i)));
  if (space == std::string_view::npos) return c;
  i = space + 1;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    const std::size_t eq = text.find('=', i);
    if (eq == std::string_view::npos) break;
    const std::string key = lower(std::string(text.substr(i, eq - i)));
    i = eq + 1;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i++];
      }
      ++i;
    } else {
      while (i < text.size() && text[i] != ',') value += text[i++];
    }
    c.params[key] = value;
  }
  return c;
}

std::string host_of_url(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return {};
  const std::string rest = url.substr(scheme + 3);
  return lower(rest.substr(0, rest.find_first_of("/?#")));
}

}  // namespace

std::string docker_config_credentials(const std::string& registry, const std::string& dir) {
  std::string config_dir = dir;
  if (config_dir.empty()) {
    const char* env = std::getenv("DOCKER_CONFIG");
    const char* home = std::getenv("HOME");
    if (env != nullptr && *env != '\0') {
      config_dir = env;
    } else if (home != nullptr && *home != '\0') {
      config_dir = std::string(home) + "/.docker";
    } else {
      return {};
    }
  }
  const std::string path = config_dir + "/config.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::string text;
  std::array<char, 1 << 14> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxDockerConfig)
      throw InputError(path + ": larger than " + std::to_string(kMaxDockerConfig) + " bytes");
  }
  const nlohmann::json config = nlohmann::json::parse(text, nullptr, false);
  if (config.is_discarded() || !config.is_object()) throw InputError(path + ": not a JSON object");
  const auto auths = config.find("auths");
  if (auths == config.end() || !auths->is_object()) return {};
  const std::string wanted = lower(registry);
  for (const auto& [key, entry] : auths->items()) {
    const std::string host = auth_key_host(key);
    if (host != wanted && !(is_docker_hub(host) && is_docker_hub(wanted))) continue;
    if (!entry.is_object()) continue;
    if (const auto auth = entry.find("auth"); auth != entry.end() && auth->is_string()) {
      const auto decoded = base64_decode(auth->get<std::string>());
      if (!decoded || decoded->find(':') == std::string::npos) {
        std::string message = path;
        message += ": the credentials for ";
        message += registry;
        message += " are not base64 of user:password";
        throw InputError(message);
      }
      return *decoded;
    }
    const auto user = entry.find("username");
    const auto password = entry.find("password");
    if (user != entry.end() && password != entry.end() && user->is_string() && password->is_string()) {
      return user->get<std::string>() + ":" + password->get<std::string>();
    }
  }
  return {};
}

struct RegistryClient::Response {
  long status = 0;
  std::string content_type;
  std::string www_authenticate;
  std::string error_body;
};

namespace {

struct Transfer {
  CURL* curl = nullptr;
  const RegistryClient::Sink* sink = nullptr;
  std::uint64_t cap = 0;
  std::uint64_t received = 0;
  bool too_large = false;
  std::string content_type;
  std::string www_authenticate;
  std::string error_body;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {  // a new response (after a redirect or a 100)
    t.content_type.clear();
    t.www_authenticate.clear();
  }
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    const std::string name = lower(std::string(line.substr(0, colon)));
    std::string value(line.substr(colon + 1));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    if (name == "content-type") t.content_type = value;
    if (name == "www-authenticate" && t.www_authenticate.empty()) t.www_authenticate = value;
  }
  return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    if (t.error_body.size() < kMaxErrorBody) t.error_body.append(data, std::min<std::size_t>(n, kMaxErrorBody));
    return n;
  }
  t.received += n;
  if (t.received > t.cap) {
    t.too_large = true;
    return 0;  // aborts the transfer
  }
  (*t.sink)(data, n);
  return n;
}

}  // namespace

RegistryClient::RegistryClient(RegistryReference ref, RegistryOptions options)
    : ref_(std::move(ref)), options_(std::move(options)) {
  global_init();
  credentials_ = options_.credentials.empty() ? docker_config_credentials(ref_.registry, options_.docker_config_dir)
                                              : options_.credentials;
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw RegistryUnavailable("cannot start an HTTP client");
}

RegistryClient::~RegistryClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

bool RegistryClient::insecure(const std::string& host) const {
  const std::string wanted = lower(host);
  return std::any_of(options_.insecure.begin(), options_.insecure.end(),
                     [&](const std::string& h) { return lower(h) == wanted; });
}

std::string RegistryClient::base_url(const std::string& host) const {
  return (insecure(host) ? "http://" : "https://") + host;
}

std::string RegistryClient::where() const { return "registry " + ref_.registry + ", repository " + ref_.repository; }

RegistryClient::Response RegistryClient::get(const std::string& url, const std::vector<std::string>& headers,
                                             std::uint64_t cap, const Sink& sink, bool send_auth) {
  auto* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  Transfer t;
  t.curl = curl;
  t.sink = &sink;
  t.cap = cap;
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  std::string auth_header;
  if (send_auth && !authorization_.empty()) {
    auth_header = "Authorization: " + authorization_;
    list = curl_slist_append(list, auth_header.c_str());
  }
  std::array<char, CURL_ERROR_SIZE> error{};
  // Plain HTTP only where the operator allowed it, redirects included.
  const char* protocols = insecure(host_of_url(url)) ? "http,https" : "https";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(curl, CURLOPT_UNRESTRICTED_AUTH, 0L);  // never the Authorization header to another host
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options_.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options_.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "trawl");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error.data());
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(list);
  Response r;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  if (t.too_large) throw RegistryBlobError(where() + ": larger than " + std::to_string(cap) + " bytes");
  if (code != CURLE_OK) {
    const std::string text = error[0] != '\0' ? error.data() : curl_easy_strerror(code);
    throw RegistryUnavailable(where() + ": " + text);
  }
  r.content_type = std::move(t.content_type);
  r.www_authenticate = std::move(t.www_authenticate);
  r.error_body = std::move(t.error_body);
  return r;
}

void RegistryClient::authenticate(const std::string& challenge_text, long status) {
  const Challenge challenge = parse_challenge(challenge_text);
  const std::string refused = where() + ": access denied (HTTP " + std::to_string(status) + ")";
  if (challenge.scheme == "basic") {
    if (credentials_.empty()) throw InputError(refused + "; it needs credentials (--registry-auth)");
    authorization_ = "Basic " + base64_encode(credentials_);
    return;
  }
  if (challenge.scheme != "bearer") throw InputError(refused + "; unsupported authentication scheme");
  const auto realm = challenge.params.find("realm");
  if (realm == challenge.params.end() || host_of_url(realm->second).empty()) {
    throw InputError(refused + "; the challenge names no token service");
  }
  auto* curl = static_cast<CURL*>(curl_);
  auto escape = [&](const std::string& s) {
    char* e = curl_easy_escape(curl, s.c_str(), static_cast<int>(s.size()));
    std::string out = e != nullptr ? e : "";
    curl_free(e);
    return out;
  };
  std::string url = realm->second;
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  if (const auto service = challenge.params.find("service"); service != challenge.params.end()) {
    url += sep + ("service=" + escape(service->second));
    sep = '&';
  }
  const auto scope = challenge.params.find("scope");
  url += sep + ("scope=" +
                escape(scope != challenge.params.end() ? scope->second : "repository:" + ref_.repository + ":pull"));
  std::string body;
  const Sink collect = [&](const char* data, std::size_t size) { body.append(data, size); };
  authorization_ = credentials_.empty() ? "" : "Basic " + base64_encode(credentials_);
  Response r;
  try {
    r = get(url, {}, kMaxTokenBody, collect, true);
  } catch (const RegistryBlobError&) {
    authorization_.clear();
    throw RegistryUnavailable(where() + ": the token service's answer is larger than " + std::to_string(kMaxTokenBody) +
                              " bytes");
  }
  authorization_.clear();
  if (r.status == 401 || r.status == 403) {
    throw InputError(where() + ": the token service refused " +
                     (credentials_.empty() ? std::string("anonymous access") : std::string("the credentials")) +
                     " (HTTP " + std::to_string(r.status) + ")");
  }
  if (r.status != 200) {
    throw RegistryUnavailable(where() + ": the token service answered HTTP " + std::to_string(r.status));
  }
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  std::string token;
  if (json.is_object()) {
    for (const char* key : {"token", "access_token"}) {
      if (const auto it = json.find(key); it != json.end() && it->is_string() && !it->get<std::string>().empty()) {
        token = it->get<std::string>();
        break;
      }
    }
  }
  const bool printable = std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 127; });
  if (token.empty() || !printable) throw RegistryUnavailable(where() + ": the token service gave no usable token");
  authorization_ = "Bearer " + token;
}

RegistryClient::Response RegistryClient::get_with_auth(const std::string& path, const std::vector<std::string>& headers,
                                                       std::uint64_t cap, const Sink& sink) {
  const std::string url = base_url(ref_.api_host) + path;
  Response r = get(url, headers, cap, sink, true);
  // Authenticate when asked to; a bearer token may also have expired during a long pull.
  const bool may_retry = authorization_.empty() || authorization_.rfind("Bearer ", 0) == 0;
  if ((r.status == 401 || r.status == 403) && may_retry && !r.www_authenticate.empty()) {
    authenticate(r.www_authenticate, r.status);
    r = get(url, headers, cap, sink, true);
  }
  if (r.status == 401 || r.status == 403) {
    throw InputError(where() + ": access denied (HTTP " + std::to_string(r.status) + ")" +
                     (credentials_.empty() ? "; it may need credentials (--registry-auth)" : ""));
  }
  return r;
}

RegistryClient::Manifest RegistryClient::manifest(const std::string& ref) {
  Manifest m;
  const Sink collect = [&](const char* data, std::size_t size) { m.bytes.append(data, size); };
  Response r;
  try {
    r = get_with_auth("/v2/" + ref_.repository + "/manifests/" + ref, {kManifestAccept}, options_.max_manifest_bytes,
                      collect);
  } catch (const RegistryBlobError&) {
    throw InputError(ref_.text + ": manifest " + ref + " is larger than " +
                     std::to_string(options_.max_manifest_bytes) + " bytes");
  }
  if (r.status == 404) throw InputError(ref_.text + ": " + where() + " has no manifest " + ref + " (HTTP 404)");
  if (r.status != 200) {
    throw RegistryUnavailable(where() + ": manifest " + ref + ": HTTP " + std::to_string(r.status));
  }
  m.media_type = r.content_type.substr(0, r.content_type.find(';'));
  return m;
}

void RegistryClient::blob(const std::string& digest, std::uint64_t cap, const Sink& sink) {
  const Response r = get_with_auth("/v2/" + ref_.repository + "/blobs/" + digest, {}, cap, sink);
  if (r.status == 404) throw RegistryBlobError(where() + " has no blob " + digest + " (HTTP 404)");
  if (r.status != 200) throw RegistryUnavailable(where() + ": blob " + digest + ": HTTP " + std::to_string(r.status));
}

}  // namespace trawl::image
