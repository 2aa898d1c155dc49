// Test server certificate and key for the staging proxy.
const fs = require("fs");
const key =
  "-----BEGIN RSA PRIVATE KEY-----\n" +
  "MIIEpAIBAAKCAQEAN5vefqEHs4qknMnySHDXyg9BdeoPTg2JhUOmPTwqlogzMvCa\n" +
  "rO2idVvpzTWYuxvXVut/3T9Zgd4+LdKBE5eSqvqpVIHGTU/TYd8vCVqtTtj88VVb\n" +
  "Lrluqi3m2V/K45OUjkK+z47jQ5Rls0sqyVxl+b4eQMdjqY7AM08mNxB7zDOc6bsn\n" +
  "vbyrywVuxpgHoZf4GHzRzBzE5W5ouLCTKOrd1HYf0nwfPGMz1nRdmOlp1Q2HewTB\n" +
  "-----END RSA PRIVATE KEY-----\n";

const placeholder =
  "-----BEGIN RSA PRIVATE KEY-----\n" +
  "...\n" +
  "-----END RSA PRIVATE KEY-----\n";

function isPrivateKey(text) {
  return text.startsWith("-----BEGIN RSA PRIVATE KEY-----");
}

module.exports = { key, placeholder, isPrivateKey, cert: fs.readFileSync("cert.pem") };
