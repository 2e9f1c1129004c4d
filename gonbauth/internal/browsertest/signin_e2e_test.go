//go:build e2e

package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
)

// callbackText is what the test's redirect_uri page shows.
const callbackText = "gonbauth test callback reached"

// callbackServer serves redirect_uri on a free loopback port, as the library
// does, and reports the queries it receives.
func callbackServer(t *testing.T) (redirectURI string, hits <-chan url.Values) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan url.Values, 16)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		select {
		case ch <- r.URL.Query():
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>done</title><p>%s</p>", callbackText)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/callback", ch
}

type discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
}

func discover(t *testing.T, issuer string) discovery {
	t.Helper()
	resp, err := http.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d discovery
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSignIn runs the whole Authorization Code + PKCE flow against the
// development server's real pages, the way gonbauth does it.
func TestSignIn(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{AccessTokenTTL: 2 * time.Minute})
	b := LaunchT(t, Options{})
	redirectURI, hits := callbackServer(t)
	d := discover(t, srv.Issuer)
	cfg := &oauth2.Config{
		ClientID: srv.ClientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:  d.AuthorizationEndpoint,
			TokenURL: d.TokenEndpoint,
			// A public client: client_id in the body, no Basic auth attempt.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURI,
		Scopes:      []string{"openid", "offline_access", "profile", "email"},
	}
	// offline_access yields a refresh token only with prompt=consent.
	consent := oauth2.SetAuthURLParam("prompt", "consent")

	t.Run("approve", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.ResetStats(ctx); err != nil {
			t.Fatal(err)
		}
		verifier := oauth2.GenerateVerifier()
		state := rand.Text()
		authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), consent)

		start := time.Now()
		res, err := b.SignIn(ctx, authURL, SignInOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("sign-in took %v", time.Since(start))

		if !strings.HasPrefix(res.FinalURL, redirectURI+"?") {
			t.Fatalf("FinalURL = %s, want %s?...", withoutQuery(res.FinalURL), redirectURI)
		}
		if !strings.Contains(res.Text, callbackText) {
			t.Errorf("Text = %q, want the callback page's %q", res.Text, callbackText)
		}
		fu, err := url.Parse(res.FinalURL)
		if err != nil {
			t.Fatal(err)
		}
		q := fu.Query()
		if got := q.Get("state"); got != state {
			t.Errorf("state = %q, want %q", got, state)
		}
		if got := q.Get("iss"); got != srv.Issuer {
			t.Errorf("iss = %q, want %q (RFC 9207)", got, srv.Issuer)
		}
		if q.Get("error") != "" {
			t.Fatalf("error = %q: %q", q.Get("error"), q.Get("error_description"))
		}
		code := q.Get("code")
		if code == "" {
			t.Fatalf("no code in %s", withoutQuery(res.FinalURL))
		}
		select {
		case got := <-hits:
			if got.Get("code") != code || got.Get("state") != state {
				t.Errorf("the callback server got a different code or state than FinalURL shows")
			}
		default:
			t.Error("the callback server was not reached")
		}

		tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		if tok.AccessToken == "" || tok.RefreshToken == "" {
			t.Fatalf("token: access token set %v, refresh token set %v; want both",
				tok.AccessToken != "", tok.RefreshToken != "")
		}
		if idt, _ := tok.Extra("id_token").(string); idt == "" {
			t.Error("no id_token in the token response")
		}
		// Options.AccessTokenTTL reaches the server.
		if tok.ExpiresIn < 100 || tok.ExpiresIn > 120 {
			t.Errorf("expires_in = %d, want about 120 (AccessTokenTTL 2m)", tok.ExpiresIn)
		}

		var ui struct {
			Sub           string `json:"sub"`
			Name          string `json:"name"`
			Email         string `json:"email"`
			EmailVerified bool   `json:"email_verified"`
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.UserinfoEndpoint, nil)
		if err != nil {
			t.Fatal(err)
		}
		tok.SetAuthHeader(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("userinfo: %s: %s", resp.Status, body)
		}
		if err := json.Unmarshal(body, &ui); err != nil {
			t.Fatalf("userinfo: %v: %s", err, body)
		}
		if ui.Sub != "alice" || ui.Name != "Dev User alice" || ui.Email != "alice@example.test" || !ui.EmailVerified {
			t.Errorf("userinfo = %+v, want sub alice, name Dev User alice, email alice@example.test (verified)", ui)
		}

		// An expired access token makes the token source refresh.
		old := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
		refreshed, err := cfg.TokenSource(ctx, old).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if refreshed.AccessToken == "" || refreshed.AccessToken == tok.AccessToken {
			t.Error("refresh did not return a new access token")
		}
		if refreshed.RefreshToken == "" || refreshed.RefreshToken == tok.RefreshToken {
			t.Error("refresh token did not rotate")
		}
		// The rotated-out refresh token is dead.
		if _, err := cfg.TokenSource(ctx, old).Token(); err == nil {
			t.Error("the old refresh token still works after rotation")
		} else {
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
				t.Errorf("reusing the old refresh token: %v, want invalid_grant", err)
			}
		}

		st, err := srv.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Grants["authorization_code"] != 1 || st.Grants["refresh_token"] != 2 {
			t.Errorf("token grants = %v, want authorization_code 1, refresh_token 2", st.Grants)
		}
		if st.ByPath["/me"] != 1 {
			t.Errorf("userinfo requests = %d, want 1", st.ByPath["/me"])
		}
	})

	t.Run("deny", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		verifier := oauth2.GenerateVerifier()
		state := rand.Text()
		authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), consent)

		res, err := b.SignIn(ctx, authURL, SignInOptions{Login: "bob", Deny: true})
		if err != nil {
			t.Fatal(err)
		}
		fu, err := url.Parse(res.FinalURL)
		if err != nil {
			t.Fatal(err)
		}
		q := fu.Query()
		if !strings.HasPrefix(res.FinalURL, redirectURI+"?") || q.Get("error") != "access_denied" {
			t.Fatalf("FinalURL = %s, want %s?error=access_denied...", withoutQuery(res.FinalURL), redirectURI)
		}
		if q.Get("code") != "" {
			t.Error("a refused sign-in returned a code")
		}
		if q.Get("state") != state || q.Get("iss") != srv.Issuer {
			t.Errorf("state = %q, iss = %q; want %q, %q", q.Get("state"), q.Get("iss"), state, srv.Issuer)
		}
	})

	t.Run("visit", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		forged := redirectURI + "?code=forged&state=not-ours"
		res, err := b.Visit(ctx, forged)
		if err != nil {
			t.Fatal(err)
		}
		if res.FinalURL != forged || !strings.Contains(res.Text, callbackText) {
			t.Errorf("Visit = %+v, want %s showing %q", res, forged, callbackText)
		}
	})

	t.Run("unregistered redirect_uri", func(t *testing.T) {
		// The server shows an error page instead of redirecting: SignIn must
		// say where it got stuck, at once, with secrets redacted.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		bad := *cfg
		bad.RedirectURL = strings.Replace(redirectURI, "/callback", "/elsewhere", 1)
		authURL := bad.AuthCodeURL(rand.Text(), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
			oauth2.SetAuthURLParam("code", "secret-looking"))
		_, err := b.SignIn(ctx, authURL, SignInOptions{})
		if err == nil {
			t.Fatal("SignIn succeeded with an unregistered redirect_uri")
		}
		msg := err.Error()
		t.Logf("error: %s", msg)
		for _, want := range []string{"browsertest: not a login or consent page", srv.Issuer + "/auth", "redirect_uri"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not mention %q", msg, want)
			}
		}
		if strings.Contains(msg, "secret-looking") || !strings.Contains(msg, "code=REDACTED") {
			t.Errorf("error %q does not redact code", msg)
		}
		if ctx.Err() != nil {
			t.Errorf("SignIn only failed at the deadline: %v", ctx.Err())
		}
	})
}

// TestSignInDeadline checks that SignIn gives up at ctx's deadline when the
// redirect_uri never answers, and says where it was stuck.
func TestSignInDeadline(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := LaunchT(t, Options{})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stuck := make(chan struct{})
	hang := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-stuck
	})}
	go hang.Serve(ln)
	t.Cleanup(func() {
		close(stuck)
		hang.Close()
	})

	cfg := &oauth2.Config{
		ClientID:    srv.ClientID,
		Endpoint:    oauth2.Endpoint{AuthURL: srv.Issuer + "/auth"},
		RedirectURL: "http://" + ln.Addr().String() + "/callback",
		Scopes:      []string{"openid"},
	}
	authURL := cfg.AuthCodeURL(rand.Text(), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))

	const deadline = 3 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	_, err = b.SignIn(ctx, authURL, SignInOptions{})
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("SignIn succeeded although the redirect_uri never answered")
	}
	t.Logf("after %v: %v", elapsed, err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if elapsed > deadline+2*time.Second {
		t.Errorf("SignIn returned %v after the deadline", elapsed-deadline)
	}
	// Normally "approving consent: waiting for the next page (page .../interaction/...";
	// a slow machine may hit the deadline one step earlier.
	if !strings.Contains(err.Error(), "(page "+srv.Issuer+"/") {
		t.Errorf("error %q does not say which page the browser was on", err)
	}
}

// withoutQuery is u up to its query, which may hold a code: for messages.
func withoutQuery(u string) string {
	u, _, _ = strings.Cut(u, "?")
	return u
}
