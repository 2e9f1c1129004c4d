package gonbauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// idTokenVerifier verifies the ID tokens of one issuer and client wherever
// they enter: at sign-in (verifySignIn, with the nonce sent) and with each
// refresh (verifyRefresh, OpenID Connect Core §12.2). No ID token is saved
// or handed out without passing one of them.
type idTokenVerifier struct {
	issuer, clientID, jwksURL string
	algs                      []string
	client                    *http.Client
}

// newIDTokenVerifier checks ID tokens against the issuer's key set at
// jwksURL, accepting the algorithms the issuer lists (never "none").
func newIDTokenVerifier(issuer, clientID, jwksURL string, algs []string, client *http.Client) *idTokenVerifier {
	return &idTokenVerifier{issuer: issuer, clientID: clientID, jwksURL: jwksURL, algs: algs, client: client}
}

// verifySignIn checks the ID token of a sign-in: signature, iss, aud and
// exp (go-oidc), and the nonce Login sent, which go-oidc leaves to the
// caller ("" in the device grant, which has none). It returns the
// verified claims.
func (v *idTokenVerifier) verifySignIn(ctx context.Context, tok *oauth2.Token, nonce string, keys *oidc.RemoteKeySet) (map[string]any, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, idTokenRefused(errors.New("the server sent none, although the openid scope was requested: remove openid from the scopes if this server is not an OpenID provider"))
	}
	idt, claims, err := v.verify(ctx, raw, keys)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, idTokenRefused(errors.New("its nonce does not match this sign-in's (a replayed or injected token)"))
	}
	return claims, nil
}

// verifyRefresh checks an ID token that came with a refresh, as OpenID
// Connect Core §12.2 asks: signature, iss, aud and exp as at sign-in, the
// same sub (and azp) as the sign-in's claims, and a nonce, if any, equal
// to the sign-in's.
func (v *idTokenVerifier) verifyRefresh(ctx context.Context, raw string, signIn map[string]any) (map[string]any, error) {
	_, claims, err := v.verify(ctx, raw, nil)
	if err != nil {
		return nil, err
	}
	for _, c := range []string{"sub", "azp"} {
		if claimString(claims, c) != claimString(signIn, c) {
			return nil, idTokenRefused(fmt.Errorf("its %s is not the sign-in's (a token for someone else)", c))
		}
	}
	if n := claimString(claims, "nonce"); n != "" && subtle.ConstantTimeCompare([]byte(n), []byte(claimString(signIn, "nonce"))) != 1 {
		return nil, idTokenRefused(errors.New("its nonce is not the sign-in's"))
	}
	return claims, nil
}

// verify checks what every ID token must pass: the signature against the
// issuer's key set, iss, aud and exp. Errors from go-oidc repeat outside
// text (a key set response's body, a token's claims), so they are made
// printable.
func (v *idTokenVerifier) verify(ctx context.Context, raw string, keys *oidc.RemoteKeySet) (*oidc.IDToken, map[string]any, error) {
	if v.jwksURL == "" {
		return nil, nil, idTokenRefused(errors.New("the issuer's metadata has no jwks_uri to check its signature with"))
	}
	if keys == nil {
		keys = v.keySet(ctx)
	}
	ctx = oidc.ClientContext(ctx, boundTo(ctx, boundedClient(v.client)))
	// "none" is never acceptable; go-oidc defaults to RS256 when the
	// server lists nothing.
	algs := slices.DeleteFunc(slices.Clone(v.algs), func(a string) bool { return a == "none" })
	// Microsoft's multi-tenant issuer is a template that go-oidc cannot
	// compare: its check is replaced by checkTenant's.
	template := strings.Contains(v.issuer, tenantTemplate)
	verifier := oidc.NewVerifier(v.issuer, keys, &oidc.Config{ClientID: v.clientID, SupportedSigningAlgs: algs, SkipIssuerCheck: template})
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return nil, nil, idTokenRefused(fromOutside(err))
	}
	if template {
		if err := checkTenant(v.issuer, idt); err != nil {
			return nil, nil, err
		}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, nil, idTokenRefused(fromOutside(err))
	}
	return idt, claims, nil
}

// keySet is the issuer's key set, fetched within ctx: made for one sign-in
// or one refresh, never kept past the context it was made with.
func (v *idTokenVerifier) keySet(ctx context.Context) *oidc.RemoteKeySet {
	return oidc.NewRemoteKeySet(oidc.ClientContext(ctx, boundTo(ctx, boundedClient(v.client))), v.jwksURL)
}

// claimString reads a string claim, "" when absent or not a string.
func claimString(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}

// withIDToken returns tok with its id_token replaced by idToken (dropped
// when ""): an ID token that failed verification is never handed out.
// Only scope is kept of the other extra fields, as a saved token keeps.
func withIDToken(tok *oauth2.Token, idToken string) *oauth2.Token {
	if cur, _ := tok.Extra("id_token").(string); cur == idToken {
		return tok
	}
	extra := map[string]any{}
	if sc, ok := tok.Extra("scope").(string); ok {
		extra["scope"] = sc
	}
	if idToken != "" {
		extra["id_token"] = idToken
	}
	t := *tok
	return t.WithExtra(extra)
}

// idTokenCheck is what the ID token of one sign-in must match: the
// issuer's verifier and the nonce sent ("" in the device grant).
type idTokenCheck struct {
	*idTokenVerifier
	nonce string
	keys  *oidc.RemoteKeySet // made by prefetch, within Login's context
}

// idTokenCheck prepares the ID token check when openid is requested; the
// nonce goes in the authorization request (there is none in the device
// grant).
func (f *flow) idTokenCheck(ep *endpoints, scopes []string, withNonce bool) *idTokenCheck {
	if !slices.Contains(scopes, "openid") {
		return nil
	}
	c := &idTokenCheck{idTokenVerifier: newIDTokenVerifier(ep.issuer, f.s.clientID, ep.jwks, ep.idTokenAlgs, f.s.httpClient)}
	if withNonce {
		c.nonce = randomString()
	}
	return c
}

func (c *idTokenCheck) verify(ctx context.Context, tok *oauth2.Token) (map[string]any, error) {
	return c.verifySignIn(ctx, tok, c.nonce, c.keys)
}

// prefetchWait bounds how long a prefetch waits for the key set. The
// request itself is bounded by the HTTP client, as verify's is.
const prefetchWait = 30 * time.Second

// prefetchJWS is a well-formed JWS that no key verifies: checking it makes
// the key set fetch and cache the issuer's keys, which go-oidc offers no
// other way to ask for.
const prefetchJWS = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImdvbmJhdXRoLXByZWZldGNoIn0.e30.AA"

// prefetch fetches the issuer's key set in the background while the user
// signs in, so that verify needs no request after the redirect. It is
// safe to lose: verify waits for the same request if it is still running,
// and go-oidc fetches the keys again when the ID token names a key it has
// not seen (a key rotation in between). ctx must outlive the verify (it is
// Login's). Call it before verify, from the same goroutine.
func (c *idTokenCheck) prefetch(ctx context.Context) {
	if c == nil || c.jwksURL == "" {
		return
	}
	c.keys = c.keySet(ctx)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, prefetchWait)
		defer cancel()
		_, _ = c.keys.VerifySignature(ctx, prefetchJWS) // always fails, after caching the keys
	}()
}
