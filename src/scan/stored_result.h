// A scan's result as bytes a datastore keeps (Datastore::record_result), so
// that a later scan of the same content with the same rules and options can
// report it again without walking or reading anything. What it keeps is
// what the reports show: findings, secret timelines, the summary's counts
// of the content and the skipped and malformed objects. Counters of the run
// itself (time, blobs read) are not kept: the scan that reuses the result
// fills them.
#pragma once

#include <optional>
#include <string>

#include "scan/scan_result.h"

namespace trawl {

// `result` as bytes (CBOR).
std::string serialise_result(const ScanResult& result);

// The result serialise_result() wrote; nullopt when `text` is not one (a
// damaged row, or one an older trawl wrote in another form): the scan then
// walks as if the store held nothing for it.
std::optional<ScanResult> parse_result(const std::string& text);

}  // namespace trawl
