package gonbauth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

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
	// Account is the name of the saved sign-in (Config.Account), or "".
	Account string
	// Subject, Name and Email describe the user, from the verified ID
	// token (when openid was requested); any may be empty.
	Subject, Name, Email string
	// Claims are the verified claims of the sign-in's ID token, or nil
	// without openid.
	Claims map[string]any
	// FromStore is true when the session came from a saved sign-in rather
	// than from the browser.
	FromStore bool

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
// else the subject, else "". It is printable (see printable): the parts
// come from the server.
func (s *Session) Who() string { return printable(s.who()) }

func (s *Session) who() string {
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

// newSession is the Session of a sign-in, saved (e) or new, whose token
// src keeps fresh.
func (f *flow) newSession(e *entry, src *refreshingSource, tok *oauth2.Token, requested []string) *Session {
	return &Session{
		Issuer:   f.s.issuer,
		ClientID: f.s.clientID,
		Account:  e.Account,
		Scopes:   grantedScopes(tok, requested),
		Subject:  claimString(e.Claims, "sub"),
		Name:     e.Name,
		Email:    e.Email,
		Claims:   e.Claims,
		src:      src,
		base:     f.s.apiClient,
	}
}

// refreshingSource hands out the current token and refreshes it with the
// refresh token when it is within delta of expiry. A mutex serialises the
// goroutines of a process, and the store's file lock the processes that
// share a saved sign-in, so each expiry costs one refresh. Every refreshed
// token is saved before it is handed out: servers that rotate refresh
// tokens invalidate the old one.
type refreshingSource struct {
	conf *oauth2.Config
	// client makes the refresh requests. No context is kept: the cell
	// that signed in ends, the source lives on (x/oauth2 keeps the one it
	// is given, which breaks later refreshes).
	client  *http.Client
	expired func(*oauth2.Token) bool

	// With a store: where the token set is saved, and what else to save.
	store *store
	entry *entry
	warn  func(string)

	// idv verifies the ID tokens of refreshes against the sign-in's
	// claims; nil without openid (or a saved sign-in too old to say how),
	// and then a refresh's ID token is dropped.
	idv      *idTokenVerifier
	claims   map[string]any
	warnedID bool

	mu      sync.Mutex
	tok     *oauth2.Token
	idToken string
}

func newRefreshingSource(conf *oauth2.Config, client *http.Client, tok *oauth2.Token, expired func(*oauth2.Token) bool) *refreshingSource {
	src := &refreshingSource{conf: conf, client: client, tok: tok, expired: expired}
	src.idToken, _ = tok.Extra("id_token").(string)
	return src
}

// newSource is the session's token source; st may be nil (no store).
func (f *flow) newSource(conf *oauth2.Config, tok *oauth2.Token, st *store, e *entry) *refreshingSource {
	delta := f.s.expiryDelta
	src := newRefreshingSource(conf, f.s.httpClient, tok, func(t *oauth2.Token) bool {
		return t.AccessToken == "" || !t.Expiry.IsZero() && time.Now().Add(delta).After(t.Expiry)
	})
	src.warn, src.claims = f.warn, e.Claims
	if e.Claims != nil && e.JWKSURL != "" {
		issuer := f.s.issuer
		if e.IDTokenIssuer != "" {
			issuer = e.IDTokenIssuer
		}
		src.idv = newIDTokenVerifier(issuer, f.s.clientID, e.JWKSURL, e.IDTokenAlgs, f.s.httpClient)
	}
	if st != nil {
		src.store, src.entry = st, e
	}
	return src
}

// refreshTimeout bounds a refresh asked for through Token, which has no
// context: a hung server must not hold the session (and the store's lock)
// forever when Config.HTTPClient has no timeout.
const refreshTimeout = 2 * time.Minute

// Token implements oauth2.TokenSource.
func (s *refreshingSource) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	return s.token(ctx)
}

// token is Token bounded by ctx (Login's, so that an interrupt stops it).
func (s *refreshingSource) token(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.expired(s.tok) {
		return s.tok, nil
	}
	held := false
	if s.store != nil {
		unlock, err := s.store.lock(ctx, s.entry.entryKey)
		if err != nil {
			s.warn(err.Error() + "; refreshing without it")
		} else {
			defer unlock()
			held = true
			if s.adoptSaved() {
				return s.tok, nil
			}
		}
	}
	if s.tok.RefreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	// A token with only a refresh token is invalid, so x/oauth2 refreshes
	// it; it keeps the old refresh token when the response has none.
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.client)
	tok, err := s.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: s.tok.RefreshToken}).Token()
	if err != nil {
		return nil, tokenError("refresh", err)
	}
	if err := checkToken(tok, time.Now()); err != nil {
		return nil, err
	}
	s.tok = s.checkIDToken(ctx, tok)
	if s.store != nil {
		s.save(held)
	}
	return s.tok, nil
}

// checkIDToken verifies the ID token that came with a refresh (OpenID
// Connect Core §12.2). One that fails is neither saved nor handed out: the
// previous one is kept, and a warning says so once.
func (s *refreshingSource) checkIDToken(ctx context.Context, tok *oauth2.Token) *oauth2.Token {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return tok
	}
	err := errors.New("it cannot be verified: this sign-in did not request openid, or was saved by an older gonbauth")
	if s.idv != nil {
		_, err = s.idv.verifyRefresh(ctx, raw, s.claims)
	}
	if err == nil {
		s.idToken = raw
		return tok
	}
	var refused *idTokenError
	if errors.As(err, &refused) {
		err = refused.reason // the warning says what was refused
	}
	if !s.warnedID && s.warn != nil {
		s.warnedID = true
		s.warn("the ID token that came with a refreshed token was refused (" + err.Error() + "); the sign-in's previous ID token is kept")
	}
	return withIDToken(tok, s.idToken)
}

// adoptSaved takes the saved token set if another process has refreshed
// it: a different, valid access token ends the wait; a newer refresh token replaces
// ours, which rotation has made useless. It runs under the file lock.
func (s *refreshingSource) adoptSaved() bool {
	e := s.store.load(s.entry.entryKey)
	if e == nil {
		return false
	}
	saved := e.Token.oauth2()
	if saved.AccessToken != s.tok.AccessToken && !s.expired(saved) {
		s.tok, s.entry = saved, e
		if e.Token.IDToken != "" {
			s.idToken = e.Token.IDToken
		}
		return true
	}
	if saved.RefreshToken != "" {
		s.tok.RefreshToken = saved.RefreshToken
	}
	return false
}

// save writes the current token set; held says whether the caller holds
// the file lock (it may have had to refresh without it).
func (s *refreshingSource) save(held bool) {
	e := *s.entry
	e.Token = toStored(s.tok)
	if e.Token.IDToken == "" {
		e.Token.IDToken = s.idToken
	}
	if e.Token.Scope == "" {
		e.Token.Scope = s.entry.Token.Scope
	}
	save := s.store.save
	if held {
		save = s.store.saveHeld
	}
	if err := save(&e); err != nil {
		s.warn(err.Error() + "; the refreshed sign-in lasts for this process only")
		return
	}
	s.entry = &e
}

// grantedScopes reads the token response's scope, defaulting to what was
// requested.
func grantedScopes(tok *oauth2.Token, requested []string) []string {
	if s, ok := tok.Extra("scope").(string); ok && s != "" {
		return splitScopes(s)
	}
	return slices.Clone(requested)
}
