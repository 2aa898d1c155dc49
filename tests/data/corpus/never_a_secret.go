// Look-alikes: Go code that names credentials. No line here may be reported.
package creds

func fromRole(output *sts.AssumeRoleOutput) Credentials {
	secretAccessKey := *output.Credentials.SecretAccessKey
	sessionToken := *output.Credentials.SessionToken
	return Credentials{SecretAccessKey: secretAccessKey, SessionToken: sessionToken}
}

type PrivateKey = ed25519.PrivateKey

func style(token *yamlToken) {
	token.style = yaml_FOLDED_SCALAR_STYLE
	tokenProvider := newTokenProvider(&AccessToken{Token: "access-token-for-tests"}, nil)
	_ = tokenProvider
}
