package gonbauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// ErrIDToken is wrapped by every reason an ID token is refused.
var ErrIDToken = errors.New("gonbauth: the ID token is not valid")

// idTokenCheck holds what an ID token from this sign-in must match.
type idTokenCheck struct {
	issuer, clientID, jwksURL, nonce string
	algs                             []string
	client                           *http.Client

	keys *oidc.RemoteKeySet // made by prefetch or the first verify
}

// verify checks the ID token's signature against the issuer's key set,
// its iss, aud and exp (go-oidc), and the nonce Login sent (which go-oidc
// leaves to the caller). It returns the verified claims.
func (c *idTokenCheck) verify(ctx context.Context, tok *oauth2.Token) (map[string]any, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: the server sent none, although the openid scope was requested: remove openid from the scopes if this server is not an OpenID provider", ErrIDToken)
	}
	if c.jwksURL == "" {
		return nil, fmt.Errorf("%w: the issuer's metadata has no jwks_uri to check its signature with", ErrIDToken)
	}
	ctx = oidc.ClientContext(ctx, c.client)
	keys := c.keySet(ctx)
	// "none" is never acceptable; go-oidc defaults to RS256 when the
	// server lists nothing.
	algs := slices.DeleteFunc(slices.Clone(c.algs), func(a string) bool { return a == "none" })
	v := oidc.NewVerifier(c.issuer, keys, &oidc.Config{ClientID: c.clientID, SupportedSigningAlgs: algs})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(c.nonce)) != 1 {
		return nil, fmt.Errorf("%w: its nonce does not match this sign-in's (a replayed or injected token)", ErrIDToken)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	return claims, nil
}

// keySet is the issuer's key set, made once per check so that keys
// fetched by prefetch are used by verify.
func (c *idTokenCheck) keySet(ctx context.Context) *oidc.RemoteKeySet {
	if c.keys == nil {
		c.keys = oidc.NewRemoteKeySet(oidc.ClientContext(ctx, c.client), c.jwksURL)
	}
	return c.keys
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
// safe to lose: verify fetches the keys itself if the prefetch failed or
// is still running (it then waits for the same request), and go-oidc
// fetches them again when the ID token names a key it has not seen (a key
// rotation in between). Call it before verify, from the same goroutine.
func (c *idTokenCheck) prefetch(ctx context.Context) {
	if c == nil || c.jwksURL == "" {
		return
	}
	keys := c.keySet(ctx)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, prefetchWait)
		defer cancel()
		_, _ = keys.VerifySignature(ctx, prefetchJWS) // always fails, after caching the keys
	}()
}

// claimString reads a string claim, "" when absent or not a string.
func claimString(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}
