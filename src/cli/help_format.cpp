#include "cli/help_format.h"

#include <cctype>
#include <memory>

namespace trawl {
namespace {

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

bool option_takes_value(const CLI::Option& opt) { return opt.get_expected_max() != 0; }

std::string option_value_word(const CLI::Option& opt) {
  if (!opt.get_option_text().empty()) return opt.get_option_text();
  if (!option_takes_value(opt)) return "";
  if (opt.get_positional()) return upper(opt.get_name(true, false));
  const std::vector<std::string>& longs = opt.get_lnames();
  return upper(longs.empty() ? opt.get_name(false, false) : longs.front());
}

// "-c,--config": the names alone, without a flag's default value ({100}).
std::string HelpFormatter::make_option_name(const CLI::Option* opt, bool is_positional) const {
  if (is_positional) return upper(opt->get_name(true, false));
  std::string names;
  for (const std::string& s : opt->get_snames()) names += (names.empty() ? "-" : ",-") + s;
  for (const std::string& l : opt->get_lnames()) names += (names.empty() ? "--" : ",--") + l;
  return names;
}

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  if (opt->get_positional()) return "";
  std::string word = option_value_word(*opt);
  if (word.empty()) return "";
  // A flag whose value is optional shows it against its name: --redact[=PERCENT].
  if (!option_takes_value(*opt)) return word;
  std::string text = " " + word;
  // A list without a word of its own ("LIST") may be given many times.
  if (opt->get_option_text().empty() && opt->get_expected_max() == CLI::detail::expected_max_vector_size) {
    text += " ...";
  }
  return text;
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
  std::string desc = opt->get_description();
  if (opt->get_required() && desc.find("(required)") == std::string::npos) desc += " (required)";
  const std::string& fallback = opt->get_default_str();
  if (!fallback.empty() && option_takes_value(*opt) && desc.find("default") == std::string::npos) {
    desc += " (default: " + fallback + ")";
  }
  return desc;
}

std::string HelpFormatter::make_option_usage(const CLI::Option* opt) const {
  std::string usage = upper(opt->get_name(true, false));
  if (opt->get_expected_max() >= CLI::detail::expected_max_vector_size) usage += "...";
  return opt->get_required() ? usage : "[" + usage + "]";
}

void use_help_formatter(CLI::App& app) {
  app.formatter(std::make_shared<HelpFormatter>());
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) use_help_formatter(*command);
}

}  // namespace trawl
