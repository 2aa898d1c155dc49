#include "cli/log_opts.h"

#include <cstdio>
#include <ctime>
#include <optional>
#include <vector>

#include "scan/scan_result.h"

namespace trawl {
namespace {

constexpr const char* kSupported =
    "supported: A..B, REV, --all, --branches, --tags, --since, --until, --author, --full-history, -- PATH";

// Splits on blanks; '...' and "..." group (the quotes are dropped).
std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (const char c : text) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word.push_back(c);
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (quote != 0) throw UsageError("--log-opts '" + text + "': an unclosed quote");
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace

std::int64_t parse_date(const std::string& text, const std::string& flag) {
  const UsageError bad(flag + " '" + text + "': expected YYYY-MM-DD[THH:MM[:SS]]");
  std::tm tm{};
  int consumed = 0;
  const int fields = std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &consumed);
  std::size_t used = static_cast<std::size_t>(consumed);
  if (fields == 3 && used < text.size() && (text[used] == 'T' || text[used] == ' ')) {
    int more = 0;
    if (std::sscanf(text.c_str() + used + 1, "%2d:%2d%n:%2d%n", &tm.tm_hour, &tm.tm_min, &more, &tm.tm_sec, &more) <
        2) {
      throw bad;
    }
    used += 1 + static_cast<std::size_t>(more);
  }
  if (used < text.size() && text.substr(used) == "Z") ++used;
  if (fields != 3 || used != text.size() || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31) {
    throw bad;
  }
  const std::tm asked = tm;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t seconds = timegm(&tm);
  // timegm normalises 2024-02-31 to 2024-03-02 and 25:00 to the next day:
  // a date that does not come back as written does not exist.
  std::tm back{};
  if (gmtime_r(&seconds, &back) == nullptr || back.tm_year + 1900 != asked.tm_year || back.tm_mon + 1 != asked.tm_mon ||
      back.tm_mday != asked.tm_mday || back.tm_hour != asked.tm_hour || back.tm_min != asked.tm_min ||
      back.tm_sec != asked.tm_sec) {
    throw UsageError(flag + " '" + text + "': no such date or time");
  }
  return static_cast<std::int64_t>(seconds);
}

void apply_range(const std::string& range, HistoryScope& scope, const std::string& flag) {
  const auto dots = range.find("..");
  if (dots == std::string::npos || dots == 0 || range.find("...") != std::string::npos) {
    throw UsageError(flag + " '" + range + "': expected A..B");
  }
  scope.exclude = range.substr(0, dots);
  scope.tip = dots + 2 < range.size() ? range.substr(dots + 2) : "HEAD";
}

void apply_log_opts(const std::string& log_opts, HistoryScope& scope) {
  const std::vector<std::string> words = split_words(log_opts);
  bool revision_seen = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      for (std::size_t j = i + 1; j < words.size(); ++j) {
        std::string path = words[j];
        while (path.starts_with("./")) path.erase(0, 2);
        while (path.size() > 1 && path.ends_with('/')) path.pop_back();
        if (!path.empty() && path != ".") scope.paths.push_back(path);
      }
      return;
    }
    // "--name=value" or "--name value".
    auto value_of = [&](const std::string& name) -> std::optional<std::string> {
      if (word.starts_with(name + "=")) return word.substr(name.size() + 1);
      if (word != name) return std::nullopt;
      if (i + 1 >= words.size()) throw UsageError("--log-opts: " + name + " needs a value");
      return words[++i];
    };
    if (word == "--all" || word == "--full-history") continue;
    if (word == "--branches" || word == "--tags") {
      scope.ref_prefix = word == "--branches" ? "refs/heads/" : "refs/tags/";
      continue;
    }
    if (auto v = value_of("--since")) {
      scope.since = parse_date(*v, "--log-opts --since");
    } else if (auto after = value_of("--after")) {
      scope.since = parse_date(*after, "--log-opts --after");
    } else if (auto until = value_of("--until")) {
      scope.until = parse_date(*until, "--log-opts --until");
    } else if (auto before = value_of("--before")) {
      scope.until = parse_date(*before, "--log-opts --before");
    } else if (auto author = value_of("--author")) {
      scope.author = *author;
    } else if (word.starts_with("-")) {
      throw UsageError("--log-opts: '" + word + "' is not supported (trawl reads the history without running git); " +
                       kSupported);
    } else if (revision_seen) {
      throw UsageError("--log-opts: more than one revision ('" + word + "'); " + kSupported);
    } else {
      revision_seen = true;
      if (word.find("..") != std::string::npos) {
        apply_range(word, scope, "--log-opts");
      } else {
        scope.tip = word;
      }
    }
  }
}

}  // namespace trawl
