#include "rules/rule_loader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "content/regular_file.h"
#include "rules/builtin_rules.h"
#include "rules/regex_span.h"

namespace trawl {
namespace {

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Walks one TOML document, turning it into rules, with every message
// located at "file:line".
class Loader {
 public:
  Loader(std::string source_name, std::vector<std::string>& warnings)
      : source_(std::move(source_name)), warnings_(warnings) {}

  std::string at(const toml::node& node) const { return source_ + ":" + std::to_string(node.source().begin.line); }

  [[noreturn]] void fail(const toml::node& node, const std::string& rule_id, const std::string& what) const {
    std::string message = at(node) + ": ";
    if (!rule_id.empty()) message += "rule '" + rule_id + "': ";
    throw ConfigError(message + what);
  }

  void warn_unknown(const toml::table& table, std::initializer_list<std::string_view> known, const std::string& where) {
    for (auto&& [key, value] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        warnings_.push_back(at(value) + ": unknown key '" + std::string(key.str()) + "'" + where + " (ignored)");
      }
    }
  }

  std::string string_of(const toml::node& node, const std::string& rule_id, std::string_view key) const {
    auto value = node.value<std::string>();
    if (!value) fail(node, rule_id, "'" + std::string(key) + "' must be a string");
    return *value;
  }

  std::vector<std::string> strings_of(const toml::node& node, const std::string& rule_id, std::string_view key) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) fail(node, rule_id, "'" + std::string(key) + "' must be an array of strings");
    std::vector<std::string> out;
    for (const toml::node& item : *array) out.push_back(string_of(item, rule_id, key));
    return out;
  }

  std::unique_ptr<RE2> compile(const toml::node& node, const std::string& rule_id, std::string_view key) const {
    const std::string pattern = string_of(node, rule_id, key);
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(64 << 20);
    auto re = std::make_unique<RE2>(pattern, options);
    if (!re->ok()) fail(node, rule_id, "invalid " + std::string(key) + " /" + pattern + "/: " + re->error());
    return re;
  }

  std::vector<std::unique_ptr<RE2>> compile_all(const toml::node& node, const std::string& rule_id,
                                                std::string_view key) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) fail(node, rule_id, "'" + std::string(key) + "' must be an array of strings");
    std::vector<std::unique_ptr<RE2>> out;
    for (const toml::node& item : *array) out.push_back(compile(item, rule_id, key));
    return out;
  }

  // `validate`: one validator name or an array of them.
  std::vector<SecretValidator> validators_of(const toml::node& node, const std::string& rule_id) const {
    std::vector<std::string> names;
    if (node.is_string()) {
      names.push_back(string_of(node, rule_id, "validate"));
    } else {
      names = strings_of(node, rule_id, "validate");
    }
    std::vector<SecretValidator> out;
    for (const std::string& name : names) {
      const std::optional<SecretValidator> validator = secret_validator_named(name);
      if (!validator) {
        fail(node, rule_id, "unknown validator \"" + name + "\" (known: " + secret_validator_names() + ")");
      }
      out.push_back(*validator);
    }
    return out;
  }

  Allowlist allowlist(const toml::node& node, const std::string& rule_id, bool global) {
    const toml::table* table = node.as_table();
    if (table == nullptr) fail(node, rule_id, "an allowlist must be a table");
    Allowlist list;
    for (auto&& [key, value] : *table) {
      const std::string_view k = key.str();
      if (k == "description") {
        list.description = string_of(value, rule_id, k);
      } else if (k == "condition") {
        const std::string c = lowercase(string_of(value, rule_id, k));
        if (c == "or") {
          list.condition = AllowlistCondition::kOr;
        } else if (c == "and") {
          list.condition = AllowlistCondition::kAnd;
        } else {
          fail(value, rule_id, "allowlist condition must be \"OR\" or \"AND\", not \"" + c + "\"");
        }
      } else if (k == "regexTarget") {
        const std::string t = lowercase(string_of(value, rule_id, k));
        if (t == "secret") {
          list.regex_target = RegexTarget::kSecret;
        } else if (t == "match") {
          list.regex_target = RegexTarget::kMatch;
        } else if (t == "line") {
          list.regex_target = RegexTarget::kLine;
        } else {
          fail(value, rule_id, "allowlist regexTarget must be \"secret\", \"match\" or \"line\", not \"" + t + "\"");
        }
      } else if (k == "commits") {
        for (std::string& c : strings_of(value, rule_id, k)) list.commits.push_back(lowercase(std::move(c)));
      } else if (k == "paths") {
        list.paths = compile_all(value, rule_id, "allowlist path");
      } else if (k == "regexes") {
        list.regexes = compile_all(value, rule_id, "allowlist regex");
      } else if (k == "stopwords") {
        for (std::string& w : strings_of(value, rule_id, k)) list.stopwords.push_back(lowercase(std::move(w)));
      } else if (k == "targetRules" && global) {
        list.target_rules = strings_of(value, rule_id, k);
      } else {
        warnings_.push_back(at(value) + ": unknown key '" + std::string(k) + "' in allowlist (ignored)");
      }
    }
    return list;
  }

  // Accepts both the single-table form ([allowlist]) and the array of
  // tables form ([[allowlists]]).
  void allowlists_into(const toml::table& table, std::string_view single, std::string_view many,
                       const std::string& rule_id, bool global, std::vector<Allowlist>& out) {
    if (const toml::node* one = table.get(single)) out.push_back(allowlist(*one, rule_id, global));
    if (const toml::node* several = table.get(many)) {
      const toml::array* array = several->as_array();
      if (array == nullptr) fail(*several, rule_id, "'" + std::string(many) + "' must be an array of tables");
      for (const toml::node& item : *array) out.push_back(allowlist(item, rule_id, global));
    }
  }

  Rule rule(const toml::node& node) {
    const toml::table* table = node.as_table();
    if (table == nullptr) fail(node, "", "each [[rules]] entry must be a table");
    Rule r;
    r.source = at(node);
    if (const toml::node* id = table->get("id")) r.id = string_of(*id, "", "id");
    if (r.id.empty()) fail(node, "", "a rule has no 'id'");
    warn_unknown(*table,
                 {"id", "aliases", "description", "regex", "secretGroup", "entropy", "keywords", "path", "tags",
                  "allowlist", "allowlists", "validate", "examples", "negative_examples", "required", "skipReport",
                  "check", "confidence", "tokens"},
                 " in rule '" + r.id + "'");
    if (const toml::node* v = table->get("description")) r.description = string_of(*v, r.id, "description");
    if (const toml::node* v = table->get("regex")) {
      r.regex = compile(*v, r.id, "regex");
      r.max_newlines = max_newlines_in_match(r.regex->pattern());
    }
    if (const toml::node* v = table->get("path")) r.path = compile(*v, r.id, "path");
    if (const toml::node* v = table->get("check")) {
      const std::string name = string_of(*v, r.id, "check");
      r.check = container_check_named(name);
      if (!r.check) fail(*v, r.id, "'check' names no built-in check: \"" + name + "\"");
      if (r.regex) fail(*v, r.id, "a rule with a 'check' has no 'regex'");
      if (!r.path) fail(*v, r.id, "a rule with a 'check' needs a 'path' (the files it checks)");
    }
    if (!r.regex && !r.path) fail(node, r.id, "a rule needs a 'regex' or a 'path'");
    if (const toml::node* v = table->get("secretGroup")) {
      auto group = v->value<std::int64_t>();
      if (!group || *group < 0) fail(*v, r.id, "'secretGroup' must be a non-negative integer");
      if (r.regex && *group > r.regex->NumberOfCapturingGroups()) {
        fail(*v, r.id,
             "'secretGroup' is " + std::to_string(*group) + " but the regex has only " +
                 std::to_string(r.regex->NumberOfCapturingGroups()) + " groups");
      }
      r.secret_group = static_cast<int>(*group);
    }
    if (const toml::node* v = table->get("entropy")) {
      auto entropy = v->value<double>();
      if (!entropy || *entropy < 0) fail(*v, r.id, "'entropy' must be a non-negative number");
      r.entropy = *entropy;
    }
    if (const toml::node* v = table->get("keywords")) {
      for (std::string& k : strings_of(*v, r.id, "keywords")) {
        if (k.empty()) fail(*v, r.id, "a keyword is empty");
        r.keywords.push_back(lowercase(std::move(k)));
      }
    }
    if (const toml::node* v = table->get("validate")) r.validators = validators_of(*v, r.id);
    if (const toml::node* v = table->get("tokens")) {
      const auto tokens = v->value<bool>();
      if (!tokens) fail(*v, r.id, "'tokens' must be true or false");
      r.tokens = *tokens;
      if (r.tokens && !r.regex) fail(*v, r.id, "a rule with 'tokens' needs a 'regex'");
      if (r.tokens && !r.keywords.empty()) fail(*v, r.id, "a rule with 'tokens' has no 'keywords'");
      if (r.tokens && r.entropy <= 0) {
        fail(*v, r.id, "a rule with 'tokens' needs an 'entropy' (the threshold a token run must pass)");
      }
    }
    if (const toml::node* v = table->get("tags")) r.tags = strings_of(*v, r.id, "tags");
    if (const toml::node* v = table->get("examples")) r.examples = strings_of(*v, r.id, "examples");
    if (const toml::node* v = table->get("negative_examples")) {
      r.negative_examples = strings_of(*v, r.id, "negative_examples");
    }
    if (const toml::node* v = table->get("aliases")) r.aliases = strings_of(*v, r.id, "aliases");
    if (const toml::node* v = table->get("skipReport")) {
      const auto skip = v->value<bool>();
      if (!skip) fail(*v, r.id, "'skipReport' must be true or false");
      r.skip_report = *skip;
    }
    if (const toml::node* v = table->get("required")) r.required = required_of(*v, r.id);
    allowlists_into(*table, "allowlist", "allowlists", r.id, false, r.allowlists);
    r.confidence = default_confidence(r);
    if (const toml::node* v = table->get("confidence")) {
      const std::string name = string_of(*v, r.id, "confidence");
      const std::optional<Confidence> confidence = confidence_named(name);
      if (!confidence) fail(*v, r.id, "'confidence' must be \"low\", \"medium\" or \"high\", not \"" + name + "\"");
      r.confidence = *confidence;
    }
    return r;
  }

  // [[rules.required]]: id, withinLines, withinColumns.
  std::vector<RequiredRule> required_of(const toml::node& node, const std::string& rule_id) {
    const toml::array* array = node.as_array();
    if (array == nullptr) fail(node, rule_id, "'required' must be an array of tables ([[rules.required]])");
    std::vector<RequiredRule> out;
    for (const toml::node& item : *array) {
      const toml::table* table = item.as_table();
      if (table == nullptr) fail(item, rule_id, "each [[rules.required]] entry must be a table");
      warn_unknown(*table, {"id", "withinLines", "withinColumns"}, " in rule '" + rule_id + "' required");
      RequiredRule required;
      if (const toml::node* id = table->get("id")) required.id = string_of(*id, rule_id, "id");
      if (required.id.empty()) fail(item, rule_id, "a [[rules.required]] entry has no 'id'");
      auto within = [&](const char* key) -> std::optional<std::uint32_t> {
        const toml::node* v = table->get(key);
        if (v == nullptr) return std::nullopt;
        const auto n = v->value<std::int64_t>();
        if (!n || *n < 0 || *n > 0xffffffff) fail(*v, rule_id, "'" + std::string(key) + "' must be a count");
        return static_cast<std::uint32_t>(*n);
      };
      required.within_lines = within("withinLines");
      required.within_columns = within("withinColumns");
      out.push_back(std::move(required));
    }
    return out;
  }

 private:
  std::string source_;
  std::vector<std::string>& warnings_;
};

toml::table parse_toml(std::string_view text, const std::string& source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(source_name + ":" + std::to_string(e.source().begin.line) +
                      ": invalid TOML: " + std::string(e.description()));
  }
}

// Adds `extra` on top of `base`: a rule with an id already in base replaces it.
void merge_into(RuleSet& base, RuleSet extra) {
  // A rule named by a base rule's alias (a gitleaks id) replaces it too.
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < base.rules.size(); ++i) {
    index.emplace(base.rules[i].id, i);
    for (const std::string& alias : base.rules[i].aliases) index.emplace(alias, i);
  }
  for (Rule& r : extra.rules) {
    if (auto it = index.find(r.id); it != index.end()) {
      base.rules[it->second] = std::move(r);
    } else {
      index.emplace(r.id, base.rules.size());
      base.rules.push_back(std::move(r));
    }
  }
  for (Allowlist& a : extra.allowlists) base.allowlists.push_back(std::move(a));
}

// One file of an `[extend] path` chain: the name messages use and, when it
// was read from disk, its identity.
struct ChainLink {
  std::string name;
  std::optional<FileIdentity> id;
};
using ExtendChain = std::vector<ChainLink>;

std::string chain_text(const ExtendChain& chain, const std::string& next) {
  std::string text;
  for (const ChainLink& link : chain) text += link.name + " -> ";
  return text + next;
}

// Reads a rules file: only a regular file (a device or a FIFO could be read
// forever, or block) and at most kMaxRulesFileBytes of it.
RegularFile read_config_file(const std::string& path) {
  try {
    return read_regular_file(path, kMaxRulesFileBytes, "rules file");
  } catch (const RegularFileError& e) {
    throw ConfigError(e.what());
  }
}

std::string directory_of(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

void require_rules(const RuleLoad& load, const std::string& source_name) {
  if (load.rules.rules.empty()) {
    throw ConfigError(source_name +
                      ": no rules: it would scan for nothing (define [[rules]], or [extend] "
                      "useDefault = true for the built-in rules)");
  }
  for (const Rule& rule : load.rules.rules) {
    for (const RequiredRule& required : rule.required) {
      const bool known = std::any_of(load.rules.rules.begin(), load.rules.rules.end(),
                                     [&](const Rule& other) { return other.answers_to(required.id); });
      if (!known) {
        throw ConfigError(rule.source + ": rule '" + rule.id + "': required rule '" + required.id + "' is not defined");
      }
    }
  }
}

// Loads one document of an `[extend] path` chain; `chain` holds the files
// from the first one to this one.
RuleLoad load_text(std::string_view text, const std::string& source_name, const std::string& base_dir,
                   const std::string& confined_to, ExtendChain& chain) {
  RuleLoad load;
  Loader loader(source_name, load.warnings);
  const toml::table doc = parse_toml(text, source_name);
  loader.warn_unknown(doc, {"title", "description", "minVersion", "extend", "rules", "allowlist", "allowlists"}, "");

  RuleSet own;
  own.origin = source_name;
  std::unordered_set<std::string> ids;
  if (const toml::node* rules = doc.get("rules")) {
    const toml::array* array = rules->as_array();
    if (array == nullptr) loader.fail(*rules, "", "'rules' must be an array of tables ([[rules]])");
    for (const toml::node& node : *array) {
      Rule r = loader.rule(node);
      if (!ids.insert(r.id).second) loader.fail(node, r.id, "duplicate rule id");
      own.rules.push_back(std::move(r));
    }
  }
  loader.allowlists_into(doc, "allowlist", "allowlists", "", true, own.allowlists);

  RuleSet base;
  if (const toml::node* extend = doc.get("extend")) {
    const toml::table* table = extend->as_table();
    if (table == nullptr) loader.fail(*extend, "", "'extend' must be a table");
    loader.warn_unknown(*table, {"useDefault", "path", "disabledRules"}, " in [extend]");
    if (const toml::node* v = table->get("useDefault"); v != nullptr && v->value_or(false)) {
      RuleLoad builtin = load_builtin_rules();
      merge_into(base, std::move(builtin.rules));
      load.extends_builtin = true;
    }
    if (const toml::node* v = table->get("path")) {
      std::filesystem::path other = loader.string_of(*v, "", "path");
      if (other.is_relative()) other = std::filesystem::path(base_dir) / other;
      const std::string name = other.string();
      if (chain.size() >= kMaxExtendChain) {
        loader.fail(*v, "",
                    "[extend] path: a chain of more than " + std::to_string(kMaxExtendChain) +
                        " rules files: " + chain_text(chain, name));
      }
      // A missing file is the reader's error to report.
      std::error_code missing;
      if (!confined_to.empty() && std::filesystem::exists(name, missing) && !resolved_inside(name, confined_to)) {
        loader.fail(*v, "",
                    "[extend] path " + name + " leads out of " + confined_to +
                        ": a repository's rules may extend only files in the repository");
      }
      const RegularFile file = read_config_file(name);
      if (std::any_of(chain.begin(), chain.end(), [&](const ChainLink& link) { return link.id == file.id; })) {
        loader.fail(*v, "", "[extend] path makes a cycle: " + chain_text(chain, name));
      }
      chain.push_back({name, file.id});
      RuleLoad extended = load_text(file.text, name, directory_of(name), confined_to, chain);
      chain.pop_back();
      for (std::string& w : extended.warnings) load.warnings.push_back(std::move(w));
      merge_into(base, std::move(extended.rules));
      load.extends_builtin = load.extends_builtin || extended.extends_builtin;
    }
    if (const toml::node* v = table->get("disabledRules")) {
      const std::vector<std::string> disabled = loader.strings_of(*v, "", "disabledRules");
      std::erase_if(base.rules, [&](const Rule& r) {
        return std::any_of(disabled.begin(), disabled.end(), [&](const std::string& d) { return r.answers_to(d); });
      });
    }
  }
  merge_into(base, std::move(own));
  base.origin = source_name;
  load.rules = std::move(base);
  return load;
}

}  // namespace

RuleLoad load_rules_text(std::string_view text, const std::string& source_name, const std::string& base_dir,
                         const std::string& confined_to) {
  ExtendChain chain{{source_name, std::nullopt}};
  RuleLoad load = load_text(text, source_name, base_dir, confined_to, chain);
  require_rules(load, source_name);
  return load;
}

RuleLoad load_rules_file(const std::string& path, const std::string& confined_to) {
  const RegularFile file = read_config_file(path);
  ExtendChain chain{{path, file.id}};
  RuleLoad load = load_text(file.text, path, directory_of(path), confined_to, chain);
  require_rules(load, path);
  return load;
}

RuleLoad load_builtin_rules() {
  RuleLoad all;
  all.rules.origin = "built-in";
  for (const EmbeddedRuleFile& file : builtin_rule_files()) {
    const std::string name = "patterns/" + std::string(file.name);
    ExtendChain chain{{name, std::nullopt}};
    RuleLoad one = load_text(file.text, name, ".", "", chain);
    for (std::string& w : one.warnings) all.warnings.push_back(std::move(w));
    for (Rule& r : one.rules.rules) all.rules.rules.push_back(std::move(r));
    for (Allowlist& a : one.rules.allowlists) all.rules.allowlists.push_back(std::move(a));
  }
  return all;
}

}  // namespace trawl
