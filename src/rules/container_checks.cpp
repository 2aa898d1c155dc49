#include "rules/container_checks.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <string>

#include "rules/compose_reader.h"
#include "rules/dockerfile_parser.h"
#include "rules/kubernetes_secret.h"
#include "rules/placeholders.h"

namespace trawl {
namespace {

constexpr std::array<std::string_view, kContainerCheckCount> kNames = {
    "dockerfile-arg-secret",
    "dockerfile-env-secret",
    "dockerfile-copy-secret-file",
    "dockerfile-run-url-credentials",
    "compose-environment-secret",
    "compose-build-arg-secret",
    "ci-build-arg-secret",
    "image-history-build-arg-secret",
    "image-history-env-secret",
    "image-history-copy-secret-file",
    "image-history-url-credentials",
    "image-attestation-build-arg-secret",
    "kubernetes-secret",
};

bool wants(const ContainerCheckSet& wanted, ContainerCheck check) { return wanted[static_cast<std::size_t>(check)]; }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A name's parts, uppercase: NPM_AUTH_TOKEN -> NPM AUTH TOKEN, apiKey -> API KEY.
std::vector<std::string> name_parts(std::string_view name) {
  std::vector<std::string> parts;
  std::string part;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (std::isalnum(c) == 0) {
      if (!part.empty()) parts.push_back(std::move(part));
      part.clear();
      continue;
    }
    if (std::isupper(c) != 0 && i > 0 && std::islower(static_cast<unsigned char>(name[i - 1])) != 0 && !part.empty()) {
      parts.push_back(std::move(part));
      part.clear();
    }
    part += static_cast<char>(std::toupper(c));
  }
  if (!part.empty()) parts.push_back(std::move(part));
  return parts;
}

double entropy_of(std::string_view s) {
  std::array<std::size_t, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double entropy = 0.0;
  for (std::size_t n : counts) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / static_cast<double>(s.size());
    entropy -= p * std::log2(p);
  }
  return entropy;
}

std::string_view strip_quotes(std::string_view s, std::size_t& offset) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    ++offset;
    return s.substr(1, s.size() - 2);
  }
  return s;
}

// Whether `NAME=value` (or a value alone, name empty) is worth reporting.
bool secret_assignment(std::string_view name, std::string_view value) {
  if (!is_literal_value(value)) return false;
  return names_a_secret(name) || looks_like_secret_value(value);
}

void add(std::vector<ContainerFinding>& out, ContainerCheck check, std::size_t secret_begin, std::size_t secret_end,
         std::size_t match_begin, std::size_t match_end) {
  if (secret_end <= secret_begin) return;
  out.push_back(
      {check, secret_begin, secret_end, std::min(match_begin, secret_begin), std::max(match_end, secret_end), {}});
}

// NAME=value words (ARG, ENV, `|N` build arguments) of `args`: for each,
// the name, the value and their positions in args.text.
struct Assignment {
  std::string_view name;
  std::string_view value;
  std::size_t name_pos;
  std::size_t value_pos;
  bool has_value;
};

std::vector<Assignment> assignments(std::string_view text) {
  std::vector<Assignment> out;
  for (const auto& [begin, end] : shell_words(text)) {
    std::size_t word_begin = begin;
    const std::string_view word = strip_quotes(text.substr(begin, end - begin), word_begin);
    const std::size_t eq = word.find('=');
    Assignment a{word.substr(0, eq), {}, word_begin, end, eq != std::string_view::npos};
    if (a.has_value) {
      std::size_t pos = word_begin + eq + 1;
      a.value = strip_quotes(word.substr(eq + 1), pos);
      a.value_pos = pos;
    }
    out.push_back(a);
  }
  return out;
}

void check_assignments(const SourcedText& args, ContainerCheck check, std::vector<ContainerFinding>& out,
                       std::size_t match_begin, std::size_t match_end) {
  std::vector<Assignment> found = assignments(args.text);
  for (std::size_t i = 0; i < found.size(); ++i) {
    Assignment& a = found[i];
    // `NAME=two words` unquoted is not well formed: the value is read to
    // the end, as the person who wrote it meant.
    if (a.has_value && i + 1 < found.size() && !found[i + 1].has_value) {
      a.value = std::string_view(args.text).substr(a.value_pos);
      while (!a.value.empty() && a.value.back() == ' ') a.value.remove_suffix(1);
      found.resize(i + 1);
    }
    if (!a.has_value || a.value.empty() || !secret_assignment(a.name, a.value)) continue;
    add(out, check, args.offset_of(a.value_pos), args.offset_of(a.value_pos + a.value.size() - 1) + 1, match_begin,
        match_end);
  }
}

// ENV's legacy form `ENV NAME value with spaces` or the NAME=value form.
void check_env(const DockerfileInstruction& ins, ContainerCheck check, std::vector<ContainerFinding>& out) {
  const std::string& text = ins.args.text;
  const auto words = shell_words(text);
  if (words.empty()) return;
  const std::string_view first = std::string_view(text).substr(words[0].first, words[0].second - words[0].first);
  if (first.find('=') != std::string_view::npos) {
    check_assignments(ins.args, check, out, ins.begin, ins.end);
    return;
  }
  if (words.size() < 2) return;
  std::size_t value_pos = words[1].first;
  const std::string_view value =
      strip_quotes(std::string_view(text).substr(words[1].first, words.back().second - words[1].first), value_pos);
  if (value.empty() || !secret_assignment(first, value)) return;
  add(out, check, ins.args.offset_of(value_pos), ins.args.offset_of(value_pos + value.size() - 1) + 1, ins.begin,
      ins.end);
}

bool secret_file_name(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const std::size_t slash = path.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base == ".env" || base == ".npmrc" || base == ".pypirc" || base == ".netrc" || base == "_netrc" ||
      base == "credentials" || base == ".git-credentials" || base == ".dockercfg" || base == "id_rsa" ||
      base == "id_dsa" || base == "id_ecdsa" || base == "id_ed25519") {
    return true;
  }
  if (base.starts_with(".env.")) {
    const std::string_view kind = base.substr(5);
    return kind != "example" && kind != "sample" && kind != "template" && kind != "dist" && kind != "defaults";
  }
  return ends_with(base, ".pem") || ends_with(base, ".key") || ends_with(base, ".p12") || ends_with(base, ".pfx");
}

void check_copy(const DockerfileInstruction& ins, ContainerCheck check, std::vector<ContainerFinding>& out) {
  if (ins.json) {
    const auto& items = *ins.json;
    for (std::size_t i = 0; i + 1 < items.size(); ++i) {
      if (secret_file_name(items[i].value)) {
        add(out, check, items[i].begin, items[i].end, ins.begin, ins.end);
      }
    }
    return;
  }
  const std::string& text = ins.args.text;
  std::vector<std::pair<std::size_t, std::size_t>> sources;
  for (const auto& word : shell_words(text)) {
    const std::string_view w = std::string_view(text).substr(word.first, word.second - word.first);
    if (w.starts_with("--") || w.starts_with("<<")) continue;
    sources.push_back(word);
  }
  if (!sources.empty()) sources.pop_back();  // the destination
  for (auto [begin, end] : sources) {
    const std::string_view w = strip_quotes(std::string_view(text).substr(begin, end - begin), begin);
    if (!secret_file_name(w) || w.find("://") != std::string_view::npos) continue;
    add(out, check, ins.args.offset_of(begin), ins.args.offset_of(begin + w.size() - 1) + 1, ins.begin, ins.end);
  }
}

bool uses_secret_mount(std::string_view text) {
  return text.find("--mount=type=secret") != std::string_view::npos ||
         text.find("--mount=type=ssh") != std::string_view::npos ||
         text.find("/run/secrets/") != std::string_view::npos;
}

bool url_char(char c) {
  return std::isspace(static_cast<unsigned char>(c)) == 0 && c != '"' && c != '\'' && c != '/' && c != '`';
}

// scheme://user:password@host in `text`; `offset_of` maps its positions to the blob.
void check_url_credentials(std::string_view text, ContainerCheck check, std::vector<ContainerFinding>& out,
                           const std::function<std::size_t(std::size_t)>& offset_of) {
  std::size_t at = 0;
  while ((at = text.find("://", at)) != std::string_view::npos) {
    const std::size_t userinfo = at + 3;
    at = userinfo;
    std::size_t p = userinfo;
    while (p < text.size() && url_char(text[p]) && text[p] != '@') ++p;
    if (p == text.size() || text[p] != '@') continue;
    const std::string_view info = text.substr(userinfo, p - userinfo);
    const std::size_t colon = info.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view password = info.substr(colon + 1);
    if (password.empty() || !is_literal_value(password)) continue;
    const std::size_t first = userinfo + colon + 1;
    add(out, check, offset_of(first), offset_of(p - 1) + 1, offset_of(userinfo), offset_of(p - 1) + 1);
  }
}

}  // namespace

ContainerCheckSet dockerfile_checks_with_lines(std::string_view text) {
  ContainerCheckSet found{};
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; };
  // The word at `at` is `name` (uppercase) in any case, ending where the
  // parser's keyword ends: a blank, the line's end or the escape character
  // (a backslash or, by a directive, a backtick).
  auto word_is = [&](std::size_t at, std::string_view name) {
    if (text.size() - at < name.size()) return false;
    for (std::size_t k = 0; k < name.size(); ++k) {
      if ((static_cast<unsigned char>(text[at + k]) & ~0x20u) != static_cast<unsigned char>(name[k])) return false;
    }
    const std::size_t after = at + name.size();
    return after == text.size() || blank(text[after]) || text[after] == '\n' || text[after] == '\\' ||
           text[after] == '`';
  };
  auto mark = [&](ContainerCheck c) { found[static_cast<std::size_t>(c)] = true; };
  std::size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && blank(text[at])) ++at;
    if (at == text.size()) break;
    switch (static_cast<unsigned char>(text[at]) & ~0x20u) {
      case 'A':
        if (word_is(at, "ARG")) mark(ContainerCheck::kDockerfileArgSecret);
        if (word_is(at, "ADD")) {
          mark(ContainerCheck::kDockerfileCopySecretFile);
          mark(ContainerCheck::kDockerfileRunUrlCredentials);  // ADD fetches URLs
        }
        break;
      case 'C':
        if (word_is(at, "COPY")) mark(ContainerCheck::kDockerfileCopySecretFile);
        break;
      case 'E':
        if (word_is(at, "ENV")) mark(ContainerCheck::kDockerfileEnvSecret);
        break;
      case 'R':
        if (word_is(at, "RUN")) mark(ContainerCheck::kDockerfileRunUrlCredentials);
        break;
      default:
        break;
    }
    const std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return found;
}

namespace {

void check_dockerfile(std::string_view blob, const ContainerCheckSet& wanted, std::vector<ContainerFinding>& out) {
  std::vector<std::string_view> only;
  if (wants(wanted, ContainerCheck::kDockerfileArgSecret)) only.emplace_back("ARG");
  if (wants(wanted, ContainerCheck::kDockerfileEnvSecret)) only.emplace_back("ENV");
  if (wants(wanted, ContainerCheck::kDockerfileCopySecretFile)) {
    only.emplace_back("COPY");
    only.emplace_back("ADD");
  }
  if (wants(wanted, ContainerCheck::kDockerfileRunUrlCredentials)) {
    only.emplace_back("RUN");
    if (!wants(wanted, ContainerCheck::kDockerfileCopySecretFile)) only.emplace_back("ADD");
  }
  const Dockerfile file = parse_dockerfile(blob, only);
  for (const DockerfileInstruction& ins : file.instructions) {
    if (ins.keyword == "ARG" && wants(wanted, ContainerCheck::kDockerfileArgSecret)) {
      check_assignments(ins.args, ContainerCheck::kDockerfileArgSecret, out, ins.begin, ins.end);
    } else if (ins.keyword == "ENV" && wants(wanted, ContainerCheck::kDockerfileEnvSecret)) {
      check_env(ins, ContainerCheck::kDockerfileEnvSecret, out);
    } else if (ins.keyword == "COPY" || ins.keyword == "ADD") {
      if (wants(wanted, ContainerCheck::kDockerfileCopySecretFile)) {
        check_copy(ins, ContainerCheck::kDockerfileCopySecretFile, out);
      }
      // ADD fetches a URL itself: its credentials are kept in the history.
      if (ins.keyword == "ADD" && wants(wanted, ContainerCheck::kDockerfileRunUrlCredentials)) {
        check_url_credentials(ins.args.text, ContainerCheck::kDockerfileRunUrlCredentials, out,
                              [&](std::size_t p) { return ins.args.offset_of(p); });
      }
    } else if (ins.keyword == "RUN" && wants(wanted, ContainerCheck::kDockerfileRunUrlCredentials)) {
      const std::string_view whole = blob.substr(ins.begin, ins.end - ins.begin);
      if (uses_secret_mount(whole)) continue;
      check_url_credentials(ins.args.text, ContainerCheck::kDockerfileRunUrlCredentials, out,
                            [&](std::size_t p) { return ins.args.offset_of(p); });
      for (const DockerfileHeredoc& doc : ins.heredocs) {
        check_url_credentials(blob.substr(doc.body_begin, doc.body_end - doc.body_begin),
                              ContainerCheck::kDockerfileRunUrlCredentials, out,
                              [&](std::size_t p) { return doc.body_begin + p; });
      }
    }
  }
}

void check_compose(std::string_view blob, const ContainerCheckSet& wanted, std::vector<ContainerFinding>& out) {
  for (const ComposeVariable& v : compose_variables(blob)) {
    const ContainerCheck check = v.section == ComposeVariable::Section::kEnvironment
                                     ? ContainerCheck::kComposeEnvironmentSecret
                                     : ContainerCheck::kComposeBuildArgSecret;
    if (!wants(wanted, check) || !v.has_value || !secret_assignment(v.name, v.value)) continue;
    add(out, check, v.value_begin, v.value_end, v.entry_begin, v.value_end);
  }
}

// `--build-arg NAME=value` (or --build-arg=NAME=value) on any line.
void check_ci(std::string_view blob, std::vector<ContainerFinding>& out) {
  constexpr std::string_view kFlag = "--build-arg";
  std::size_t at = 0;
  while ((at = blob.find(kFlag, at)) != std::string_view::npos) {
    const std::size_t flag = at;
    std::size_t p = at + kFlag.size();
    at = p;
    if (p < blob.size() && blob[p] == '=') {
      ++p;
    } else {
      const std::size_t spaces = p;
      while (p < blob.size() && (blob[p] == ' ' || blob[p] == '\t')) ++p;
      if (p == spaces) continue;
    }
    std::size_t end = p;
    char quote = 0;
    while (end < blob.size() && blob[end] != '\n' && (quote != 0 || (blob[end] != ' ' && blob[end] != '\t'))) {
      if (quote != 0 && blob[end] == quote) {
        quote = 0;
      } else if (quote == 0 && (blob[end] == '"' || blob[end] == '\'')) {
        quote = blob[end];
      }
      ++end;
    }
    std::size_t word_begin = p;
    std::string_view word = strip_quotes(blob.substr(p, end - p), word_begin);
    const std::size_t eq = word.find('=');
    if (eq == std::string_view::npos) continue;
    std::size_t value_begin = word_begin + eq + 1;
    const std::string_view value = strip_quotes(word.substr(eq + 1), value_begin);
    if (value.empty() || !secret_assignment(word.substr(0, eq), value)) continue;
    add(out, ContainerCheck::kCiBuildArgSecret, value_begin, value_begin + value.size(), flag, end);
  }
}

// An image's history entries (`created_by`, one a line), linted as the
// Dockerfile instructions they record. The classic builder writes
// `/bin/sh -c #(nop)  ENV A=b` for instructions that make no layer, and
// `|1 A=b /bin/sh -c cmd` or `/bin/sh -c cmd` for RUN; BuildKit writes the
// instruction (`ENV A=b`, `COPY .env /app/`, `RUN |1 A=b /bin/sh -c cmd`)
// followed by ` # buildkit`. `|N` is followed by the N build arguments
// that reached the RUN: each is in the history whatever the command does,
// so each is checked even when the command mounts a secret; the command's
// URLs are checked unless it mounts or reads a secret.
void check_history(std::string_view blob, const ContainerCheckSet& wanted, std::vector<ContainerFinding>& out) {
  static constexpr std::array<std::string_view, 5> kKeywords = {"ARG", "ENV", "COPY", "ADD", "RUN"};
  std::size_t line_begin = 0;
  while (line_begin < blob.size()) {
    std::size_t line_end = blob.find('\n', line_begin);
    if (line_end == std::string_view::npos) line_end = blob.size();
    const std::size_t next = line_end + 1;
    std::string_view line = blob.substr(line_begin, line_end - line_begin);
    constexpr std::string_view kBuildkit = " # buildkit";
    if (line.ends_with(kBuildkit)) line.remove_suffix(kBuildkit.size());
    std::size_t p = 0;
    while (p < line.size() && line[p] == ' ') ++p;
    constexpr std::string_view kNop = "/bin/sh -c #(nop) ";
    constexpr std::string_view kShell = "/bin/sh -c ";
    bool classic_run = false;
    if (line.substr(p).starts_with(kNop)) {
      p += kNop.size();
      while (p < line.size() && line[p] == ' ') ++p;
    } else {
      classic_run = line.substr(p).starts_with(kShell) || (p + 1 < line.size() && line[p] == '|' &&
                                                           std::isdigit(static_cast<unsigned char>(line[p + 1])) != 0);
    }
    const std::size_t base = line_begin + p;
    const std::string_view body = line.substr(p);
    line_begin = next;
    DockerfileInstruction ins;
    if (classic_run) {
      ins.keyword = "RUN";
      ins.args.append(blob, base, base + body.size());
      ins.begin = base;
      ins.end = base + body.size();
    } else {
      Dockerfile parsed = parse_dockerfile(body, kKeywords);
      if (parsed.instructions.empty() || parsed.instructions[0].begin != 0) continue;
      ins = std::move(parsed.instructions[0]);
      // Offsets in `body` to offsets in the blob.
      for (SourcedText::Piece& piece : ins.args.pieces) piece.offset += base;
      if (ins.json) {
        for (auto& item : *ins.json) {
          item.begin += base;
          item.end += base;
        }
      }
      ins.begin += base;
      ins.end = std::min(ins.end + base, base + body.size());
    }
    if (ins.keyword == "ARG" && wants(wanted, ContainerCheck::kImageHistoryBuildArgSecret)) {
      check_assignments(ins.args, ContainerCheck::kImageHistoryBuildArgSecret, out, ins.begin, ins.end);
    } else if (ins.keyword == "ENV" && wants(wanted, ContainerCheck::kImageHistoryEnvSecret)) {
      check_env(ins, ContainerCheck::kImageHistoryEnvSecret, out);
    } else if (ins.keyword == "COPY" || ins.keyword == "ADD") {
      if (wants(wanted, ContainerCheck::kImageHistoryCopySecretFile)) {
        check_copy(ins, ContainerCheck::kImageHistoryCopySecretFile, out);
      }
      if (ins.keyword == "ADD" && wants(wanted, ContainerCheck::kImageHistoryUrlCredentials)) {
        check_url_credentials(ins.args.text, ContainerCheck::kImageHistoryUrlCredentials, out,
                              [&](std::size_t q) { return ins.args.offset_of(q); });
      }
    } else if (ins.keyword == "RUN") {
      const std::string& text = ins.args.text;
      std::size_t q = 0;
      std::size_t count = 0;
      if (q + 1 < text.size() && text[q] == '|' && std::isdigit(static_cast<unsigned char>(text[q + 1])) != 0) {
        ++q;
        while (q < text.size() && std::isdigit(static_cast<unsigned char>(text[q])) != 0 && count < 100000) {
          count = count * 10 + static_cast<std::size_t>(text[q] - '0');
          ++q;
        }
      }
      // The build arguments, then the command.
      std::size_t command = q;
      std::size_t seen = 0;
      const std::string_view rest = std::string_view(text).substr(q);
      for (const auto& [begin, end] : shell_words(rest)) {
        if (seen == count) break;
        ++seen;
        command = q + end;
        std::size_t word_begin = q + begin;
        const std::string_view word = strip_quotes(rest.substr(begin, end - begin), word_begin);
        const std::size_t eq = word.find('=');
        if (eq == std::string_view::npos || !wants(wanted, ContainerCheck::kImageHistoryBuildArgSecret)) continue;
        std::size_t value_pos = word_begin + eq + 1;
        const std::string_view value = strip_quotes(word.substr(eq + 1), value_pos);
        if (value.empty() || !secret_assignment(word.substr(0, eq), value)) continue;
        add(out, ContainerCheck::kImageHistoryBuildArgSecret, ins.args.offset_of(value_pos),
            ins.args.offset_of(value_pos + value.size() - 1) + 1, ins.begin, ins.end);
      }
      const std::string_view run = std::string_view(text).substr(command);
      if (!wants(wanted, ContainerCheck::kImageHistoryUrlCredentials) || uses_secret_mount(text)) continue;
      check_url_credentials(run, ContainerCheck::kImageHistoryUrlCredentials, out,
                            [&](std::size_t r) { return ins.args.offset_of(command + r); });
    }
  }
}

// `"build-arg:NAME": "value"` in a provenance attestation (BuildKit's SLSA
// provenance records the build's arguments so, v0.2 and v1 alike).
void check_attestation(std::string_view blob, std::vector<ContainerFinding>& out) {
  constexpr std::string_view kKey = "\"build-arg:";
  std::size_t at = 0;
  while ((at = blob.find(kKey, at)) != std::string_view::npos) {
    const std::size_t entry = at;
    const std::size_t name_begin = at + kKey.size();
    at = name_begin;
    const std::size_t name_end = blob.find('"', name_begin);
    if (name_end == std::string_view::npos) break;
    std::size_t p = name_end + 1;
    while (p < blob.size() && (blob[p] == ' ' || blob[p] == '\t')) ++p;
    if (p == blob.size() || blob[p] != ':') continue;
    ++p;
    while (p < blob.size() && (blob[p] == ' ' || blob[p] == '\t')) ++p;
    if (p == blob.size() || blob[p] != '"') continue;
    const std::size_t value_begin = p + 1;
    std::size_t value_end = value_begin;
    while (value_end < blob.size() && blob[value_end] != '"' && blob[value_end] != '\n') {
      value_end += blob[value_end] == '\\' ? 2 : 1;
    }
    if (value_end >= blob.size() || blob[value_end] != '"') continue;
    const std::string_view value = blob.substr(value_begin, value_end - value_begin);
    if (value.empty() || !secret_assignment(blob.substr(name_begin, name_end - name_begin), value)) continue;
    add(out, ContainerCheck::kImageAttestationBuildArgSecret, value_begin, value_end, entry, value_end + 1);
  }
}

}  // namespace

std::string_view container_check_name(ContainerCheck check) { return kNames[static_cast<std::size_t>(check)]; }

std::optional<ContainerCheck> container_check_named(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<ContainerCheck>(i);
  }
  return std::nullopt;
}

bool names_a_secret(std::string_view name) {
  const std::vector<std::string> parts = name_parts(name);
  if (parts.empty()) return false;
  static constexpr std::array<std::string_view, 29> kNotTheValue = {
      "ID",     "FILE",     "PATH", "DIR",      "NAME",   "URL",     "URI",     "LENGTH", "LEN",     "SIZE",
      "TTL",    "TIMEOUT",  "TYPE", "HEADER",   "PREFIX", "VERSION", "ENABLED", "EXPIRY", "MODE",    "POLICY",
      "FORMAT", "LOCATION", "REF",  "ENDPOINT", "HOST",   "PORT",    "ISSUER",  "SCOPE",  "AUDIENCE"};
  if (std::find(kNotTheValue.begin(), kNotTheValue.end(), parts.back()) != kNotTheValue.end()) return false;
  static constexpr std::array<std::string_view, 16> kSecretParts = {
      "TOKEN",   "TOKENS",     "PASSWORD",    "PASSWORDS", "PASSWD", "PASS",       "PWD", "SECRET",
      "SECRETS", "CREDENTIAL", "CREDENTIALS", "CREDS",     "APIKEY", "PASSPHRASE", "PAT", "PRIVATEKEY"};
  static constexpr std::array<std::string_view, 4> kSecretEndings = {"TOKEN", "PASSWORD", "SECRET", "APIKEY"};
  static constexpr std::array<std::string_view, 9> kKeyKinds = {"API",     "ACCESS",     "PRIVATE", "SECRET", "AUTH",
                                                                "SIGNING", "ENCRYPTION", "CLIENT",  "MASTER"};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (std::find(kSecretParts.begin(), kSecretParts.end(), part) != kSecretParts.end()) return true;
    for (std::string_view ending : kSecretEndings) {
      if (part.size() > ending.size() && ends_with(part, ending)) return true;
    }
    if (part == "KEY" && i > 0 && std::find(kKeyKinds.begin(), kKeyKinds.end(), parts[i - 1]) != kKeyKinds.end()) {
      return true;
    }
  }
  return false;
}

bool is_literal_value(std::string_view value) {
  if (value.empty() || value.front() == '$' || value.find("${{") != std::string_view::npos) return false;
  if (value.starts_with("/run/secrets/")) return false;
  const std::string lower = upper(value);
  if (lower == "TRUE" || lower == "FALSE" || lower == "YES" || lower == "NO" || lower == "NULL" || lower == "NONE") {
    return false;
  }
  return !looks_like_placeholder(value);
}

bool looks_like_secret_value(std::string_view value) {
  if (value.size() < 20 || value.size() > 1024) return false;
  bool letter = false;
  bool digit = false;
  bool hex_only = true;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) != 0 || c == '$' || c == ':' || c == '@') return false;
    letter = letter || std::isalpha(u) != 0;
    digit = digit || std::isdigit(u) != 0;
    hex_only = hex_only && std::isxdigit(u) != 0;
  }
  if (!letter || !digit || hex_only || value.find("//") != std::string_view::npos) return false;
  if (value.front() == '/' || value.front() == '.') return false;
  return entropy_of(value) >= 4.0;
}

std::vector<ContainerFinding> run_container_checks(std::string_view text, const ContainerCheckSet& wanted) {
  std::vector<ContainerFinding> out;
  // Each check is for one kind of file but runs on any blob whose keywords
  // it shares (`env `, `://`, `args` are everywhere in code). The cheap
  // tests first are necessary conditions of a finding, so they drop no
  // finding: a Dockerfile check finds only in an instruction of its kind,
  // which starts a line; a Compose check only under a `services` key.
  ContainerCheckSet dockerfile{};
  bool any_dockerfile = false;
  for (ContainerCheck c : {ContainerCheck::kDockerfileArgSecret, ContainerCheck::kDockerfileEnvSecret,
                           ContainerCheck::kDockerfileCopySecretFile, ContainerCheck::kDockerfileRunUrlCredentials}) {
    any_dockerfile = any_dockerfile || wants(wanted, c);
  }
  if (any_dockerfile) {
    const ContainerCheckSet lines = dockerfile_checks_with_lines(text);
    for (std::size_t c = 0; c < kContainerCheckCount; ++c) dockerfile[c] = wanted[c] && lines[c];
    if (std::find(dockerfile.begin(), dockerfile.end(), true) != dockerfile.end()) {
      check_dockerfile(text, dockerfile, out);
    }
  }
  if ((wants(wanted, ContainerCheck::kComposeEnvironmentSecret) ||
       wants(wanted, ContainerCheck::kComposeBuildArgSecret)) &&
      text.find("services") != std::string_view::npos) {
    check_compose(text, wanted, out);
  }
  if (wants(wanted, ContainerCheck::kCiBuildArgSecret)) check_ci(text, out);
  if (wants(wanted, ContainerCheck::kImageHistoryBuildArgSecret) ||
      wants(wanted, ContainerCheck::kImageHistoryEnvSecret) ||
      wants(wanted, ContainerCheck::kImageHistoryCopySecretFile) ||
      wants(wanted, ContainerCheck::kImageHistoryUrlCredentials)) {
    check_history(text, wanted, out);
  }
  if (wants(wanted, ContainerCheck::kImageAttestationBuildArgSecret)) check_attestation(text, out);
  if (wants(wanted, ContainerCheck::kKubernetesSecret)) {
    for (KubernetesSecretValue& v : kubernetes_secret_values(text)) {
      // The secret as written is kept when it is the value (stringData:).
      std::string decoded =
          v.secret == text.substr(v.value_begin, v.value_end - v.value_begin) ? std::string() : std::move(v.secret);
      out.push_back({ContainerCheck::kKubernetesSecret, v.value_begin, v.value_end, v.line_begin, v.line_end,
                     std::move(decoded)});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ContainerFinding& a, const ContainerFinding& b) {
    return a.secret_begin < b.secret_begin;
  });
  return out;
}

}  // namespace trawl
