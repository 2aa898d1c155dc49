#include "report/redact.h"

#include <algorithm>

#include "content/sha256.h"

namespace trawl {

std::string mask_secret(const std::string& secret, unsigned percent) {
  if (percent >= 100) return "REDACTED";
  const std::size_t keep = secret.size() * (100 - percent) / 100;
  return secret.substr(0, keep) + "...";
}

SecretMasker::SecretMasker(unsigned percent, const std::vector<std::string>& secrets) : percent_(percent) {
  for (const std::string& s : secrets) {
    if (!s.empty()) secrets_.push_back(s);
  }
  std::sort(secrets_.begin(), secrets_.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
  for (std::size_t i = 0; i < secrets_.size(); ++i) {
    if (secrets_[i].size() < kPrefix) {
      short_.push_back(i);
    } else {
      by_prefix_[secrets_[i].substr(0, kPrefix)].push_back(i);
    }
  }
}

std::string SecretMasker::mask(std::string_view text) const {
  if (secrets_.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    const std::string_view rest = text.substr(at);
    const std::string* found = nullptr;
    if (rest.size() >= kPrefix) {
      if (const auto it = by_prefix_.find(std::string(rest.substr(0, kPrefix))); it != by_prefix_.end()) {
        for (const std::size_t i : it->second) {
          if (rest.starts_with(secrets_[i])) {
            found = &secrets_[i];
            break;
          }
        }
      }
    }
    for (std::size_t s = 0; found == nullptr && s < short_.size(); ++s) {
      if (rest.starts_with(secrets_[short_[s]])) found = &secrets_[short_[s]];
    }
    if (found == nullptr) {
      out += text[at++];
    } else {
      out += mask_secret(*found, percent_);
      at += found->size();
    }
  }
  return out;
}

void redact_report(std::vector<Finding>& findings, std::vector<SecretTimeline>& timelines, unsigned percent,
                   std::string_view key) {
  if (percent == 0) return;
  std::vector<std::string> secrets;
  secrets.reserve(findings.size() + timelines.size());
  for (const Finding& f : findings) secrets.push_back(f.secret);
  for (const SecretTimeline& t : timelines) secrets.push_back(t.secret);
  const SecretMasker masker(percent, secrets);
  const auto mask = [&masker](std::string& text) { text = masker.mask(text); };
  for (Finding& f : findings) {
    for (std::string* field :
         {&f.secret, &f.match, &f.line, &f.path, &f.author, &f.email, &f.message, &f.fingerprint}) {
      mask(*field);
    }
    // An image's build history records build arguments: a secret may be in it.
    if (f.image) {
      mask(f.image->reference);
      if (f.image->created_by) mask(*f.image->created_by);
    }
  }
  for (SecretTimeline& t : timelines) {
    t.secret_hmac_sha256 = hmac_sha256_hex(key, t.secret);
    t.secret_sha256.clear();
    mask(t.secret);
    const auto mask_image = [&mask](std::optional<ImageLocation>& image) {
      if (!image) return;
      mask(image->reference);
      if (image->created_by) mask(*image->created_by);
    };
    for (SecretIntroduction& i : t.introduced) {
      mask(i.author);
      mask(i.email);
      mask(i.path);
      mask_image(i.image);
    }
    for (SecretRemoval& r : t.removed) {
      mask(r.path);
      mask_image(r.image);
    }
    for (std::string& ref : t.reachable_from) mask(ref);
    for (SecretAtRef& p : t.present_at) {
      mask(p.ref);
      mask(p.path);
    }
  }
}

}  // namespace trawl
