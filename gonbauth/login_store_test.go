package gonbauth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// signInOnce completes an interactive Login against srv with cfg.
func signInOnce(t *testing.T, srv *fakeServer, cfg *Config) *Session {
	t.Helper()
	sess, _, _ := signInThrough(t, cfg, browse)
	return sess
}

// savedStore returns the store and key Login uses for cfg.
func savedStore(t testing.TB, cfg *Config) (*store, entryKey) {
	t.Helper()
	s, err := cfg.resolve(envFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	return &store{dir: s.configDir, warn: func(m string) { t.Log("store warning:", m) }}, newEntryKey(s)
}

// expireSaved makes the saved access token look expired, as time would,
// and returns it.
func expireSaved(t testing.TB, cfg *Config) string {
	t.Helper()
	st, key := savedStore(t, cfg)
	e := st.load(key)
	if e == nil {
		t.Fatal("nothing saved")
	}
	e.Token.Expiry = time.Now().Add(-time.Minute)
	if err := st.save(e); err != nil {
		t.Fatal(err)
	}
	return e.Token.AccessToken
}

// loginQuiet runs a Login that must not need the browser.
func loginQuiet(t *testing.T, cfg *Config) (*Session, string, error) {
	t.Helper()
	out := newURLWriter()
	c := *cfg
	c.Output, c.NoBrowser, c.Timeout = out, true, 2*time.Second
	sess, err := Login(context.Background(), &c)
	return sess, out.String(), err
}

func TestLoginReusesSavedSignIn(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	first := signInOnce(t, srv, cfg)
	tok1, _ := first.Token()

	before := srv.requestCount()
	sess, out, err := loginQuiet(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.requestCount() - before; n != 0 {
		t.Fatalf("%d requests reached the server, want none", n)
	}
	tok2, _ := sess.Token()
	if !sess.FromStore || tok2.AccessToken != tok1.AccessToken || sess.Email != "alice@example.test" {
		t.Fatalf("FromStore %v, same token %v, email %q", sess.FromStore, tok2.AccessToken == tok1.AccessToken, sess.Email)
	}
	if out != "" {
		// Quiet by default: a program reusing its sign-in in a terminal
		// has nothing that needs the user's attention.
		t.Fatalf("output:\n%s", out)
	}
	if sess.IDToken() == "" || sess.Claims["sub"] != "alice" {
		t.Fatalf("ID token or claims not restored: %v", sess.Claims)
	}
}

func TestLoginRefreshesAndSavesRotatedToken(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	signInOnce(t, srv, cfg)
	st, key := savedStore(t, cfg)
	old := st.load(key).Token

	expireSaved(t, cfg)
	sess, _, err := loginQuiet(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if srv.calls("refresh_token") != 1 {
		t.Fatalf("%d refreshes, want 1", srv.calls("refresh_token"))
	}
	saved := st.load(key).Token
	tok, _ := sess.Token()
	if saved.AccessToken != tok.AccessToken || saved.RefreshToken == old.RefreshToken || saved.RefreshToken != srv.refresh {
		t.Fatal("the refreshed, rotated token set was not saved before it was handed out")
	}
	// A third "process" uses the saved, refreshed token without a request.
	before := srv.requestCount()
	if _, _, err := loginQuiet(t, cfg); err != nil {
		t.Fatal(err)
	}
	if srv.requestCount() != before {
		t.Fatal("the third Login reached the server")
	}
}

func TestLoginRefusedRefreshSignsInAgain(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	signInOnce(t, srv, cfg)
	expireSaved(t, cfg)
	srv.mu.Lock()
	srv.refresh = "" // revoked at the server
	srv.mu.Unlock()

	out, link, done := startLogin(t, context.Background(), cfg)
	if !strings.Contains(out.String(), "could not be renewed (invalid_grant: refresh token is invalid)") {
		t.Fatalf("the reason for signing in again is not shown:\n%s", out)
	}
	browse(t, link)
	r := wait(t, done)
	if r.err != nil || r.sess.FromStore {
		t.Fatalf("err %v, FromStore %v", r.err, r.sess != nil && r.sess.FromStore)
	}
}

func TestLoginRefreshUnreachableKeepsSignIn(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	signInOnce(t, srv, cfg)
	expireSaved(t, cfg)
	srv.Close()
	_, _, err := loginQuiet(t, cfg)
	var te *TokenError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "the saved sign-in is kept") {
		t.Fatalf("err = %v", err)
	}
	st, key := savedStore(t, cfg)
	if st.load(key) == nil {
		t.Fatal("an unreachable server made Login forget the sign-in")
	}
}

func TestLoginForceSignsInAfresh(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	signInOnce(t, srv, cfg)
	cfg.Force = true
	sess := signInOnce(t, srv, cfg) // fails unless a link is shown
	if sess.FromStore {
		t.Fatal("Force returned the saved sign-in")
	}
}

func TestLoginNoInteractive(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	cfg.NoInteractive = true
	_, out, err := loginQuiet(t, cfg)
	if !errors.Is(err, ErrInteractionRequired) || !strings.Contains(err.Error(), "gonbauth login") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(out, "http") {
		t.Fatalf("a link was shown:\n%s", out)
	}
}

func TestLoginUnwritableStoreWorksForTheSession(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.ConfigDir = notADir
	out, link, done := startLogin(t, context.Background(), cfg)
	browse(t, link)
	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	tok, _ := r.sess.Token()
	text := out.String()
	if !strings.Contains(text, "gonbauth: warning:") || !strings.Contains(text, "lasts for this process only") {
		t.Fatalf("no clear warning:\n%s", text)
	}
	if strings.Contains(text, tok.AccessToken) || strings.Contains(text, tok.RefreshToken) {
		t.Fatal("a token was printed")
	}
}

func TestLoginCorruptStoreFileIsReplaced(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	st, key := savedStore(t, cfg)
	if err := st.ensureDir(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(st.path(key), []byte(`{"version":1,"issuer":"x","token":{"access_token":"truncat`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, link, done := startLogin(t, context.Background(), cfg)
	if !strings.Contains(out.String(), "ignoring the saved sign-in") || !strings.Contains(out.String(), "not valid JSON") {
		t.Fatalf("no warning about the corrupt file:\n%s", out)
	}
	browse(t, link)
	if r := wait(t, done); r.err != nil {
		t.Fatal(r.err)
	}
	if st.load(key) == nil {
		t.Fatal("the corrupt file was not replaced")
	}
}

func TestLoginRefusesBadIDTokens(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*fakeServer)
		reason string
	}{
		{"tampered", func(f *fakeServer) { f.tamper = true }, "signature"},
		{"wrong nonce", func(f *fakeServer) { f.idClaims = func(c map[string]any) { c["nonce"] = "replayed" } }, "nonce"},
		{"no nonce", func(f *fakeServer) { f.idClaims = func(c map[string]any) { delete(c, "nonce") } }, "nonce"},
		{"wrong audience", func(f *fakeServer) { f.idClaims = func(c map[string]any) { c["aud"] = "another-client" } }, "audience"},
		{"wrong issuer", func(f *fakeServer) { f.idClaims = func(c map[string]any) { c["iss"] = "https://evil.example" } }, "issu"},
		{"expired", func(f *fakeServer) {
			f.idClaims = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }
		}, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t)
			tt.setup(srv)
			cfg := testConfig(srv)
			_, link, done := startLogin(t, context.Background(), cfg)
			browse(t, link)
			r := wait(t, done)
			if !errors.Is(r.err, ErrIDToken) || !strings.Contains(r.err.Error(), tt.reason) {
				t.Fatalf("err = %v, want an ID token error about %q", r.err, tt.reason)
			}
			if strings.Contains(r.err.Error(), "eyJ") {
				t.Fatal("the error holds the token")
			}
			st, key := savedStore(t, cfg)
			if st.load(key) != nil {
				t.Fatal("a sign-in with a bad ID token was saved")
			}
		})
	}
}

func TestLogoutAndSignIns(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	signInOnce(t, srv, cfg)
	acct := *cfg
	acct.Account = "work"
	signInOnce(t, srv, &acct)

	list, err := SignIns(&Config{ConfigDir: cfg.ConfigDir})
	if err != nil || len(list) != 2 {
		t.Fatalf("SignIns: %v, %d entries", err, len(list))
	}
	for _, si := range list {
		if si.Issuer != srv.URL || si.ClientID != "test-client" || !si.Renewable || si.Who == "" {
			t.Errorf("sign-in %+v", si)
		}
	}
	if err := Logout(context.Background(), &acct); err != nil {
		t.Fatal(err)
	}
	if err := Logout(context.Background(), &acct); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("second Logout: %v", err)
	}
	if list, _ := SignIns(&Config{ConfigDir: cfg.ConfigDir}); len(list) != 1 || list[0].Account != "" {
		t.Fatalf("after Logout: %+v", list)
	}
	if err := LogoutAll(context.Background(), &Config{ConfigDir: cfg.ConfigDir}); err != nil {
		t.Fatal(err)
	}
	if list, _ := SignIns(&Config{ConfigDir: cfg.ConfigDir}); len(list) != 0 {
		t.Fatalf("after LogoutAll: %+v", list)
	}
}
