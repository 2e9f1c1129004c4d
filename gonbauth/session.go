package gonbauth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"

	"golang.org/x/oauth2"
)

// Session is a completed sign-in: the token, who it belongs to, and a
// client that keeps it fresh.
type Session struct {
	// Issuer is the issuer signed in to ("" with explicit endpoints only).
	Issuer string
	// ClientID is the client the token was issued to.
	ClientID string
	// Scopes are the scopes granted: the token response's scope, or the
	// requested scopes when the server did not say (RFC 6749 §5.1).
	Scopes []string
	// Subject, Name and Email describe the user, from the userinfo
	// endpoint when the server has one; any may be empty.
	Subject, Name, Email string

	src  *refreshingSource
	base *http.Client
}

// Token returns a valid token, refreshing it first if it has expired. The
// token's Extra keeps the server's other response fields, such as id_token.
func (s *Session) Token() (*oauth2.Token, error) { return s.src.Token() }

// TokenSource returns the session's token source. It refreshes at most
// once however many goroutines call it, and does not depend on the
// context Login was called with, so it keeps working after a cell's
// context ends.
func (s *Session) TokenSource() oauth2.TokenSource { return s.src }

// Client returns an HTTP client that sends the session's access token
// with each request and refreshes it when needed. It uses Config.HTTPClient
// (its transport and timeout) underneath.
func (s *Session) Client() *http.Client {
	c := *s.base
	c.Transport = &oauth2.Transport{Source: s.src, Base: s.base.Transport}
	return &c
}

// IDToken returns the raw ID token of the sign-in, or "" when the server
// issued none (OpenID Connect servers do when "openid" is requested).
func (s *Session) IDToken() string {
	s.src.mu.Lock()
	defer s.src.mu.Unlock()
	return s.src.idToken
}

// Who names the signed-in user for people: the name and e-mail when known,
// else the subject, else "".
func (s *Session) Who() string {
	switch {
	case s.Name != "" && s.Email != "" && s.Name != s.Email:
		return s.Name + " <" + s.Email + ">"
	case s.Name != "":
		return s.Name
	case s.Email != "":
		return s.Email
	}
	return s.Subject
}

// refreshingSource hands out the current token and refreshes it with the
// refresh token when it is within delta of expiry. One mutex serialises
// callers, so a thousand goroutines cause one refresh. Rotated refresh
// tokens replace the old one.
type refreshingSource struct {
	conf *oauth2.Config
	// ctx carries only the HTTP client: never the context of the cell that
	// signed in, which ends with it (x/oauth2 keeps the one it is given).
	ctx context.Context

	mu      sync.Mutex
	tok     *oauth2.Token
	idToken string
	expired func(*oauth2.Token) bool
}

func newRefreshingSource(conf *oauth2.Config, client *http.Client, tok *oauth2.Token, expired func(*oauth2.Token) bool) *refreshingSource {
	src := &refreshingSource{
		conf:    conf,
		ctx:     context.WithValue(context.Background(), oauth2.HTTPClient, client),
		tok:     tok,
		expired: expired,
	}
	if id, ok := tok.Extra("id_token").(string); ok {
		src.idToken = id
	}
	return src
}

func (s *refreshingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.expired(s.tok) {
		return s.tok, nil
	}
	if s.tok.RefreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	// A token with only a refresh token is invalid, so x/oauth2 refreshes
	// it; it keeps the old refresh token when the response has none.
	tok, err := s.conf.TokenSource(s.ctx, &oauth2.Token{RefreshToken: s.tok.RefreshToken}).Token()
	if err != nil {
		return nil, tokenError("refresh", err)
	}
	if id, ok := tok.Extra("id_token").(string); ok {
		s.idToken = id
	}
	s.tok = tok
	return tok, nil
}

// tokenError turns an x/oauth2 error into a TokenError that carries the
// server's OAuth error but not the response body.
func tokenError(op string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te := &TokenError{Op: op, Code: printable(re.ErrorCode), Description: printable(re.ErrorDescription), URI: printable(re.ErrorURI)}
		if re.Response != nil {
			te.StatusCode = re.Response.StatusCode
		}
		return te
	}
	return &TokenError{Op: op, Err: err}
}

// grantedScopes reads the token response's scope, defaulting to what was
// requested.
func grantedScopes(tok *oauth2.Token, requested []string) []string {
	if s, ok := tok.Extra("scope").(string); ok && s != "" {
		return splitScopes(s)
	}
	return slices.Clone(requested)
}
