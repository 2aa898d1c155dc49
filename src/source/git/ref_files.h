// Reading the refs of git's files backend without libgit2: packed-refs and
// the loose refs under refs/, as git itself reads them.
//
// libgit2 lists refs one allocation and one lookup at a time, which costs
// rails/rails' 52k refs half a second; this reads packed-refs in one pass
// and each loose ref file once. It reads and never runs anything: a ref is
// only ever a name and the id or ref it names. What cannot be read (a loose
// ref that is not a regular file, a line of packed-refs that is not a ref,
// a name too deep) is listed with why, and the rest are read.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/object_id.h"

namespace trawl {

// Directories under refs/ nested deeper than this are not read (git names
// no ref this deep; a hostile repository could nest until paths overflow).
inline constexpr std::size_t kMaxRefDepth = 64;
// A loose ref file or a line of packed-refs longer than this is not a ref.
inline constexpr std::size_t kMaxRefFileBytes = 4096;

// One ref as stored: the object it names, or (a symbolic ref) the ref it
// names.
struct StoredRef {
  std::string name;    // e.g. "refs/heads/main"
  ObjectId id;         // when `target` is empty
  std::string target;  // a symbolic ref's target, e.g. "refs/heads/main"
};

// A ref, or a place refs are kept, that could not be read.
struct RefProblem {
  std::string name;  // the ref's name, or the file's path below the git directory
  std::string why;
};

struct RefFiles {
  // Loose refs in place of packed ones of the same name; sorted by name.
  std::vector<StoredRef> refs;
  std::vector<RefProblem> problems;
};

// What a loose ref file or HEAD holds: "<hex id>" (anything after the id
// must start with white space) or "ref: <name>". nullopt when it is
// neither.
std::optional<StoredRef> parse_loose_ref(std::string name, std::string_view content);

// Every ref under `common_dir` (a repository's git directory, or the common
// directory of its worktrees): the lines of packed-refs (peel lines, "^<id>",
// are passed over: trawl peels tags itself) and the files under refs/
// (names ending in ".lock" are git's locks, not refs). Symbolic links under
// refs/ are not followed; nor is anything read that is not a regular file.
RefFiles read_ref_files(const std::string& common_dir);

// HEAD of the git directory `git_dir`: a detached HEAD's id, a symbolic
// HEAD's target, or nullopt (with `problem` set) when it cannot be read.
std::optional<StoredRef> read_head(const std::string& git_dir, std::string& problem);

}  // namespace trawl
