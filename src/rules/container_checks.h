// Checks of how container builds handle secrets, run on files by kind:
// Dockerfiles (and Containerfiles), Compose files, CI pipeline files and an
// image's recorded build history. Each check belongs to one rule (the
// rule's `check` key names it); the rule's `path` says which files are of
// its kind, so a check runs on any blob and the verifier keeps the hits
// at paths the rule applies to.
//
// What is a finding: a variable whose name says it holds a secret (TOKEN,
// PASSWORD, SECRET, API_KEY, CREDENTIALS, ...) given a literal value, or
// any variable whose literal value looks like a secret (long, random,
// letters and digits, not hex alone: checksums are hex); copying a secret
// file (.env, id_rsa, *.pem, *.key, .npmrc, .pypirc, .netrc, credentials)
// into an image; credentials inside a URL on a RUN or ADD line. A value that is a
// reference (`$VAR`, `${VAR}`, `${{ secrets.X }}`, a path under
// /run/secrets/) or a placeholder (rules/placeholders.h: "changeme",
// "<token>", ...) is not a literal, and an ARG with no default holds
// nothing. A RUN instruction that mounts a secret or an SSH agent
// (`--mount=type=secret`, `--mount=type=ssh`) or reads /run/secrets/ is
// the safe way, never a finding. An image's build history (`created_by`
// of each entry) gets the same lint as the Dockerfile it records, by its
// own checks: ARG and the build arguments a RUN recorded (`|N A=b`), ENV,
// COPY/ADD of a secret file, credentials in a URL. A provenance
// attestation's build arguments (`"build-arg:NAME": "value"` in an in-toto
// statement) are checked as build arguments are. A Kubernetes `Secret`
// manifest's `data:` and `stringData:` values are its secrets
// (rules/kubernetes_secret.h).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

enum class ContainerCheck {
  kDockerfileArgSecret,
  kDockerfileEnvSecret,
  kDockerfileCopySecretFile,
  kDockerfileRunUrlCredentials,
  kComposeEnvironmentSecret,
  kComposeBuildArgSecret,
  kCiBuildArgSecret,
  kImageHistoryBuildArgSecret,
  kImageHistoryEnvSecret,
  kImageHistoryCopySecretFile,
  kImageHistoryUrlCredentials,
  kImageAttestationBuildArgSecret,
  kKubernetesSecret,
};
inline constexpr std::size_t kContainerCheckCount = 13;

using ContainerCheckSet = std::array<bool, kContainerCheckCount>;

// The check's name in a rule's `check` key: "dockerfile-arg-secret", ...
std::string_view container_check_name(ContainerCheck check);
std::optional<ContainerCheck> container_check_named(std::string_view name);

// One finding of a check, as blob offsets: the secret (a value, a copied
// file's name, a URL's password) and the text around it that shows it.
// `decoded`, when not empty, is the secret the span encodes (a Kubernetes
// Secret's `data:` value, base64): the finding's secret is `decoded`.
struct ContainerFinding {
  ContainerCheck check;
  std::size_t secret_begin;
  std::size_t secret_end;
  std::size_t match_begin;
  std::size_t match_end;
  std::string decoded;
};

// The Dockerfile checks whose instructions (ARG; ENV; COPY or ADD; RUN)
// start some line of `text` (after blanks, in any case, the word ending
// there). Every instruction the parser reads starts a line so, though not
// every such line is one: a check not in the set finds nothing in `text`.
// One cheap pass over the lines.
ContainerCheckSet dockerfile_checks_with_lines(std::string_view text);

// Runs the checks `wanted` asks for over `text`, each reading it as the kind
// of file it is for; findings by position. Linear in the text.
std::vector<ContainerFinding> run_container_checks(std::string_view text, const ContainerCheckSet& wanted);

// True when a variable named `name` holds a secret by its name: NPM_TOKEN,
// DB_PASSWORD, apiKey, AWS_SECRET_ACCESS_KEY; not TOKENIZERS_PARALLELISM,
// SECRET_FILE, AWS_ACCESS_KEY_ID.
bool names_a_secret(std::string_view name);

// True when `value` is written out, not a reference or a placeholder.
bool is_literal_value(std::string_view value);

// True when a literal `value` looks like a secret whatever its name.
bool looks_like_secret_value(std::string_view value);

}  // namespace trawl
