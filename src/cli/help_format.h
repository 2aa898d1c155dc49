// How trawl's --help reads: option values named by words a user types
// (`--blob-reader packs|libgit2`, `--report-path FILE`), never the
// parser's types (TEXT, UINT, validator ranges), defaults in the
// description, positionals in capitals. An option's word is its
// option_text() when the command line sets one, else its long name in
// capitals. The same words drive the shell completions (completion.h): a
// word with '|' lists the values, FILE, PATH and DIR complete paths.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace trawl {

class HelpFormatter final : public CLI::Formatter {
 public:
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override;
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;
  std::string make_option_usage(const CLI::Option* opt) const override;
};

// False for a flag (whose value, if any, is optional and written
// --flag=VALUE); true for an option or positional that takes a value.
bool option_takes_value(const CLI::Option& opt);

// The word for an option's value ("packs|libgit2", "FILE"), "" for a flag
// that takes none.
std::string option_value_word(const CLI::Option& opt);

// Uses HelpFormatter for `app`, every command already under it and every
// command added to it later.
void use_help_formatter(CLI::App& app);

}  // namespace trawl
