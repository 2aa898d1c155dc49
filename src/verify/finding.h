// A finding: a secret introduced at a place, the (commit, path, line) where
// it is present and was absent from the same path in every parent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "content/object_id.h"
#include "rules/confidence.h"

namespace trawl {

// Where in a container image a finding is.
struct ImageLocation {
  std::string reference;
  std::string manifest_digest;
  std::string platform;
  std::optional<std::uint32_t> layer;  // none for the config and the build history
  std::string layer_digest;            // the layer's diff_id; empty for the config
  std::optional<std::string> created_by;
  bool in_final_filesystem = true;  // false when a later layer deleted or replaced the file
};

struct Finding {
  std::string rule_id;
  std::string description;
  std::string secret;
  std::string match;
  std::string line;  // the source line(s) holding the match
  std::string path;
  std::uint32_t start_line = 0;  // 1-based; 0 for a path-only rule
  std::uint32_t start_column = 0;
  std::uint32_t end_line = 0;
  std::uint32_t end_column = 0;
  std::optional<ObjectId> commit;  // the introducing commit; none outside git
  std::string author;
  std::string email;
  std::int64_t date = 0;  // author time, seconds since the epoch
  std::string message;    // first line of the commit message
  double entropy = 0.0;
  Confidence confidence = Confidence::kHigh;  // the rule's (rules/confidence.h)
  std::vector<std::string> tags;
  std::string fingerprint;             // commit:path:rule:line, as gitleaks forms it
  std::optional<ImageLocation> image;  // images only

  // The commit's id in hex, or "" outside git: for the report writers.
  std::string commit_hex() const { return commit ? commit->hex() : std::string(); }
};

}  // namespace trawl
