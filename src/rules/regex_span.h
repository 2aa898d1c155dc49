// How many line breaks can one match of a regex span? An upper bound read
// off the pattern text (RE2 / Go syntax), so stage 2 can search only the
// lines around a rule's keywords instead of the whole blob.
//
// The analysis is conservative: anything it does not understand, and any
// unbounded repetition of something that can match '\n' ([\s\S]*, \s+,
// [^"]*, (?s).*), yields nullopt, and such a rule searches whole blobs.
#pragma once

#include <optional>
#include <string_view>

namespace trawl {

std::optional<unsigned> max_newlines_in_match(std::string_view pattern);

}  // namespace trawl
