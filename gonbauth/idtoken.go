package gonbauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

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
	keys := oidc.NewRemoteKeySet(ctx, c.jwksURL)
	// "none" is never acceptable; go-oidc defaults to RS256 when the
	// server lists nothing.
	algs := slices.DeleteFunc(slices.Clone(c.algs), func(a string) bool { return a == "none" })
	// Microsoft's multi-tenant issuer is a template that go-oidc cannot
	// compare: its check is replaced by checkTenant's.
	template := strings.Contains(c.issuer, tenantTemplate)
	v := oidc.NewVerifier(c.issuer, keys, &oidc.Config{ClientID: c.clientID, SupportedSigningAlgs: algs, SkipIssuerCheck: template})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	if template {
		if err := checkTenant(c.issuer, idt); err != nil {
			return nil, err
		}
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

// claimString reads a string claim, "" when absent or not a string.
func claimString(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}
