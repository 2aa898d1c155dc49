// Files on disk with no git (`trawl dir PATH`), or standard input
// (`trawl dir -`), as a ContentSource. Each readable file is an
// introduction with no earlier version, keyed by the SHA-256 of its bytes
// (identical files are matched once); the keys, and so the provenance, are
// known only once read() has read the files. Symlinks are never followed
// and `.git` directories are not entered (directory_files.h).
#pragma once

#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "source/content_source.h"
#include "source/files/directory_files.h"

namespace trawl {

class FilesSource final : public ContentSource {
 public:
  // Every regular file under `root`, read on `threads` threads (0: all
  // cores); `follow_file_links`: see list_directory. When `root` names a
  // file, that file alone, its directory as the root.
  FilesSource(std::string root, std::uint64_t max_size, unsigned threads, bool follow_file_links = false);
  // `in` as one file named "stdin"; `root` is where rules and ignore files
  // are looked for.
  FilesSource(std::istream& in, std::string root, std::uint64_t max_size);
  // The files and directories `inputs` names, each file at its path as
  // given and each directory's files under it (at the directory's path joined with
  // theirs), those `keep` accepts alone
  // (a file named in `inputs` is kept whatever its name). The current
  // directory is the root. list() throws DirectoryError when an input is
  // neither a file nor a directory.
  FilesSource(std::vector<std::string> inputs, std::uint64_t max_size, unsigned threads,
              std::function<bool(const std::string& path)> keep);

  const std::string& root() const override { return root_; }
  // Throws std::runtime_error when the root is not a readable directory.
  void list(SkipLog& skips) override;
  const Provenance& provenance() const override { return provenance_; }
  std::uint64_t blob_count() const override { return listing_.paths.size(); }
  void read(BatchOutput& out, SkipLog& skips) override;
  bool provenance_before_read() const override { return false; }
  std::vector<std::pair<std::string, std::uint64_t>> other_skips() const override {
    return {{"symlink", listing_.symlinks}, {"special_file", listing_.special_files}};
  }

 private:
  std::string root_;
  std::istream* stdin_ = nullptr;
  std::uint64_t max_size_;
  unsigned threads_ = 0;
  bool follow_file_links_ = false;
  std::string single_file_;          // the one file to scan, relative to root_; empty: every file
  std::vector<std::string> inputs_;  // several files and directories; empty: root_ alone
  std::function<bool(const std::string& path)> keep_;
  DirectoryListing listing_;
  Provenance provenance_;
};

}  // namespace trawl
