// Histories whose packs exercise a pack reader: long delta chains of blobs
// and trees, a thin pack fixed up with REF_DELTA bases, several packs; and
// the damage a test does to them.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include "support/git_fixture.h"

namespace trawl::test {

// A file edited line by line and a wide directory with one of its files
// changed per commit, so repacking builds long delta chains of blobs and of
// trees.
inline void grow_history(GitRepo& repo, int commits, const std::string& tag) {
  std::string text;
  for (int line = 0; line < 200; ++line) text += "line " + std::to_string(line) + " of a long file\n";
  for (int c = 0; c < commits; ++c) {
    const std::size_t at = text.find("line " + std::to_string((c * 7) % 200) + " ");
    text.insert(at, tag + " edit " + std::to_string(c) + "\n");
    repo.write("notes.txt", text);
    repo.write("wide/" + tag + "-file-with-a-longish-name-" + std::to_string((c * 37) % 100) + ".txt",
               tag + " edit " + std::to_string(c) + "\n");
    repo.write("dir/sub/" + tag + std::to_string(c % 3) + ".txt", tag + " deeper " + std::to_string(c) + "\n");
    repo.commit(tag + " " + std::to_string(c));
  }
}

// Gives `target` (bare) the history of `source` up to a tag v1 in one pack,
// then the rest as a thin pack fixed up by index-pack, as a fetch writes it:
// its REF_DELTA entries' bases were appended to it.
inline void fetch_thin_pack(GitRepo& source, GitRepo& target) {
  grow_history(source, 20, "a");
  source.git("tag v1");
  grow_history(source, 20, "b");
  target.git("fetch -q " + shell_quote(source.path().string()) + " v1:refs/heads/main");
  target.git("repack -q -a -d");
  target.git("-C " + shell_quote(source.path().string()) + " rev-parse HEAD ^v1 | git -C " +
             shell_quote(source.path().string()) +
             " pack-objects -q --thin --stdout --revs | git index-pack --fix-thin --stdin");
  target.git("update-ref refs/heads/main " + source.head());
}

// Two packs (the first with a reverse index) and loose objects on top.
inline void grow_two_packs_and_loose_objects(GitRepo& repo) {
  grow_history(repo, 20, "a");
  repo.git("-c pack.writeReverseIndex=true repack -q -a -d");
  grow_history(repo, 20, "b");
  repo.git("repack -q -d");
  grow_history(repo, 5, "c");  // loose
}

// Rewrites a file (a pack or an index, which git writes read-only) in place.
inline void rewrite_file(const std::filesystem::path& path, const std::function<void(std::string&)>& change) {
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  change(bytes);
  std::filesystem::permissions(path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace trawl::test
