// Container build checks: the Dockerfile parser and Compose reader, each
// check's findings and non-findings (the safe forms are never findings),
// and the checks at work in `trawl dockerfile`, directory, history and
// image scans.
#include "rules/container_checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "rules/compose_reader.h"
#include "rules/dockerfile_parser.h"
#include "scan/scans.h"
#include "support/git_fixture.h"
#include "support/image_builder.h"
#include "support/tar_writer.h"

namespace trawl {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> keywords(const Dockerfile& file) {
  std::vector<std::string> out;
  for (const auto& ins : file.instructions) out.push_back(ins.keyword);
  return out;
}

TEST(DockerfileParser, ReadsInstructionsInAnyCaseAndSkipsComments) {
  const Dockerfile file = parse_dockerfile("# a comment\nfrom alpine\n\n  run echo hi\n# RUN not this\nEnv A=b\n");
  EXPECT_EQ(keywords(file), (std::vector<std::string>{"FROM", "RUN", "ENV"}));
  EXPECT_EQ(file.instructions[1].args.text, "echo hi");
  EXPECT_EQ(file.instructions[2].args.text, "A=b");
}

TEST(DockerfileParser, JoinsContinuedLinesAndDropsCommentLinesInside) {
  const std::string text = "RUN apt-get update && \\\n# a comment\n\n    apt-get install -y curl\nENV X=1\n";
  const Dockerfile file = parse_dockerfile(text);
  ASSERT_EQ(keywords(file), (std::vector<std::string>{"RUN", "ENV"}));
  const SourcedText& args = file.instructions[0].args;
  EXPECT_EQ(args.text, "apt-get update &&      apt-get install -y curl");
  const std::size_t curl = args.text.find("curl");
  EXPECT_EQ(args.offset_of(curl), text.find("curl"));
}

TEST(DockerfileParser, EscapeDirectiveChangesTheContinuationCharacter) {
  const Dockerfile file = parse_dockerfile("# escape=`\nFROM windows\nRUN dir C:\\ `\n  && echo done\n");
  ASSERT_EQ(file.escape, '`');
  ASSERT_EQ(keywords(file), (std::vector<std::string>{"FROM", "RUN"}));
  EXPECT_EQ(file.instructions[1].args.text, "dir C:\\    && echo done");
  // Not at the top: a comment, not a directive.
  EXPECT_EQ(parse_dockerfile("FROM a\n# escape=`\n").escape, '\\');
}

TEST(DockerfileParser, ReadsHeredocBodies) {
  const std::string text = "RUN <<EOF bash\necho one\nFROM not-an-instruction\nEOF\nRUN <<-END\n\techo two\n\tEND\n";
  const Dockerfile file = parse_dockerfile(text);
  ASSERT_EQ(keywords(file), (std::vector<std::string>{"RUN", "RUN"}));
  ASSERT_EQ(file.instructions[0].heredocs.size(), 1U);
  const DockerfileHeredoc& doc = file.instructions[0].heredocs[0];
  EXPECT_EQ(doc.delimiter, "EOF");
  EXPECT_EQ(text.substr(doc.body_begin, doc.body_end - doc.body_begin), "echo one\nFROM not-an-instruction");
  ASSERT_EQ(file.instructions[1].heredocs.size(), 1U);
  EXPECT_EQ(file.instructions[1].heredocs[0].delimiter, "END");
}

// Texts built from pieces that test the parser's edges: instructions in
// any case and indentation, continuations by either escape character,
// heredocs, comments, CRLF, words that start like an instruction.
std::vector<std::string> mixed_texts() {
  const std::vector<std::string> pieces = {"FROM alpine\n",
                                           "  run echo a \\\n  ARG inside=continuation\n",
                                           "ARG A=b\n",
                                           "\tEnv X=1\r\n",
                                           "COPY <<EOF /x\nENV NOT=instruction\nEOF\n",
                                           "add a b\n",
                                           "RUN_TESTS=1 make\n",
                                           "arguments(x);\n",
                                           "# escape=`\n",
                                           "RUN dir `\n  && ENV Y=2\n",
                                           "copy\n",
                                           "# ENV commented=out\n",
                                           "RUN <<-E\n\tARG z=1\n\tE\n",
                                           "environment:\n",
                                           "ENV",
                                           "RUN\\\n",
                                           "\n"};
  std::vector<std::string> texts;
  std::uint32_t state = 12345;
  for (int t = 0; t < 400; ++t) {
    std::string text;
    for (int n = 0; n < 6; ++n) {
      state = state * 1103515245U + 12345U;
      text += pieces[(state >> 16) % pieces.size()];
    }
    texts.push_back(std::move(text));
  }
  return texts;
}

TEST(DockerfileParser, ReadingSomeKeywordsGivesThoseInstructionsOfTheWholeParse) {
  const std::vector<std::string_view> only = {"ENV", "COPY"};
  for (const std::string& text : mixed_texts()) {
    const Dockerfile whole = parse_dockerfile(text);
    const Dockerfile some = parse_dockerfile(text, only);
    std::vector<const DockerfileInstruction*> expected;
    for (const auto& ins : whole.instructions) {
      if (ins.keyword == "ENV" || ins.keyword == "COPY") expected.push_back(&ins);
    }
    ASSERT_EQ(some.instructions.size(), expected.size()) << text;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const DockerfileInstruction& a = some.instructions[i];
      const DockerfileInstruction& b = *expected[i];
      EXPECT_EQ(std::tie(a.keyword, a.args.text, a.begin, a.end), std::tie(b.keyword, b.args.text, b.begin, b.end))
          << text;
      EXPECT_EQ(a.heredocs.size(), b.heredocs.size()) << text;
    }
  }
}

TEST(ContainerChecks, EveryParsedInstructionStartsALineTheCheapTestSees) {
  const std::vector<std::pair<std::string, ContainerCheck>> kinds = {
      {"ARG", ContainerCheck::kDockerfileArgSecret},
      {"ENV", ContainerCheck::kDockerfileEnvSecret},
      {"COPY", ContainerCheck::kDockerfileCopySecretFile},
      {"ADD", ContainerCheck::kDockerfileCopySecretFile},
      {"RUN", ContainerCheck::kDockerfileRunUrlCredentials}};
  std::size_t instructions = 0;
  for (const std::string& text : mixed_texts()) {
    const ContainerCheckSet lines = dockerfile_checks_with_lines(text);
    for (const auto& ins : parse_dockerfile(text).instructions) {
      for (const auto& [keyword, check] : kinds) {
        if (ins.keyword != keyword) continue;
        ++instructions;
        EXPECT_TRUE(lines[static_cast<std::size_t>(check)]) << keyword << " in " << text;
      }
    }
  }
  EXPECT_GT(instructions, 1000U);
}

TEST(ContainerChecks, TheCheapTestSeesNoInstructionInCode) {
  const ContainerCheckSet none{};
  EXPECT_EQ(dockerfile_checks_with_lines("int run_tests(char **env) {\n  return add(env, \"https://x\");\n}\n"), none);
  EXPECT_EQ(dockerfile_checks_with_lines("RUN_TESTS=1\nARGS=x\n  environment: dev\nCOPYRIGHT 2024\nADDR=1\n"), none);
  ContainerCheckSet run_env{};
  run_env[static_cast<std::size_t>(ContainerCheck::kDockerfileRunUrlCredentials)] = true;
  run_env[static_cast<std::size_t>(ContainerCheck::kDockerfileEnvSecret)] = true;
  EXPECT_EQ(dockerfile_checks_with_lines("\t run\\\n  x\r\nenv`\n"), run_env);
}

TEST(DockerfileParser, ReadsTheJsonArrayForm) {
  const std::string text = "COPY [\"a b.txt\", \"x\\\"y\", \"/dst/\"]\nCMD [\"broken\"\n";
  const Dockerfile file = parse_dockerfile(text);
  ASSERT_TRUE(file.instructions[0].json.has_value());
  const auto& items = *file.instructions[0].json;
  ASSERT_EQ(items.size(), 3U);
  EXPECT_EQ(items[0].value, "a b.txt");
  EXPECT_EQ(items[1].value, "x\"y");
  EXPECT_EQ(text.substr(items[0].begin, items[0].end - items[0].begin), "a b.txt");
  EXPECT_FALSE(file.instructions[1].json.has_value());
}

TEST(ComposeReader, ReadsEnvironmentInBothFormsAndBuildArgs) {
  const std::string text =
      "version: '3'\n"
      "services:\n"
      "  db:\n"
      "    image: postgres  # comment\n"
      "    command: |\n"
      "      environment:\n"
      "        NOT: read\n"
      "    environment:\n"
      "      POSTGRES_PASSWORD: \"p4ss\"  # trailing\n"
      "      EMPTY:\n"
      "  api:\n"
      "    environment:\n"
      "    - 'API_KEY=k1'\n"
      "    - DEBUG\n"
      "    build:\n"
      "      args:\n"
      "        - NPM_TOKEN=t0\n"
      "---\n"
      "environment:\n"
      "  TOP: level\n";
  const std::vector<ComposeVariable> vars = compose_variables(text);
  ASSERT_EQ(vars.size(), 5U);
  EXPECT_EQ(vars[0].service, "db");
  EXPECT_EQ(vars[0].name, "POSTGRES_PASSWORD");
  EXPECT_EQ(vars[0].value, "p4ss");
  EXPECT_EQ(text.substr(vars[0].value_begin, vars[0].value_end - vars[0].value_begin), "p4ss");
  EXPECT_EQ(vars[1].name, "EMPTY");
  EXPECT_FALSE(vars[1].has_value);
  EXPECT_EQ(vars[2].service, "api");
  EXPECT_EQ(vars[2].name, "API_KEY");
  EXPECT_EQ(vars[2].value, "k1");
  EXPECT_EQ(vars[3].name, "DEBUG");
  EXPECT_FALSE(vars[3].has_value);
  EXPECT_EQ(vars[4].section, ComposeVariable::Section::kBuildArgs);
  EXPECT_EQ(vars[4].value, "t0");
}

TEST(ComposeReader, ReadsASectionInFlowStyleClosedOnItsLine) {
  const std::string text =
      "services:\n"
      "  web:\n"
      "    environment: {DB_PASSWORD: \"p4, ss\", MODE: dev, EMPTY: }\n"
      "    build:\n"
      "      args: [NPM_TOKEN=t0, 'GH_TOKEN=t1', DEBUG]\n"
      "  open:\n"
      "    environment: {NOT_CLOSED: x,\n"
      "      ON: next}\n"
      "    labels: {NOT: environment}\n";
  const std::vector<ComposeVariable> vars = compose_variables(text);
  ASSERT_EQ(vars.size(), 6U);
  EXPECT_EQ(vars[0].service, "web");
  EXPECT_EQ(vars[0].name, "DB_PASSWORD");
  EXPECT_EQ(vars[0].value, "p4, ss");
  EXPECT_EQ(text.substr(vars[0].value_begin, vars[0].value_end - vars[0].value_begin), "p4, ss");
  EXPECT_EQ(vars[1].name, "MODE");
  EXPECT_EQ(vars[1].value, "dev");
  EXPECT_EQ(vars[2].name, "EMPTY");
  EXPECT_FALSE(vars[2].has_value);
  EXPECT_EQ(vars[3].section, ComposeVariable::Section::kBuildArgs);
  EXPECT_EQ(vars[3].name, "NPM_TOKEN");
  EXPECT_EQ(text.substr(vars[3].value_begin, vars[3].value_end - vars[3].value_begin), "t0");
  EXPECT_EQ(vars[4].name, "GH_TOKEN");
  EXPECT_EQ(vars[4].value, "t1");
  EXPECT_EQ(vars[5].name, "DEBUG");
  EXPECT_FALSE(vars[5].has_value);
}

TEST(ComposeReader, FollowsAnchorsAliasesAndMergeKeysAndReportsEachValueWhereItIsWritten) {
  const std::string text =
      "x-common-env: &env\n"
      "  DB_PASSWORD: anchored1\n"
      "  MODE: dev\n"
      "x-service: &svc\n"
      "  image: app\n"
      "  environment:\n"
      "    - API_KEY=anchored2\n"
      "x-token: &tok anchored3\n"
      "x-list: &args [NPM_TOKEN=anchored4]\n"
      "services:\n"
      "  web:\n"
      "    environment: *env\n"
      "  worker:\n"
      "    environment:\n"
      "      <<: *env\n"
      "      GH_TOKEN: *tok\n"
      "      OWN: own1\n"
      "  api:\n"
      "    <<: *svc\n"
      "  cron:\n"
      "    <<: [*svc]\n"
      "    build:\n"
      "      args: *args\n"
      "  db:\n"
      "    environment: &dbenv\n"
      "      POSTGRES_PASSWORD: anchored5\n"
      "  db2:\n"
      "    environment: *dbenv\n";
  const std::vector<ComposeVariable> vars = compose_variables(text);
  std::vector<std::string> seen;
  seen.reserve(vars.size());
  for (const ComposeVariable& v : vars) {
    seen.push_back(v.service + " " + v.name + "=" + text.substr(v.value_begin, v.value_end - v.value_begin));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"web DB_PASSWORD=anchored1", "web MODE=dev", "worker GH_TOKEN=anchored3",
                                            "worker OWN=own1", "api API_KEY=anchored2", "cron NPM_TOKEN=anchored4",
                                            "db POSTGRES_PASSWORD=anchored5"}));
  EXPECT_EQ(vars[0].value, "anchored1");
  EXPECT_EQ(vars[5].section, ComposeVariable::Section::kBuildArgs);
  // The check gives one finding per written value, at its own line.
  ContainerCheckSet wanted{};
  wanted[static_cast<std::size_t>(ContainerCheck::kComposeEnvironmentSecret)] = true;
  std::vector<std::size_t> lines;
  for (const ContainerFinding& f : run_container_checks(text, wanted)) {
    lines.push_back(static_cast<std::size_t>(
                        std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(f.secret_begin), '\n')) +
                    1);
  }
  EXPECT_EQ(lines, (std::vector<std::size_t>{2, 7, 8, 26}));
}

TEST(ComposeReader, AnAliasBombStaysBounded) {
  // Each anchor merges the one before it ten times: followed in full, nine
  // levels would be a billion entries.
  std::string text = "x-a0: &a0\n  DB_PASSWORD: lol12345\n";
  for (int i = 1; i < 10; ++i) {
    text += "x-a" + std::to_string(i) + ": &a" + std::to_string(i) + "\n  <<: [";
    for (int k = 0; k < 10; ++k) text += std::string(k == 0 ? "" : ", ") + "*a" + std::to_string(i - 1);
    text += "]\n";
  }
  text += "services:\n";
  for (int s = 0; s < 1000; ++s) text += "  s" + std::to_string(s) + ":\n    environment: *a9\n";
  // An alias to a node not finished yet (the anchor's own node) is a loop
  // in other readers: here it is bounded by depth.
  text += "  loop:\n    environment: &self\n      <<: *self\n      TOKEN: tok1\n";
  const std::vector<ComposeVariable> vars = compose_variables(text);
  ASSERT_FALSE(vars.empty());
  EXPECT_EQ(vars[0].name, "DB_PASSWORD");
  for (const ComposeVariable& v : vars) EXPECT_NE(v.service, "");
  EXPECT_LE(vars.size(), 2U);
  const std::vector<ComposeVariable> loop =
      compose_variables("services:\n  loop:\n    environment: &self\n      <<: *self\n      TOKEN: tok1\n");
  ASSERT_EQ(loop.size(), 1U);
  EXPECT_EQ(loop[0].value, "tok1");
}

// The secrets `check` finds in `text`.
std::vector<std::string> found(const std::string& text, ContainerCheck check) {
  ContainerCheckSet wanted{};
  wanted[static_cast<std::size_t>(check)] = true;
  std::vector<std::string> out;
  for (const ContainerFinding& f : run_container_checks(text, wanted)) {
    EXPECT_EQ(f.check, check);
    EXPECT_LE(f.match_begin, f.secret_begin);
    EXPECT_GE(f.match_end, f.secret_end);
    out.push_back(text.substr(f.secret_begin, f.secret_end - f.secret_begin));
  }
  return out;
}

using Secrets = std::vector<std::string>;

TEST(ContainerChecks, NamesThatSayTheyHoldASecret) {
  for (const char* name : {"NPM_TOKEN", "DB_PASSWORD", "apiKey", "AWS_SECRET_ACCESS_KEY", "GITHUB_PAT", "CREDENTIALS",
                           "npmAuthToken", "SIGNING_KEY", "REDIS_PASS"}) {
    EXPECT_TRUE(names_a_secret(name)) << name;
  }
  for (const char* name : {"TOKENIZERS_PARALLELISM", "SECRET_FILE", "AWS_ACCESS_KEY_ID", "PASSWORD_MIN_LENGTH", "PATH",
                           "KEYCLOAK_URL", "NODE_ENV", "PASSPORT_STRATEGY"}) {
    EXPECT_FALSE(names_a_secret(name)) << name;
  }
}

TEST(ContainerChecks, ArgWithASecretDefaultIsAFinding) {
  const std::string text =
      "ARG NPM_TOKEN=npm_secret_default\n"
      "ARG VERSION=1.0 \"DB_PASSWORD=hunter2x\"\n"
      "ARG BUILD_ID=Zx8Qm2Lr5Tv9Wc3Np7Kd1Hf6Jb4Gs0Ya\n";
  EXPECT_EQ(found(text, ContainerCheck::kDockerfileArgSecret),
            (Secrets{"npm_secret_default", "hunter2x", "Zx8Qm2Lr5Tv9Wc3Np7Kd1Hf6Jb4Gs0Ya"}));
}

TEST(ContainerChecks, ArgWithoutADefaultOrWithAReferenceIsNot) {
  const std::string text =
      "ARG NPM_TOKEN\nARG GH_TOKEN=\nARG API_TOKEN=${API_TOKEN}\nARG PASSWORD=$PW\nARG SECRET=changeme\n"
      "ARG TOKEN_FILE=/run/secrets/token\nARG NODE_SHA256=8f2a4c6e0b1d3f5a7c9e8d6b4a2c0e1f3d5b7a9c8e6d4b2a0c1e3f5d\n"
      "ARG VERSION=1.2.3\n";
  EXPECT_EQ(found(text, ContainerCheck::kDockerfileArgSecret), Secrets{});
}

TEST(ContainerChecks, EnvInBothFormsAndAcrossContinuations) {
  const std::string text =
      "ENV DB_PASSWORD hunter2 prod\n"
      "ENV A=1 \\\n    API_KEY=\"k3yV4lue\"\n"
      "ENV API_TOKEN=$API_TOKEN TOKENIZERS_PARALLELISM=false\n";
  EXPECT_EQ(found(text, ContainerCheck::kDockerfileEnvSecret), (Secrets{"hunter2 prod", "k3yV4lue"}));
}

TEST(ContainerChecks, CopyOrAddOfASecretFile) {
  const std::string text =
      "COPY .npmrc package.json ./\n"
      "COPY --chown=app:app keys/id_ed25519 /home/app/.ssh/\n"
      "ADD [\"tls/server.pem\", \"/etc/ssl/\"]\n"
      "COPY --from=build /app/.env.production /app/\n"
      "COPY .env.example id_rsa.pub /app/\n"
      "COPY . /app\n"
      "COPY app.key.d /dst/.npmrc\n";
  EXPECT_EQ(found(text, ContainerCheck::kDockerfileCopySecretFile),
            (Secrets{".npmrc", "keys/id_ed25519", "tls/server.pem", "/app/.env.production"}));
}

TEST(ContainerChecks, CredentialsInARunUrlButNotWithSecretMounts) {
  const std::string text =
      "RUN git clone https://deploy:Xk29fLq8@git.example.org/app.git\n"
      "RUN --mount=type=secret,id=netrc,target=/root/.netrc curl https://u:pw9Xz@h/x\n"
      "RUN --mount=type=ssh git clone ssh://git:pw9Xz@h/x\n"
      "RUN TOKEN=$(cat /run/secrets/token) && curl https://u:pw9Xz@h/x\n"
      "RUN curl https://${USER}:${PASS}@h/x https://example.org/a@b\n"
      "RUN <<EOF\ncurl https://ci:Hd7kLp2@artifacts/x\nEOF\n";
  EXPECT_EQ(found(text, ContainerCheck::kDockerfileRunUrlCredentials), (Secrets{"Xk29fLq8", "Hd7kLp2"}));
}

TEST(ContainerChecks, CredentialsInAnAddUrlButNotAFileNamedLikeOne) {
  const std::string text =
      "add https://build:Rt5Lp9Wq@artifacts.internal/tool.tgz /opt/\n"
      "ADD --chown=app https://${U}:${P}@host/x.tgz /opt/\n"
      "COPY https://not:fetched@host/x /opt/\n"
      "ADD ./user:pw@host /opt/\n";
  EXPECT_EQ(found(text, ContainerCheck::kDockerfileRunUrlCredentials), (Secrets{"Rt5Lp9Wq"}));
  // The copy check on the same lines is unchanged: a URL is not a secret file.
  EXPECT_EQ(found(text, ContainerCheck::kDockerfileCopySecretFile), Secrets{});
}

TEST(ContainerChecks, ComposeEnvironmentInBothFormsAndBuildArgs) {
  const std::string text =
      "services:\n"
      "  db:\n"
      "    environment:\n"
      "      POSTGRES_PASSWORD: Qm7xL2pZ\n"
      "      POSTGRES_USER: app\n"
      "      REF_PASSWORD: ${DB_PASSWORD}\n"
      "  api:\n"
      "    environment:\n"
      "      - STRIPE_API_KEY=rk_9fX2mQ7L\n"
      "      - GITHUB_TOKEN\n"
      "    build:\n"
      "      args:\n"
      "        NPM_TOKEN: \"npm_Zr4mQ8xL\"\n"
      "        NODE_ENV: production\n";
  EXPECT_EQ(found(text, ContainerCheck::kComposeEnvironmentSecret), (Secrets{"Qm7xL2pZ", "rk_9fX2mQ7L"}));
  EXPECT_EQ(found(text, ContainerCheck::kComposeBuildArgSecret), (Secrets{"npm_Zr4mQ8xL"}));
}

TEST(ContainerChecks, CiBuildArgLiteralButNotAReference) {
  const std::string text =
      "- run: docker build --build-arg NPM_TOKEN=npm_Lq8Zr3Tn -t app .\n"
      "- run: docker build --build-arg NPM_TOKEN=${{ secrets.NPM_TOKEN }} .\n"
      "- run: docker build --build-arg TOKEN=$TOKEN --build-arg=\"API_KEY=k3yV4lue\" --build-arg GH_TOKEN .\n";
  EXPECT_EQ(found(text, ContainerCheck::kCiBuildArgSecret), (Secrets{"npm_Lq8Zr3Tn", "k3yV4lue"}));
}

TEST(ContainerChecks, ImageHistoryBuildArguments) {
  EXPECT_EQ(found("RUN |1 NPM_TOKEN=npm_Zr4mQ8xL /bin/sh -c npm ci # buildkit\n",
                  ContainerCheck::kImageHistoryBuildArgSecret),
            Secrets{"npm_Zr4mQ8xL"});
  EXPECT_EQ(found("|2 VERSION=1 DB_PASSWORD=pw9Xz2 /bin/sh -c make PASSWORD=notcounted\n",
                  ContainerCheck::kImageHistoryBuildArgSecret),
            Secrets{"pw9Xz2"});
  EXPECT_EQ(found("/bin/sh -c #(nop)  ARG GH_TOKEN=ghx_4Tn8\n", ContainerCheck::kImageHistoryBuildArgSecret),
            Secrets{"ghx_4Tn8"});
  EXPECT_EQ(found("RUN |1 VERSION=1.2.3 /bin/sh -c make\nARG NPM_TOKEN\n", ContainerCheck::kImageHistoryBuildArgSecret),
            Secrets{});
}

TEST(ContainerChecks, ImageHistoryGetsTheDockerfileLintInTheClassicAndBuildKitForms) {
  using C = ContainerCheck;
  // ENV, in the classic builder's form and BuildKit's.
  EXPECT_EQ(found("/bin/sh -c #(nop)  ENV TOKEN=tK9mQ2xL\n", C::kImageHistoryEnvSecret), Secrets{"tK9mQ2xL"});
  EXPECT_EQ(found("ENV TOKEN=tK9mQ2xL # buildkit\nbuildkit.dockerfile.v0\n", C::kImageHistoryEnvSecret),
            Secrets{"tK9mQ2xL"});
  EXPECT_EQ(found("/bin/sh -c #(nop)  ENV PATH=/usr/bin TOKEN_FILE=/run/secrets/t\n", C::kImageHistoryEnvSecret),
            Secrets{});
  // ARG with a value, and the build arguments a RUN recorded.
  EXPECT_EQ(found("/bin/sh -c #(nop)  ARG PASSWORD=pW7xQ2zL\n", C::kImageHistoryBuildArgSecret), Secrets{"pW7xQ2zL"});
  EXPECT_EQ(found("ARG PASSWORD=pW7xQ2zL # buildkit\n", C::kImageHistoryBuildArgSecret), Secrets{"pW7xQ2zL"});
  EXPECT_EQ(found("RUN |2 TOKEN=tK9mQ2xL USER=x /bin/sh -c make PASSWORD=notcounted # buildkit\n",
                  C::kImageHistoryBuildArgSecret),
            Secrets{"tK9mQ2xL"});
  // A recorded build argument is in the history even when the command mounts a secret.
  EXPECT_EQ(found("RUN |1 TOKEN=tK9mQ2xL --mount=type=secret,id=npm /bin/sh -c npm ci # buildkit\n",
                  C::kImageHistoryBuildArgSecret),
            Secrets{"tK9mQ2xL"});
  // COPY or ADD of a secret file (BuildKit names it; the classic builder records a hash).
  EXPECT_EQ(found("COPY .env /app/ # buildkit\n", C::kImageHistoryCopySecretFile), Secrets{".env"});
  EXPECT_EQ(found("ADD id_rsa /root/.ssh/id_rsa # buildkit\n", C::kImageHistoryCopySecretFile), Secrets{"id_rsa"});
  EXPECT_EQ(found("COPY [\"certs/server.key\", \"/etc/ssl/\"] # buildkit\n", C::kImageHistoryCopySecretFile),
            Secrets{"certs/server.key"});
  EXPECT_EQ(found("/bin/sh -c #(nop) COPY file:4b5f0a1c in /app/.env \n", C::kImageHistoryCopySecretFile), Secrets{});
  // Credentials in a URL of a RUN (either form) or an ADD, not with a secret mount or /run/secrets.
  EXPECT_EQ(found("RUN /bin/sh -c curl https://ci:pW7xQ2zL@host/x # buildkit\n", C::kImageHistoryUrlCredentials),
            Secrets{"pW7xQ2zL"});
  EXPECT_EQ(found("/bin/sh -c curl https://ci:pW7xQ2zL@host/x\n", C::kImageHistoryUrlCredentials), Secrets{"pW7xQ2zL"});
  EXPECT_EQ(found("|1 REPO=https://ci:aB3dE5@host/r /bin/sh -c curl https://ci:pW7xQ2zL@host/x\n",
                  C::kImageHistoryUrlCredentials),
            Secrets{"pW7xQ2zL"});
  EXPECT_EQ(found("ADD https://ci:pW7xQ2zL@host/t.tgz /opt/ # buildkit\n", C::kImageHistoryUrlCredentials),
            Secrets{"pW7xQ2zL"});
  EXPECT_EQ(found("RUN --mount=type=secret,id=netrc /bin/sh -c curl https://ci:pW7xQ2zL@host/x # buildkit\n",
                  C::kImageHistoryUrlCredentials),
            Secrets{});
  EXPECT_EQ(found("RUN /bin/sh -c T=$(cat /run/secrets/t) curl https://ci:pW7xQ2zL@host/x # buildkit\n",
                  C::kImageHistoryUrlCredentials),
            Secrets{});
  // Words inside a command are not instructions.
  EXPECT_EQ(found("RUN /bin/sh -c echo ENV TOKEN=tK9mQ2xL COPY .env /x # buildkit\n", C::kImageHistoryEnvSecret),
            Secrets{});
  EXPECT_EQ(found("RUN /bin/sh -c echo ENV TOKEN=tK9mQ2xL COPY .env /x # buildkit\n", C::kImageHistoryCopySecretFile),
            Secrets{});
}

TEST(ContainerChecks, HostileInputIsReadInBoundedTime) {
  ContainerCheckSet all{};
  all.fill(true);
  // One huge continued line, a huge heredoc never closed, deep YAML, junk.
  std::string huge = "ARG " + std::string(4u << 20, 'A') + "=x \\\n";
  for (int i = 0; i < 10000; ++i) huge += "  B=1 \\\n";
  huge += "RUN <<EOF\n" + std::string(1u << 20, '\n');
  EXPECT_TRUE(run_container_checks(huge, all).empty());
  std::string deep = "services:\n  s:\n";
  for (std::size_t i = 0; i < 2000; ++i) deep += std::string(4 + i, ' ') + "k:\n";
  deep += std::string(2004, ' ') + "environment:\n" + std::string(2006, ' ') + "DB_PASSWORD: hunter2x\n";
  EXPECT_TRUE(compose_variables(deep).empty());
  std::string junk;
  for (std::size_t i = 0; i < (1u << 20); ++i) junk += static_cast<char>((i * 2654435761u) >> 13);
  EXPECT_NO_THROW(run_container_checks(junk, all));
}

// The project's own Dockerfile follows what the checks ask for.
TEST(ContainerChecks, TheProjectsDockerfileHasNoFindings) {
  ContainerFileOptions options;
  options.paths = {std::string(TRAWL_TEST_SOURCE_DIR) + "/../Dockerfile"};
  options.no_repo_config = true;
  std::ostringstream log;
  const ScanResult result = scan_container_files(options, log);
  EXPECT_EQ(result.summary.blobs, 1U);
  EXPECT_TRUE(result.findings.empty()) << result.findings.front().rule_id;

  // Multi-stage, an unprivileged runtime, and package credentials (where a
  // mirror wants them) only ever through a secret mount.
  std::ifstream in(options.paths[0]);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Dockerfile parsed = parse_dockerfile(text);
  std::size_t stages = 0;
  std::size_t installs = 0;
  std::string last_user;
  for (const DockerfileInstruction& instruction : parsed.instructions) {
    const std::string& args = instruction.args.text;
    if (instruction.keyword == "FROM") ++stages;
    if (instruction.keyword == "USER") last_user = args;
    if (instruction.keyword == "RUN" && args.find("apt-get install") != std::string::npos) {
      ++installs;
      EXPECT_EQ(args.rfind("--mount=type=secret,id=apt-auth,", 0), 0U) << args;
    }
    EXPECT_NE(instruction.keyword, "ENV") << "the image sets no environment";
  }
  EXPECT_EQ(stages, 2U);
  EXPECT_EQ(installs, 2U);
  EXPECT_EQ(last_user, "10001:10001");
}

class ContainerScan : public ::testing::Test {
 protected:
  test::TempDir dir_;
  void write(const std::string& relative, const std::string& contents) const {
    const fs::path path = dir_.path() / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << contents;
  }
};

struct Row {
  std::string rule, path;
  std::uint32_t line;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) { return os << r.rule << " " << r.path << ":" << r.line; }

std::vector<Row> rows_of(const ScanResult& result, const std::string& strip = "") {
  std::vector<Row> rows;
  for (const Finding& f : result.findings) {
    std::string path = f.path;
    if (!strip.empty() && path.starts_with(strip)) path = path.substr(strip.size());
    rows.push_back({f.rule_id, path, f.start_line});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.path, a.line, a.rule) < std::tie(b.path, b.line, b.rule);
  });
  return rows;
}

constexpr const char* kDockerfile = "FROM node:20\nARG NPM_TOKEN=npm_lQ8zR3tN\nCOPY .npmrc ./\n";
constexpr const char* kCompose = "services:\n  db:\n    environment:\n      - DB_PASSWORD=Qm7xL2pZ\n";
constexpr const char* kWorkflow = "jobs:\n  b:\n    steps:\n      - run: docker build --build-arg API_KEY=k3yV4lue .\n";

TEST_F(ContainerScan, DockerfileCommandChecksTheFilesByName) {
  write("app/Dockerfile", kDockerfile);
  write("app/notes.txt", kDockerfile);  // not a Dockerfile: not read
  write("compose.yaml", kCompose);
  write(".github/workflows/build.yml", kWorkflow);
  write("api.Dockerfile", "FROM x\nENV STRIPE_SECRET=sk9fX2mQ7L\n");
  ContainerFileOptions options;
  options.paths = {dir_.path().string()};
  options.no_repo_config = true;
  std::ostringstream log;
  const ScanResult result = scan_container_files(options, log);
  const std::string root = dir_.path().string() + "/";
  EXPECT_EQ(rows_of(result, root), (std::vector<Row>{{"ci-build-arg-secret", ".github/workflows/build.yml", 4},
                                                     {"dockerfile-env-secret", "api.Dockerfile", 2},
                                                     {"dockerfile-arg-secret", "app/Dockerfile", 2},
                                                     {"dockerfile-copy-secret-file", "app/Dockerfile", 3},
                                                     {"compose-environment-secret", "compose.yaml", 4}}));
  EXPECT_EQ(result.summary.blobs, 4U);

  options.paths = {(dir_.path() / "app/notes.txt").string()};
  EXPECT_THROW(scan_container_files(options, log), UsageError);
  options.paths = {(dir_.path() / "missing").string()};
  EXPECT_THROW(scan_container_files(options, log), UsageError);
}

TEST_F(ContainerScan, DirectoryScanRunsTheChecksOnFilesOfTheirKind) {
  write("Dockerfile", kDockerfile);
  write("docker/notes.txt", kDockerfile);
  FileScanOptions options;
  options.path = dir_.path().string();
  options.no_repo_config = true;
  std::ostringstream log;
  std::istringstream no_input;
  const ScanResult result = scan_directory(options, no_input, log);
  EXPECT_EQ(rows_of(result), (std::vector<Row>{{"dockerfile-arg-secret", "Dockerfile", 2},
                                               {"dockerfile-copy-secret-file", "Dockerfile", 3}}));
}

TEST_F(ContainerScan, HistoryScanFindsADockerfileArgInAnOldCommit) {
  test::GitRepo repo(dir_.path() / "repo");
  repo.write("Dockerfile", kDockerfile);
  const std::string first = repo.commit("add the Dockerfile");
  repo.write("Dockerfile",
             "FROM node:20\nARG NPM_TOKEN\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n");
  repo.commit("use a secret mount");
  GitScanOptions options;
  options.repo_path = repo.path().string();
  options.no_repo_config = true;
  std::ostringstream log;
  const ScanResult result = scan_git_history(options, log);
  EXPECT_EQ(rows_of(result), (std::vector<Row>{{"dockerfile-arg-secret", "Dockerfile", 2},
                                               {"dockerfile-copy-secret-file", "Dockerfile", 3}}));
  for (const Finding& f : result.findings) EXPECT_EQ(f.commit_hex(), first);
}

TEST_F(ContainerScan, ImageScanChecksTheBuildHistory) {
  test::BuiltImage image;
  image.layers.push_back({test::make_tar({test::file("app/Dockerfile", kDockerfile)}), test::Compression::kGzip,
                          "RUN |1 NPM_TOKEN=npm_lQ8zR3tN /bin/sh -c npm ci # buildkit"});
  image.empty_history[0] = {"ARG NPM_TOKEN"};
  test::write_members(dir_.path() / "layout", test::oci_layout({image}));
  ImageCommandOptions options;
  options.inputs = {(dir_.path() / "layout").string()};
  options.no_repo_config = true;
  std::ostringstream log;
  const ScanResult result = scan_images(options, log);
  EXPECT_EQ(rows_of(result), (std::vector<Row>{{"image-history-build-arg-secret", "(history 1)", 1},
                                               {"dockerfile-arg-secret", "app/Dockerfile", 2},
                                               {"dockerfile-copy-secret-file", "app/Dockerfile", 3}}));
}

// Every form of history entry the builders write, in an image the test
// builds: each is a finding at its own `(history N)`, and a RUN that mounts
// its secret is none of the container checks' (the password written out in
// its URL is still in the history: the credential rules find it).
TEST_F(ContainerScan, ImageScanLintsEveryHistoryForm) {
  test::BuiltImage image;
  image.layers.push_back(
      {test::make_tar({test::file("app/a.txt", "a\n")}), test::Compression::kGzip, "COPY .env /app/ # buildkit"});
  image.layers.push_back({test::make_tar({test::file("app/b.txt", "b\n")}), test::Compression::kGzip,
                          "RUN |2 TOKEN=tK9mQ2xLr4 USER=x /bin/sh -c make # buildkit"});
  image.layers.push_back({test::make_tar({test::file("app/c.txt", "c\n")}), test::Compression::kGzip,
                          "RUN --mount=type=secret,id=npm /bin/sh -c curl https://ci:pW7xQ2zL@host/x # buildkit"});
  image.layers.push_back({test::make_tar({test::file("app/d.txt", "d\n")}), test::Compression::kGzip,
                          "/bin/sh -c curl -fsSL https://ci:pW7xQ2zL@host/x"});
  image.empty_history[0] = {"/bin/sh -c #(nop)  ENV TOKEN=eN8vQ3zLk2", "/bin/sh -c #(nop)  ARG PASSWORD=aR5gQ2zLm9"};
  image.empty_history[1] = {"ENV API_TOKEN=bK7eN3vQ9x # buildkit", "ARG DB_PASSWORD=dB4pW8zQ1m # buildkit"};
  test::write_members(dir_.path() / "layout", test::oci_layout({image}));
  ImageCommandOptions options;
  options.inputs = {(dir_.path() / "layout").string()};
  options.no_repo_config = true;
  std::ostringstream log;
  const ScanResult result = scan_images(options, log);
  EXPECT_EQ(rows_of(result), (std::vector<Row>{{"image-history-env-secret", "(history 0)", 1},
                                               {"image-history-build-arg-secret", "(history 1)", 1},
                                               {"image-history-copy-secret-file", "(history 2)", 1},
                                               {"image-history-env-secret", "(history 3)", 1},
                                               {"image-history-build-arg-secret", "(history 4)", 1},
                                               {"image-history-build-arg-secret", "(history 5)", 1},
                                               {"url-credentials", "(history 6)", 1},
                                               {"image-history-url-credentials", "(history 7)", 1}}));
}

}  // namespace
}  // namespace trawl
