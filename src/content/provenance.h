// Where a source's blobs appear: the places (a commit and a path, a staged
// path, a file) where each blob entered the content being scanned, the
// blobs each place held before, and for git histories the commit graph,
// the refs and where paths stopped holding a blob. Sources fill it; the
// verifier reads it to decide which hits are introductions (a secret
// present at a place and absent from every blob the place held before) and
// to build each secret's timeline.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "content/blob_key.h"
#include "content/object_id.h"

namespace trawl {

// An introduction outside any commit (staged changes, files on disk).
inline constexpr std::uint32_t kNoCommit = std::numeric_limits<std::uint32_t>::max();

struct RefInfo {
  std::string name;  // e.g. "refs/heads/main", "refs/tags/v1", "HEAD"
  ObjectId commit;   // the commit it peels to
};

struct CommitInfo {
  ObjectId id;
  std::string author_name;
  std::string author_email;
  std::int64_t author_time = 0;  // seconds since the epoch, UTC
  std::string summary;           // first line of the message
  ObjectId tree;
  std::vector<std::uint32_t> parents;  // indices into Provenance::commits
  bool in_scope = true;                // false for ancestors loaded only to compare against
};

// A blob entering the content at (commit, path).
struct BlobIntroduction {
  std::uint32_t commit = kNoCommit;  // index into Provenance::commits
  std::string path;
  BlobKey blob;
  // The distinct blobs the parents held at `path`: the first parent's first
  // (a zero key where it had nothing there), then each other parent's new
  // one in parent order, then a zero key when some other parent had nothing
  // there. Its size does not grow with an octopus merge's parents. Empty for
  // root and boundary commits and for files with no earlier version.
  std::vector<BlobKey> parent_blobs;
};

// A path that stops holding a blob at a commit, relative to its first
// parent: the file was changed (new_blob is what replaced it) or deleted
// (new_blob is zero).
struct BlobDeparture {
  std::uint32_t commit = 0;  // index into Provenance::commits
  std::string path;
  BlobKey old_blob;
  BlobKey new_blob;
};

// A blob found in a tree, at `path`.
struct BlobLocation {
  std::string path;
  BlobKey blob;
};

// A container image scanned: what its findings name it by, and the files of
// its final filesystem (what a container started from it holds).
struct ImageInfo {
  std::string reference;        // a tag, a registry reference or the input's file name
  std::string manifest_digest;  // "sha256:…"; empty for a classic docker save
  std::string platform;         // "linux/amd64"; empty when the image does not say
  std::unordered_map<std::string, BlobKey> final_files;
};

// An image's step, in the place of a commit: one of its layers, or its
// config (Env, Labels, Cmd, Entrypoint, the build history), which has no layer.
struct ImageStep {
  std::uint32_t image = 0;                // index into Provenance::images
  std::optional<std::uint32_t> layer;     // 0-based index in rootfs.diff_ids; none for the config
  std::string layer_digest;               // the layer's diff_id
  std::optional<std::string> created_by;  // the history entry that made the layer
};

struct Provenance {
  std::vector<RefInfo> refs;                    // the refs scanned, sorted by name
  std::vector<CommitInfo> commits;              // parents before children
  std::vector<BlobIntroduction> introductions;  // in commit order, then path
  std::vector<BlobDeparture> departures;        // in commit order
  std::uint64_t commits_in_scope = 0;
  bool shallow = false;  // history ends at a shallow boundary
  // Images only: the images, and for each entry of `commits` the image step
  // it stands for (empty for every other source).
  std::vector<ImageInfo> images;
  std::vector<ImageStep> image_steps;
};

// What a scan of a git history counts that other sources do not have.
struct GitSummary {
  std::uint64_t refs = 0;
  std::uint64_t commits = 0;             // in scope
  std::uint64_t blobs_from_packs = 0;    // read by trawl's pack reader
  std::uint64_t blobs_from_libgit2 = 0;  // loose, or beyond the pack reader: read through libgit2
  bool shallow = false;
  double walk_seconds = 0.0;
  // Stage 1 run by the pack reader (content/stage_one_found.h): bytes of
  // the objects it rebuilt, and of those the keyword scan read.
  std::uint64_t bytes_rebuilt = 0;
  std::uint64_t bytes_matched = 0;
  // Keyword occurrences it found in the blobs it delivered, and those of
  // them stage 2 can use (the rest dropped while the bytes were at hand).
  std::uint64_t keywords_found = 0;
  std::uint64_t keywords_handed = 0;
};

}  // namespace trawl
