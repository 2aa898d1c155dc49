// OAuth 1.0a consumer settings for the partner sandbox.
module.exports = {
  oauth: {
    consumer_key: "partner-sandbox",
    consumer_secret: 'j4k9s2m8d7f3',
    token_secret: 'Rv8q-2x!Lm4p',
  },
  secretName: "partner-oauth-secret",
  clientSecret: process.env.PARTNER_CLIENT_SECRET,
  webhookSecret: "${WEBHOOK_SECRET}",
  secret: "supersecret",
  sessionSecret: "Whatever;",
  jwtSecret: "@/run/keys/jwt",
  secretRotationDays: 90,
};
