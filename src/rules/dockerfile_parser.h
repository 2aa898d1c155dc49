// A Dockerfile (or Containerfile) read into its instructions, as BuildKit
// reads it: parser directives at the top (`# escape=` changes the line
// continuation character from `\` to another), comments, instructions in
// any case, lines continued with the escape character (comment and empty
// lines inside a continuation dropped), heredocs (`RUN <<EOF` ... `EOF`,
// `<<-EOF` strips leading tabs) and the JSON-array form of arguments.
//
// What the container checks need is where each piece of text came from, so
// an instruction keeps its arguments as one logical string plus the blob
// offset each piece of it was copied from. Memory is linear in the input
// and no input makes it fail: what is not well formed is read as well as it
// can be (an unterminated heredoc runs to the end, a broken JSON array is
// shell form).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

// A stretch of text taken from the blob: `text` is what the instruction
// holds, `offset` where each of its pieces begins in the blob.
struct SourcedText {
  std::string text;
  // By position: text[p] came from the blob at offset + (p - position) of
  // the last piece at or before p; a gap (a space standing for a line
  // break) maps to the byte before the break.
  struct Piece {
    std::size_t position;
    std::size_t offset;
    bool gap;
  };
  std::vector<Piece> pieces;

  void append(std::string_view blob, std::size_t from, std::size_t to);
  void append_gap();
  // The blob offset of text[p].
  std::size_t offset_of(std::size_t p) const;
};

struct DockerfileHeredoc {
  std::string delimiter;
  std::size_t body_begin = 0;  // blob offsets of the body, its last line break excluded
  std::size_t body_end = 0;
};

struct DockerfileInstruction {
  std::string keyword;    // uppercase: "RUN", "ARG", ...
  SourcedText args;       // everything after the keyword, continuations joined by a space
  std::size_t begin = 0;  // blob offsets of the whole instruction, heredoc bodies included
  std::size_t end = 0;
  // The JSON-array form's strings, each with the blob offsets of its
  // quoted text (escapes left as written); none for the shell form.
  struct JsonString {
    std::string value;
    std::size_t begin = 0;
    std::size_t end = 0;
  };
  std::optional<std::vector<JsonString>> json;
  std::vector<DockerfileHeredoc> heredocs;
};

struct Dockerfile {
  char escape = '\\';
  std::vector<DockerfileInstruction> instructions;
};

// The instructions of `text`; with `only` (uppercase keywords), those
// instructions alone, the others still followed so that their continuation
// lines and heredoc bodies are never taken for instructions.
Dockerfile parse_dockerfile(std::string_view text, std::span<const std::string_view> only = {});

// Whitespace-separated words of `text` as (begin, end) positions in it,
// quotes kept inside the word they belong to ("a b" is one word).
std::vector<std::pair<std::size_t, std::size_t>> shell_words(std::string_view text);

}  // namespace trawl
