package gonbauth

import (
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gonbauth/gonbauth/gonbauth/internal/jwttest"
)

// tokenRewriter wraps a fake server so that the token answers of one
// grant type are edited on their way out: a hostile server's answer built
// on a real one.
type tokenRewriter struct {
	mu    sync.Mutex
	grant string
	edit  func(body map[string]any)
}

func (tr *tokenRewriter) set(grant string, edit func(map[string]any)) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.grant, tr.edit = grant, edit
}

func (tr *tokenRewriter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.mu.Lock()
		grant, edit := tr.grant, tr.edit
		tr.mu.Unlock()
		if r.URL.Path != "/token" || edit == nil {
			h.ServeHTTP(w, r)
			return
		}
		r.ParseForm()
		if r.PostForm.Get("grant_type") != grant {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var body map[string]any
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code == http.StatusOK {
			edit(body)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		json.NewEncoder(w).Encode(body)
	})
}

// newRewrittenServer is a fake server whose token answers tr may edit.
func newRewrittenServer(t *testing.T) (*fakeServer, *tokenRewriter) {
	tr := &tokenRewriter{}
	return newWrappedFakeServer(t, tr.wrap), tr
}

// forgeIDToken makes an ID token for srv with the claims edited; key nil
// makes an unsigned one (alg none).
func forgeIDToken(t *testing.T, srv *fakeServer, key *rsa.PrivateKey, edit func(map[string]any)) string {
	t.Helper()
	claims := map[string]any{"iss": srv.URL, "sub": "alice", "aud": "test-client",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(), "name": "Refreshed"}
	if edit != nil {
		edit(claims)
	}
	payload, _ := json.Marshal(claims)
	if key == nil {
		return jwttest.Unsigned(payload)
	}
	return jwttest.Sign(jose.RS256, key, fakeKeyID, payload)
}

// OpenID Connect Core §12.2: the ID token of a refresh is verified like
// the sign-in's, and must be about the same subject. One that fails is
// neither saved nor handed out; the previous one stays, with one warning.
func TestRefreshIDTokenVerified(t *testing.T) {
	tests := []struct {
		name   string
		key    func() *rsa.PrivateKey
		edit   func(map[string]any)
		reason string // "" when it must be accepted
	}{
		{"valid", jwttest.Key, nil, ""},
		{"alg none", func() *rsa.PrivateKey { return nil }, nil, "signature"},
		{"another subject", jwttest.Key, func(c map[string]any) { c["sub"] = "mallory" }, "sub"},
		{"another audience", jwttest.Key, func(c map[string]any) { c["aud"] = "another-client" }, "audience"},
		{"another issuer", jwttest.Key, func(c map[string]any) { c["iss"] = "https://evil.example" }, "issue"},
		{"foreign key", jwttest.ForeignKey, nil, "signature"},
		{"expired", jwttest.Key, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }, "expired"},
		{"another azp", jwttest.Key, func(c map[string]any) { c["azp"] = "another-client" }, "azp"},
		{"hostile text", jwttest.Key, func(c map[string]any) { c["iss"] = "\x1b]52;c;ZXZpbA==\x07" + strings.Repeat("\u202e", 5000) }, "issue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, tr := newRewrittenServer(t)
			cfg := testConfig(srv)
			cfg.ExpiryDelta = 2 * time.Hour // every Token() refreshes: the refresh's own token is checked too
			first := signInOnce(t, srv, cfg)
			orig := first.IDToken()
			forged := forgeIDToken(t, srv, tt.key(), tt.edit)
			tr.set("refresh_token", func(b map[string]any) { b["id_token"] = forged })
			expireSaved(t, cfg)

			sess, out, err := loginQuiet(t, cfg)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := sess.Token()
			if err != nil {
				t.Fatal(err)
			}
			st, key := savedStore(t, cfg)
			saved := st.load(key).Token.IDToken
			extra, _ := tok.Extra("id_token").(string)
			for _, line := range strings.Split(out, "\n") {
				checkPrintable(t, "output", line)
			}
			if tt.reason == "" {
				if sess.IDToken() != forged || saved != forged || strings.Contains(out, "warning") {
					t.Fatalf("a valid refreshed ID token was not adopted (saved %v, session %v)\n%s", saved == forged, sess.IDToken() == forged, out)
				}
				return
			}
			if sess.IDToken() != orig || saved != orig || extra != orig {
				t.Fatalf("a refreshed ID token that fails (%s) was kept: session %v, saved %v, token %v",
					tt.reason, sess.IDToken() == forged, saved == forged, extra == forged)
			}
			if strings.Count(out, "warning") != 1 || !strings.Contains(out, "previous ID token is kept") || !strings.Contains(out, tt.reason) {
				t.Fatalf("want one warning about %q:\n%s", tt.reason, out)
			}
			if strings.Contains(out, ErrIDToken.Error()) {
				t.Fatalf("the warning repeats the error's prefix instead of giving the reason alone:\n%s", out)
			}
			if strings.Contains(out, "eyJ") || len(out) > 4000 {
				t.Fatalf("the warning repeats the token or is unbounded (%d bytes)", len(out))
			}
		})
	}
}

// An ID token the sign-in did not ask for (no openid) is never verified,
// so it is neither saved nor handed out.
func TestUnrequestedIDTokenDropped(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	cfg.Scopes = []string{"profile", "offline_access"}
	sess := signInOnce(t, srv, cfg)
	tok, _ := sess.Token()
	if sess.IDToken() != "" || tok.Extra("id_token") != nil {
		t.Fatal("an unverified ID token is handed out")
	}
	st, key := savedStore(t, cfg)
	if st.load(key).Token.IDToken != "" {
		t.Fatal("an unverified ID token was saved")
	}
}

// Only Bearer tokens are used, at sign-in and at refresh.
func TestTokenTypeMustBeBearer(t *testing.T) {
	for _, typ := range []string{"N_A", "Basic", "DPoP"} {
		t.Run(typ, func(t *testing.T) {
			srv, tr := newRewrittenServer(t)
			cfg := testConfig(srv)
			tr.set("authorization_code", func(b map[string]any) { b["token_type"] = typ })
			_, link, done := startLogin(t, t.Context(), cfg)
			browse(t, link)
			r := wait(t, done)
			if r.err == nil || !strings.Contains(r.err.Error(), typ) || !strings.Contains(r.err.Error(), "Bearer") {
				t.Fatalf("sign-in with a %s token: %v", typ, r.err)
			}

			tr.set("authorization_code", func(b map[string]any) { b["token_type"] = "bearer" })
			signInOnce(t, srv, cfg)
			st, key := savedStore(t, cfg)
			before := st.load(key).Token
			tr.set("refresh_token", func(b map[string]any) { b["token_type"] = typ })
			expireSaved(t, cfg)
			if _, _, err := loginQuiet(t, cfg); err == nil || !strings.Contains(err.Error(), typ) {
				t.Fatalf("refresh to a %s token: %v", typ, err)
			}
			if after := st.load(key).Token; after.AccessToken != before.AccessToken {
				t.Fatal("a non-Bearer token was saved")
			}
		})
	}
}

// A token's expires_in is clamped: a negative one must not make every
// request refresh.
func TestTokenExpiryClamped(t *testing.T) {
	srv, tr := newRewrittenServer(t)
	cfg := testConfig(srv)
	tr.set("authorization_code", func(b map[string]any) { b["expires_in"] = -100 })
	sess := signInOnce(t, srv, cfg)
	tok, err := sess.Token()
	if err != nil {
		t.Fatal(err)
	}
	if time.Until(tok.Expiry) < minTokenLifetime-5*time.Second {
		t.Fatalf("expiry in %v", time.Until(tok.Expiry))
	}
	for range 5 {
		sess.Token()
	}
	if n := srv.calls("refresh_token"); n != 0 {
		t.Fatalf("%d refreshes for a fresh token", n)
	}
}
