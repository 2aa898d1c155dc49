// What a user installs and reads: the help of every command (values as
// words, the program's name), --version (version, commit, backends), the
// shell completions and man page the build generates from the command line,
// and what `cmake --install` puts where.

// GCC 12 at -O1 (the sanitizer builds) warns of an uninitialised std::function
// inside <regex>'s own state machine: a false positive in the library header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/git_fixture.h"

namespace trawl::test {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

CommandResult trawl(const std::string& args) {
  return run_command(shell_quote(TRAWL_BINARY) + " " + args, std::filesystem::temp_directory_path());
}

// Every command, as the help texts list them: "" (the program), "scan", ...,
// "rules list".
std::vector<std::string> every_command() {
  std::vector<std::string> commands = {""};
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const std::string help = trawl(commands[i] + " --help").out;
    const auto block = help.find("\nSubcommands:\n");
    if (block == std::string::npos) continue;
    std::istringstream lines(help.substr(block + 14));
    std::string line;
    while (std::getline(lines, line) && line.starts_with("  ")) {
      // "scan, git": the name, then its aliases.
      const std::string name = line.substr(2, line.find_first_of(", ", 2) - 2);
      commands.push_back(commands[i].empty() ? name : commands[i] + " " + name);
    }
  }
  return commands;
}

TEST(Help, EveryCommandShowsValuesAsWordsAndTheProgramsName) {
  const std::vector<std::string> commands = every_command();
  EXPECT_GE(commands.size(), 8u);  // trawl, scan, protect, dir, rules, completion, rules list, rules check
  // The parser's own type names and validator descriptions.
  const std::regex internals(R"(\b(TEXT|INT|UINT|FLOAT|NUMBER|BOOLEAN|REQUIRED|SIZE \[|Excludes|Needs)\b|:\{|\[b, kb)");
  for (const std::string& command : commands) {
    const CommandResult r = trawl(command + " --help");
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_TRUE(r.out.starts_with(command.empty() ? "trawl: finds" : "")) << r.out;
    EXPECT_NE(r.out.find("Usage: trawl" + (command.empty() ? "" : " " + command)), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(TRAWL_BINARY), std::string::npos) << r.out;
    std::smatch m;
    EXPECT_FALSE(std::regex_search(r.out, m, internals)) << command << ": " << m.str() << "\n" << r.out;
  }
}

TEST(Help, ScanNamesEachValue) {
  const std::string help = trawl("scan --help").out;
  for (const char* expected : {
           "Usage: trawl scan [OPTIONS] [PATH]\n",
           "  PATH                        Repository (work tree, a directory in it, git directory or URL)",
           "git directory or URL) (default: .)\n",
           "  -f,--report-format json|jsonl|sarif|csv|gitleaks|junit|text\n",
           "  -r,--report-path FILE       Write the report here (mode 0600); default: stdout\n",
           "  --report-mode OCTAL         Permissions of the report file",
           "  --redact[=PERCENT]          Mask secrets; --redact=PERCENT masks part of each",
           "  -c,--config FILE            Rules file",
           "  -b,--baseline-path REPORT   An earlier trawl json",
           "  --range A..B                Only commits reachable from B and not from A (A..B)\n",
           "  --max-blob-size SIZE        Skip blobs larger than this (e.g. 64MiB) (default: 64MiB)\n",
           "  --blob-reader packs|libgit2 packs: read pack files directly",
           "  --backend auto|cuda|cpu     Keyword matching on",
           "  -j,--threads N              Worker threads, at most 1024 (default: all cores)\n",
           "  --exit-code N               Exit code when there are findings (0 to 255) (default: 1)\n",
       }) {
    EXPECT_NE(help.find(expected), std::string::npos) << expected << "\n" << help;
  }
  EXPECT_NE(trawl("protect --help").out.find("default: text on stdout"), std::string::npos);
}

TEST(Version, PrintsTheVersionTheCommitAndTheBackends) {
  const CommandResult r = trawl("--version");
  EXPECT_EQ(r.exit_code, 0);
  const std::regex first_line("trawl " TRAWL_EXPECTED_VERSION R"( \(commit ([0-9a-f]{12}|unknown)\)\n)");
  EXPECT_TRUE(std::regex_search(r.out, first_line, std::regex_constants::match_continuous)) << r.out;
  EXPECT_NE(r.out.find("\nbackends:\n  cpu: usable"), std::string::npos) << r.out;
}

// cmake/BuildCommit.cmake, run as the build runs it.
std::string commit_header(const std::filesystem::path& dir, const std::filesystem::path& source,
                          const std::string& commit, int* exit_code = nullptr) {
  const auto header = dir / "trawl_commit.h";
  std::filesystem::remove(header);
  const CommandResult r =
      run_command(shell_quote(TRAWL_CMAKE) + " -DOUTPUT=" + shell_quote(header.string()) +
                      " -DSOURCE_DIR=" + shell_quote(source.string()) + " -DCOMMIT=" + shell_quote(commit) + " -P " +
                      shell_quote(std::string(TRAWL_TEST_SOURCE_DIR) + "/../cmake/BuildCommit.cmake"),
                  dir);
  if (exit_code != nullptr) *exit_code = r.exit_code;
  return slurp(header);
}

TEST(Version, TheCommitComesFromTheSourceCheckoutOrIsUnknown) {
  TempDir dir;
  GitRepo repo(dir.path() / "checkout");
  repo.write("a.txt", "a\n");
  const std::string head = repo.commit("first");
  const std::string define = "#define TRAWL_COMMIT ";
  EXPECT_NE(commit_header(dir.path(), repo.path(), "").find(define + "\"" + head.substr(0, 12) + "\"\n"),
            std::string::npos);
  // A tarball's tree unpacked inside some other checkout is not that commit.
  std::filesystem::create_directories(repo.path() / "unpacked");
  EXPECT_NE(commit_header(dir.path(), repo.path() / "unpacked", "").find(define + "\"unknown\"\n"), std::string::npos);
  EXPECT_NE(commit_header(dir.path(), dir.path(), "").find(define + "\"unknown\"\n"), std::string::npos);
  EXPECT_NE(commit_header(dir.path(), dir.path(), "0123abcd").find(define + "\"0123abcd\"\n"), std::string::npos);
  int status = 0;
  EXPECT_EQ(commit_header(dir.path(), dir.path(), "x\";", &status), "");
  EXPECT_NE(status, 0);
}

// Runs bash with the generated completion loaded, completing `words` (the
// last is the word under the cursor); returns the candidates, one a line.
std::string bash_complete(const std::string& words) {
  const std::string script = std::string(TRAWL_DOCS_DIR) + "/trawl.bash";
  return run_command("bash --norc -c " + shell_quote("source " + shell_quote(script) + " && COMP_WORDS=(" + words +
                                                     ") && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _trawl && "
                                                     "printf '%s\\n' \"${COMPREPLY[@]}\""),
                     std::filesystem::temp_directory_path())
      .out;
}

TEST(Completion, BashOffersCommandsOptionsAndValues) {
  EXPECT_EQ(bash_complete("trawl ''"),
            "scan\ndetect\ntrace\nprotect\ndir\nstdin\nimage\ndockerfile\nreport\nsweep\nmerge\nrules\ncompletion\n");
  EXPECT_EQ(bash_complete("trawl sc"), "scan\n");
  EXPECT_EQ(bash_complete("trawl rules ''"), "list\ncheck\nwhy\n");
  EXPECT_EQ(bash_complete("trawl rules list -"), "-h\n--help\n-c\n--config\n");
  EXPECT_EQ(bash_complete("trawl scan --blob"), "--blob-reader\n");
  EXPECT_EQ(bash_complete("trawl scan --blob-reader ''"), "packs\nlibgit2\n");
  EXPECT_EQ(bash_complete("trawl scan --report-format s"), "sarif\n");
  EXPECT_EQ(bash_complete("trawl scan -j ''"), "\n");
  EXPECT_EQ(bash_complete("trawl completion ''"), "bash\nzsh\nfish\n");
  EXPECT_EQ(run_command("bash --norc -c " +
                            shell_quote("source " + std::string(TRAWL_DOCS_DIR) + "/trawl.bash; complete -p trawl"),
                        std::filesystem::temp_directory_path())
                .out,
            "complete -o filenames -F _trawl trawl\n");
}

TEST(Completion, TheGeneratedScriptsAreWhatTheCommandPrints) {
  for (const auto& [shell, file] : std::vector<std::pair<std::string, std::string>>{
           {"bash", "trawl.bash"}, {"zsh", "_trawl"}, {"fish", "trawl.fish"}}) {
    const CommandResult r = trawl("completion " + shell);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, slurp(std::string(TRAWL_DOCS_DIR) + "/" + file)) << shell;
  }
  const CommandResult bad = trawl("completion tcsh");
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(Completion, ZshAndFishNameEachCommandOptionAndValue) {
  const std::string zsh = trawl("completion zsh").out;
  EXPECT_TRUE(zsh.starts_with("#compdef trawl\n"));
  EXPECT_NE(zsh.find("'--blob-reader[packs\\: read pack files directly, libgit2 for the rest (default); libgit2\\: "
                     "everything through libgit2]:value:(packs libgit2)'"),
            std::string::npos)
      << zsh;
  EXPECT_NE(zsh.find("'--config[Rules file; default\\: the built-in rules]:file:_files'"), std::string::npos) << zsh;
  const std::string fish = trawl("completion fish").out;
  EXPECT_NE(fish.find("complete -c trawl -n '__fish_use_subcommand' -a 'scan' -d "), std::string::npos) << fish;
  EXPECT_NE(fish.find("complete -c trawl -n '__fish_seen_subcommand_from scan' -l blob-reader -x -a 'packs libgit2'"),
            std::string::npos)
      << fish;
  EXPECT_NE(fish.find("complete -c trawl -n '__fish_seen_subcommand_from rules; and not "
                      "__fish_seen_subcommand_from list check why' -a 'list'"),
            std::string::npos)
      << fish;
  // Where the shells are installed, they parse the scripts.
  for (const auto& [shell, file] :
       std::vector<std::pair<std::string, std::string>>{{"zsh", "_trawl"}, {"fish", "trawl.fish"}}) {
    if (run_command("command -v " + shell, std::filesystem::temp_directory_path()).exit_code != 0) continue;
    const CommandResult r = run_command(shell + " -n " + shell_quote(std::string(TRAWL_DOCS_DIR) + "/" + file),
                                        std::filesystem::temp_directory_path());
    EXPECT_EQ(r.exit_code, 0) << shell << ": " << r.err;
  }
  // And fish, where installed, completes from it.
  if (run_command("command -v fish", std::filesystem::temp_directory_path()).exit_code == 0) {
    const std::string script = std::string(TRAWL_DOCS_DIR) + "/trawl.fish";
    const CommandResult r = run_command(
        "fish --no-config -c " + shell_quote("source " + shell_quote(script) +
                                             "; complete -C 'trawl rules '; complete -C 'trawl scan --blob-reader '"),
        std::filesystem::temp_directory_path());
    EXPECT_EQ(r.out,
              "check\tRun each rule's examples and report those that fail\n"
              "list\tPrint each rule's id, description and keywords\n"
              "why\tSay which rules considered a line of a file and why each value there was reported or not\n"
              "libgit2\tpacks: read pack files directly, libgit2 for the rest (default); libgit2: everything through "
              "libgit2\n"
              "packs\tpacks: read pack files directly, libgit2 for the rest (default); libgit2: everything through "
              "libgit2\n")
        << r.err;
  }
}

TEST(ManPage, HoldsEveryCommandsHelpAndRendersWithoutWarnings) {
  const std::string page = slurp(std::string(TRAWL_DOCS_DIR) + "/trawl.1");
  EXPECT_TRUE(page.starts_with(".TH TRAWL 1 \"\" \"trawl " TRAWL_EXPECTED_VERSION "\" \"User Commands\"\n.SH NAME\n"
                               "trawl \\- finds leaked credentials"))
      << page.substr(0, 200);
  for (const char* section :
       {".SS trawl scan\n", ".SS trawl protect\n", ".SS trawl dir\n", ".SS trawl rules\n", ".SS trawl rules list\n",
        ".SS trawl rules check\n", ".SS trawl completion\n", ".SH EXIT STATUS\n"}) {
    EXPECT_NE(page.find(section), std::string::npos) << section;
  }
  EXPECT_NE(page.find("\\-\\-blob\\-reader packs|libgit2"), std::string::npos);
  const CommandResult r =
      run_command("groff -man -Tutf8 -ww -z " + shell_quote(std::string(TRAWL_DOCS_DIR) + "/trawl.1"),
                  std::filesystem::temp_directory_path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST(Install, PutsTheProgramManPageAndCompletionsInTheStandardPlaces) {
  TempDir dir;
  const CommandResult r = run_command(shell_quote(TRAWL_CMAKE) + " --install " + shell_quote(TRAWL_BUILD_DIR) +
                                          " --prefix " + shell_quote((dir.path() / "usr").string()),
                                      dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* file : {"usr/bin/trawl", "usr/share/man/man1/trawl.1", "usr/share/bash-completion/completions/trawl",
                           "usr/share/zsh/vendor-completions/_trawl", "usr/share/fish/vendor_completions.d/trawl.fish",
                           "usr/share/doc/trawl/README.md"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / file)) << file;
  }
  const CommandResult version = run_command("usr/bin/trawl --version", dir.path());
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_TRUE(version.out.starts_with("trawl " TRAWL_EXPECTED_VERSION " (commit ")) << version.out;
}

}  // namespace
}  // namespace trawl::test
