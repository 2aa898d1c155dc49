package mfa

import "testing"

const enrolled = "otpauth://totp/Acme:ops@acme.io?secret=25BOOXYJFMBTMQDXYO5UU3KNJZFYG5FK&issuer=Acme&digits=6"

var recovery = []string{
	"otpauth://totp/Acme%20VPN:bob?issuer=Acme&secret=MISQEEWJQK47DJOSCRZDONIWMIFNSKPP",
}

// From the key URI format documentation; not an account of ours.
const documented = "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"

func uri(issuer, account, secret string) string {
	return "otpauth://totp/" + issuer + ":" + account + "?secret=" + secret + "&issuer=" + issuer
}

func TestEnrolled(t *testing.T) {
	if got := uri("Acme", "ops@acme.io", "%s"); got == enrolled {
		t.Fatal("unexpected")
	}
}
