package gonbauth

import (
	"context"
	"errors"

	"golang.org/x/oauth2"
)

// configuredAuthStyle is the client authentication Config.ClientAuth
// sets, and false when it leaves the choice to the default (a secret in
// HTTP Basic, else client_id in the body).
func (f *flow) configuredAuthStyle() (oauth2.AuthStyle, bool) {
	switch f.s.clientAuth {
	case ClientAuthBasic:
		return oauth2.AuthStyleInHeader, true
	case ClientAuthPost, ClientAuthNone:
		// "none" has no secret to send (resolve dropped it): client_id
		// goes in the body.
		return oauth2.AuthStyleInParams, true
	case ClientAuthAuto:
		if f.style != 0 {
			return f.style, true
		}
	}
	return 0, false
}

// authStyle: a public client sends client_id in the body; a secret goes in
// HTTP Basic, which RFC 6749 §2.3.1 obliges servers to support.
// Auto-detection would send a failing request first.
func (f *flow) authStyle() oauth2.AuthStyle {
	if style, ok := f.configuredAuthStyle(); ok {
		return style
	}
	if f.s.clientSecret != "" {
		return oauth2.AuthStyleInHeader
	}
	return oauth2.AuthStyleInParams
}

// settleAuthStyle settles ClientAuth "auto" from the metadata's
// token_endpoint_auth_methods_supported (RFC 8414 §2): the first method
// gonbauth can use. Without a secret there is nothing to choose.
func (f *flow) settleAuthStyle(ep *endpoints) {
	if f.s.clientAuth != ClientAuthAuto || f.s.clientSecret == "" {
		return
	}
	f.style = oauth2.AuthStyleInHeader // RFC 6749 §2.3.1: servers must support it
	for _, m := range ep.authMethods {
		switch m {
		case "client_secret_basic":
			return
		case "client_secret_post":
			f.style = oauth2.AuthStyleInParams
			return
		}
	}
}

// exchange trades the code for tokens. With ClientAuth "auto", an
// invalid_client answer is retried once with the other way of sending
// the secret (as x/oauth2's AuthStyleAutoDetect does, but starting from
// the one the metadata lists first); a server refuses the client before
// it looks at the code, so the code is still unused.
func (f *flow) exchange(ctx context.Context, conf *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	var re *oauth2.RetrieveError
	if err == nil || f.s.clientAuth != ClientAuthAuto || f.s.clientSecret == "" || !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		return tok, err
	}
	if conf.Endpoint.AuthStyle == oauth2.AuthStyleInParams {
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	} else {
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	f.style = conf.Endpoint.AuthStyle
	return conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
}

// savedAuthName records the client authentication a sign-in settled on
// with ClientAuth "auto", so that later refreshes use it without
// metadata. "" otherwise.
func (f *flow) savedAuthName(conf *oauth2.Config) string {
	if f.s.clientAuth != ClientAuthAuto {
		return ""
	}
	switch conf.Endpoint.AuthStyle {
	case oauth2.AuthStyleInHeader:
		return ClientAuthBasic
	case oauth2.AuthStyleInParams:
		return ClientAuthPost
	}
	return ""
}

// savedAuthStyle is the client authentication for refreshing a saved
// sign-in: the one it settled on with "auto", else as configured.
func (f *flow) savedAuthStyle(e *entry) oauth2.AuthStyle {
	if f.s.clientAuth == ClientAuthAuto {
		switch e.ClientAuth {
		case ClientAuthBasic:
			return oauth2.AuthStyleInHeader
		case ClientAuthPost:
			return oauth2.AuthStyleInParams
		}
	}
	return f.authStyle()
}
