// Kubernetes `Secret` manifests: the values under `data:` are base64 of the
// secret, those under `stringData:` the secret itself. Only documents whose
// top-level `kind` is `Secret` are read; a YAML stream's documents are
// split at `---` lines.
//
// Bounded whatever the file holds: documents over kMaxSecretDocumentBytes
// are skipped, at most kMaxSecretValues values are read per blob, and a
// `data:` value over kMaxSecretEncodedBytes is not decoded. A value is
// reported when its key does not name something else (`username`, `host`,
// `db-port`, `url`, ...: the last word of the key), it is a literal (not a template `{{ ... }}`, `${...}`, not
// empty), decodes (for `data:`) to printable text of at least 4 bytes,
// and is not a placeholder (rules/placeholders.h). Block scalars (`|`, `>`)
// and flow mappings are not read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

inline constexpr std::size_t kMaxSecretDocumentBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxSecretValues = 4096;
inline constexpr std::size_t kMaxSecretEncodedBytes = 16384;

struct KubernetesSecretValue {
  std::size_t value_begin;  // the value as written (blob offsets, quotes excluded)
  std::size_t value_end;
  std::size_t line_begin;  // the line holding it, without its newline
  std::size_t line_end;
  std::string secret;  // the decoded value (data:) or the value (stringData:)
};

std::vector<KubernetesSecretValue> kubernetes_secret_values(std::string_view text);

}  // namespace trawl
