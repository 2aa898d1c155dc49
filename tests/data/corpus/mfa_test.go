package mfa

import "testing"

const enrolled = "otpauth://totp/Acme:ops@acme.io?secret=25BOOXYJFMBTMQDXYO5UU3KNJZFYG5FK&issuer=Acme&digits=6"

var recovery = []string{
	"otpauth://totp/Acme%20VPN:bob?issuer=Acme&secret=MISQEEWJQK47DJOSCRZDONIWMIFNSKPP",
}

// The format, with the secret left to the caller.
const documented = "otpauth://totp/Example:alice@acme.io?secret={secret}&issuer=Example"

func uri(issuer, account, secret string) string {
	return "otpauth://totp/" + issuer + ":" + account + "?secret=" + secret + "&issuer=" + issuer
}

func TestEnrolled(t *testing.T) {
	if got := uri("Acme", "ops@acme.io", "%s"); got == enrolled {
		t.Fatal("unexpected")
	}
}
