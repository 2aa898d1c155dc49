// Values that stand where a secret would, but are not one: placeholders a
// human typed ("changeme", "<your-key>", "xxxx", "...EXAMPLE..."),
// references to where the real value lives ("${VAR}", "{{ secrets.X }}",
// "os.environ[...]", "process.env.X", an UPPER_SNAKE name, a variable a tool
// expands: "$VAR", "%VAR%", "@VAR@", "__VAR__"), and runs of repeated or
// sequential characters. Generic rules judge values by entropy
// and context alone, so they share this filter (validators.h,
// `not-placeholder`); specific rules rely on their formats.
#pragma once

#include <optional>
#include <string_view>

namespace trawl {

bool looks_like_placeholder(std::string_view value);

// Why `value` is a placeholder or a reference, in a few words ("a
// placeholder", "a reference or interpolation"); nullopt when it is neither.
std::optional<std::string_view> placeholder_because(std::string_view value);

}  // namespace trawl
