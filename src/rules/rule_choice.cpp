#include "rules/rule_choice.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "content/text_escape.h"
#include "rules/allowlist_match.h"

namespace trawl {
namespace {

// The first rules file at `root` that may be read; empty when none. Writes a
// warning for each one passed over.
std::string root_rules_file(const std::string& root, std::ostream& log) {
  for (const char* name : kRootRulesFiles) {
    const std::filesystem::path candidate = std::filesystem::path(root) / name;
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::symlink_status(candidate, error);
    if (error || !std::filesystem::exists(status)) continue;
    if (std::filesystem::is_symlink(status)) {
      log << "trawl: warning: " << candidate.string()
          << " is a symlink; not followed (a repository's rules file must be a regular file in it)\n";
    } else if (!std::filesystem::is_regular_file(status)) {
      log << "trawl: warning: " << candidate.string() << " is not a regular file; not read\n";
    } else {
      return candidate.string();
    }
  }
  return "";
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& n : names) text += (text.empty() ? "'" : ", '") + n + "'";
  return text;
}

// A repository's allowlist that drops every finding is how a hostile
// repository would hide its secrets: each one becomes a warning of the scan.
void warn_about_blanket_allowlists(RuleSet& rules, const std::string& file) {
  const std::string from = "an allowlist in the repository's " + file + " (or a file it extends)";
  for (const Allowlist& list : rules.allowlists) {
    if (!suppresses_everything(list)) continue;
    rules.warnings.push_back(from + " suppresses every finding" +
                             (list.target_rules.empty() ? "" : " of rules " + joined(list.target_rules)) +
                             "; --no-repo-config ignores it");
  }
  for (const Rule& rule : rules.rules) {
    for (const Allowlist& list : rule.allowlists) {
      if (!suppresses_everything(list)) continue;
      rules.warnings.push_back(from + " suppresses every finding of rule '" + rule.id +
                               "'; --no-repo-config ignores it");
    }
  }
}

}  // namespace

RuleLoad choose_rules(const RuleRequest& request, std::ostream& log) {
  RuleLoad load;
  std::string root_file;
  if (!request.config_path.empty()) {
    load = load_rules_file(request.config_path);
  } else if (!request.config_text.empty()) {
    load = load_rules_text(request.config_text, request.config_text_name);
  } else {
    if (request.allow_root_config) root_file = root_rules_file(request.root, log);
    load = root_file.empty() ? load_builtin_rules() : load_rules_file(root_file, request.root);
  }
  // A repository's rules file may put anything in a key or a rule id.
  for (const std::string& warning : load.warnings) log << "trawl: warning: " << escape_text(warning, true) << "\n";
  if (!root_file.empty()) {
    const std::string name = std::filesystem::path(root_file).filename().string();
    warn_about_blanket_allowlists(load.rules, name);
    const std::size_t count = load.rules.rules.size();
    if (load.extends_builtin) {
      log << "trawl: the repository's " << name << " extends the built-in rules (" << count
          << " rules); --no-repo-config uses the built-in rules alone\n";
    } else {
      log << "trawl: warning: the repository's " << name << " replaces the built-in rules (" << count
          << " rules); --no-repo-config uses the built-in rules\n";
    }
  }
  if (!request.enabled_rules.empty()) {
    for (const std::string& name : request.enabled_rules) {
      if (std::none_of(load.rules.rules.begin(), load.rules.rules.end(),
                       [&](const Rule& rule) { return rule.answers_to(name); })) {
        throw ConfigError("--enable-rule: no rule '" + name + "' in " + load.rules.origin);
      }
    }
    std::erase_if(load.rules.rules, [&](const Rule& rule) {
      return std::none_of(request.enabled_rules.begin(), request.enabled_rules.end(),
                          [&](const std::string& name) { return rule.answers_to(name); });
    });
  }
  const auto below = [&](const Rule& rule) { return rule.confidence < request.min_confidence; };
  if (!request.enabled_rules.empty()) {
    // Asked for by name, yet not run: say so rather than scan in silence.
    for (const Rule& rule : load.rules.rules) {
      if (!below(rule)) continue;
      log << "trawl: warning: --enable-rule " << escape_text(rule.id, true) << ": its confidence is "
          << confidence_name(rule.confidence) << ", below --min-confidence " << confidence_name(request.min_confidence)
          << ": not run (--min-confidence " << confidence_name(rule.confidence) << " runs it)\n";
    }
  }
  load.rules.below_min_confidence = static_cast<std::uint64_t>(std::erase_if(load.rules.rules, below));
  log << "trawl: using rules from " << escape_text(load.rules.origin, true) << " (" << load.rules.rules.size()
      << " rules";
  if (load.rules.below_min_confidence > 0) {
    log << "; " << load.rules.below_min_confidence << " below --min-confidence "
        << confidence_name(request.min_confidence) << " not run";
  }
  log << ")\n";
  return load;
}

}  // namespace trawl
