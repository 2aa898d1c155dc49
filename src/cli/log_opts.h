// gitleaks' --log-opts (arguments gitleaks hands to `git log`), read into a
// history scope without running git. The subset trawl honours:
//   A..B, A.. (A..HEAD), REV      commits reachable from B (or REV), not from A
//   --all                         every ref (trawl's default)
//   --branches, --tags            only branches, or only tags
//   --since/--after DATE, --until/--before DATE   (YYYY-MM-DD[THH:MM[:SS]], UTC)
//   --author TEXT                 commits whose "name <email>" holds TEXT
//   --full-history                (trawl always walks the full history)
//   -- PATH...                    only introductions at or under these paths
// Anything else is a UsageError naming the option and what is supported.
#pragma once

#include <cstdint>
#include <string>

#include "source/git/history.h"

namespace trawl {

// Seconds since the epoch for YYYY-MM-DD, optionally followed by THH:MM or
// THH:MM:SS, in UTC (a trailing Z is accepted). `flag` names the option in
// the UsageError a bad date throws.
std::int64_t parse_date(const std::string& text, const std::string& flag);

// --range A..B (or A.., meaning A..HEAD) into `scope`; throws UsageError.
void apply_range(const std::string& range, HistoryScope& scope, const std::string& flag = "--range");

// Applies `log_opts` to `scope`; throws UsageError.
void apply_log_opts(const std::string& log_opts, HistoryScope& scope);

}  // namespace trawl
