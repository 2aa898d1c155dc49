// A leaked secret's life in the history, for the `secrets` array of the json
// report: where it entered, where each path that held it stopped holding it,
// which refs' histories hold an introducing commit and which refs' tips still
// hold it. One record answers "when did this leak start, who, is it gone from
// main, which branches and tags still carry it".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "content/provenance.h"
#include "verify/attribution.h"
#include "verify/finding.h"

namespace trawl {

struct SecretIntroduction {
  std::optional<ObjectId> commit;  // none outside git
  std::int64_t date = 0;
  std::string author;
  std::string email;
  std::string path;
  std::uint32_t line = 0;
  std::optional<ImageLocation> image;  // in an image: where (no commit, author or email)
};

struct SecretRemoval {
  ObjectId commit;
  std::int64_t date = 0;
  std::string author;
  std::string email;
  std::string path;
  // In an image: the layer that deleted or replaced the file (no commit,
  // author or email).
  std::optional<ImageLocation> image;
};

// A path that came to hold the secret because a commit renamed or copied,
// unchanged, a file that already held it: not an introduction.
struct SecretMove {
  ObjectId commit;
  std::int64_t date = 0;
  std::string author;
  std::string email;
  std::string from_path;
  std::string to_path;
  bool renamed = false;  // the commit deleted from_path; else a copy
};

struct SecretAtRef {
  std::string ref;
  std::string path;
  std::uint32_t line = 0;
};

// One unique secret: a rule and a value.
struct SecretTimeline {
  std::string rule_id;
  std::string secret;
  std::string secret_sha256;  // of the secret as found, before any redaction
  // A redacted report's keyed digest of the secret in place of
  // secret_sha256 (report/redact.h); empty otherwise.
  std::string secret_hmac_sha256;
  std::vector<SecretIntroduction> introduced;  // oldest first
  std::vector<SecretMove> moved;               // oldest first, then path
  std::vector<SecretRemoval> removed;          // oldest first, then path
  // Both lists are capped at kMaxRefsListed, branches and tags first (a
  // mirror can hold tens of thousands of pull refs); the totals count all.
  std::vector<std::string> reachable_from;  // sorted within each kind of ref
  std::vector<SecretAtRef> present_at;      // by kind of ref, ref, then path and line
  std::uint64_t reachable_from_total = 0;
  std::uint64_t present_at_total = 0;
};

inline constexpr std::size_t kMaxRefsListed = 100;

// One timeline per (rule, secret) among `findings`, in order of first
// finding, with `introduced` filled from the findings.
std::vector<SecretTimeline> group_by_secret(const std::vector<Finding>& findings);

// Fills each timeline's moves, removals, reachable refs and presence at the
// refs' tips. `tip_locations[i]` lists where the tip tree of
// `history.refs[i]` holds blobs that hold any of the secrets
// (locate_blobs()). A path a rename left is not a removal: the move records it.
void add_history(std::vector<SecretTimeline>& timelines, const Provenance& history, const RuleSet& rules,
                 const HitsByBlob& hits, const std::vector<std::vector<BlobLocation>>& tip_locations,
                 const BlobMoves& moves = {});

// An image's counterpart of add_history(): the layers that deleted or
// replaced a file holding each secret (`removed`), and the files of each
// image's final filesystem that hold it (`present_at`, the image's
// reference in the place of a ref). No moves and no reachability: layers
// are not a graph.
void add_image_history(std::vector<SecretTimeline>& timelines, const Provenance& history, const RuleSet& rules,
                       const HitsByBlob& hits);

// The blobs that hold any of the timelines' secrets: what locate_blobs()
// should look for in the refs' tips.
std::unordered_set<BlobKey, BlobKeyHash> blobs_holding(const std::vector<SecretTimeline>& timelines,
                                                       const RuleSet& rules, const HitsByBlob& hits);

}  // namespace trawl
