// Shell completion scripts for bash, zsh and fish, generated from the
// command line's own definition (its commands, options and the words
// help_format.h gives option values), so they cannot drift from it:
// `trawl completion bash` prints one; the build installs all three.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

namespace trawl {

// The completion script for `shell` ("bash", "zsh" or "fish") of the
// program `app`; throws std::invalid_argument naming any other shell.
std::string completion_script(const CLI::App& app, std::string_view shell);

}  // namespace trawl
