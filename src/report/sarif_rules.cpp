#include "report/sarif_rules.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace trawl {
namespace {

// A family of credentials: the tags that name it, what such a credential
// is, the steps to rotate it and how severe a leak is.
struct Family {
  std::array<std::string_view, 6> tags;
  std::string_view what;
  std::array<std::string_view, 3> steps;
  std::string_view severity;
};

constexpr std::array<Family, 11> kFamilies{{
    {{"container-build"},
     "a secret a container build or Compose file handles unsafely: ARG and ENV values, copied files and "
     "RUN commands are kept in the image's layers and history, readable by anyone who can pull the image.",
     {"Rotate the secret: every image built with it, and every clone of the file, holds it.",
      "Pass it without keeping it: a BuildKit secret mount (RUN --mount=type=secret,id=...) or SSH mount "
      "(RUN --mount=type=ssh) at build time; Compose or Swarm secrets, an env file kept out of the repository, "
      "or a secrets manager at run time.",
      "Rebuild and push the images, and delete the tags that still hold it."},
     "8.0"},
    {{"private-key", "ssh", "pgp", "age", "crypto"},
     "a private key: whoever holds it can sign, decrypt or log in as its owner.",
     {"Generate a new key pair and deploy the new public key or certificate where the old one is trusted.",
      "Revoke the old key: remove it from authorized_keys and deploy keys, revoke its certificate, publish a "
      "revocation for a PGP key.",
      "Review what the key could reach (hosts, signatures, encrypted data) since it was committed."},
     "9.5"},
    {{"aws", "gcp", "azure", "alibaba", "cloud", "kubernetes"},
     "a cloud provider credential: it acts on the account's resources with the permissions of its identity.",
     {"Create a new key or secret for the identity (IAM user, service account, app registration) and deploy it.",
      "Deactivate and delete the leaked one in the provider's console or CLI.",
      "Check the provider's audit logs (CloudTrail, Cloud Audit Logs, Activity Log) for use of the leaked key."},
     "9.0"},
    {{"vcs", "github", "gitlab", "bitbucket"},
     "a source hosting token: it can read, and often write, repositories and their CI settings.",
     {"Revoke the token in the account's or organisation's settings (developer settings, access tokens).",
      "Create a replacement with the fewest scopes and repositories it needs, and an expiry.",
      "Review the audit log for pushes, clones and settings changes made with it."},
     "9.0"},
    {{"payments", "stripe", "paypal", "square", "braintree", "adyen"},
     "a payment provider key: it can read customers and charges, and often move money.",
     {"Roll the key in the provider's dashboard; deploy the new one.", "Expire the leaked key at once.",
      "Review the account's logs and payouts since the key was committed."},
     "9.0"},
    {{"database", "jdbc", "postgres", "mysql", "mongodb", "redis"},
     "a database credential: it connects to the database as its user.",
     {"Change the database user's password (or create a new user) and update the application's secret store.",
      "Drop the old password and close sessions that used it.",
      "Review the connection logs; restrict network access to the database."},
     "8.5"},
    {{"registry", "npm", "pypi", "package-registry", "container-registry", "docker"},
     "a package or container registry token: it can publish packages others install.",
     {"Revoke the token in the registry's account settings and create one scoped to what it publishes.",
      "Check the versions published since the token was committed.",
      "Prefer the registry's trusted publishing from CI over long-lived tokens."},
     "8.5"},
    {{"ci", "hashicorp", "vault", "secrets-manager", "infra", "iac"},
     "a CI or infrastructure credential: it can run pipelines or read the secrets they use.",
     {"Revoke the token in the service's settings and issue a replacement with the least access.",
      "Rotate the secrets it could read.", "Review the service's audit log for its use."},
     "8.5"},
    {{"jwt", "oauth", "identity", "okta", "auth0", "entra"},
     "an identity token or client secret: it authenticates as a user or an application.",
     {"Revoke the token or session, or regenerate the client secret, at the identity provider.",
      "If a signing key leaked, rotate it; every token it signed stays valid until then.",
      "Review sign-ins made with it."},
     "8.0"},
    {{"chat", "slack", "discord", "teams", "webhook", "email"},
     "a messaging token or webhook: it can post messages, and bot tokens can read them.",
     {"Revoke the token or delete and recreate the webhook in the app's settings.",
      "Store the new one in a secret manager or the CI's secret variables.",
      "Review messages posted with it: a leaked webhook is a phishing channel."},
     "7.5"},
    {{"generic"},
     "a password, key or token assigned in code or configuration, recognised by its name and its randomness.",
     {"Find the system that accepts it and change it there; update where it is used.",
      "Read it from the environment or a secret manager instead of the repository.",
      "If it is a test value, allowlist it (an allowlist, a trawl:allow comment or .trawlignore)."},
     "7.0"},
}};

constexpr std::array<std::string_view, 3> kGeneralSteps{
    "Revoke or rotate the credential at the provider that issued it, and deploy the replacement.",
    "Review the provider's logs for use since it was committed.",
    "Keep the replacement out of the repository: environment, CI secret variables or a secret manager."};

const Family* family_of(const Finding& finding) {
  for (const Family& family : kFamilies) {
    for (const std::string& tag : finding.tags) {
      if (std::find(family.tags.begin(), family.tags.end(), tag) != family.tags.end()) return &family;
    }
  }
  return nullptr;
}

}  // namespace

SarifRuleHelp sarif_rule_help(const Finding& finding) {
  const Family* family = family_of(finding);
  const std::string name = finding.description.empty() ? finding.rule_id : finding.description;
  const std::string what = family ? std::string(family->what) : "a credential.";
  const auto& steps = family ? family->steps : kGeneralSteps;

  SarifRuleHelp help;
  help.full_description = name + " (rule " + finding.rule_id + "): " + what;
  const std::string history =
      "Deleting it in a later commit does not help: it stays in the history and in every clone, so treat it "
      "as compromised.";
  help.text = name + " is " + what + " " + history + "\nTo rotate it:\n";
  help.markdown = "**" + name + "** is " + what + "\n\n" + history + "\n\n**To rotate it:**\n\n";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string number = std::to_string(i + 1);
    help.text += number + ". " + std::string(steps[i]) + "\n";
    help.markdown += number + ". " + std::string(steps[i]) + "\n";
  }
  help.security_severity = family ? std::string(family->severity) : "8.0";
  help.precision = std::string(confidence_name(finding.confidence));
  return help;
}

}  // namespace trawl
