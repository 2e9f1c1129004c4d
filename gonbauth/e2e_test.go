//go:build e2e

package gonbauth

// End-to-end tests: the real bundled authorization server (npm
// oidc-provider) and Debian's Chromium signing in on its real login and
// consent pages. The link is always taken from what Login printed.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
	"github.com/gonbauth/gonbauth/gonbauth/internal/loopbacktest"
)

func e2eConfig(t *testing.T, srv *devserver.Server) *Config {
	return &Config{Issuer: srv.Issuer, ClientID: srv.ClientID, Timeout: time.Minute, ConfigDir: t.TempDir()}
}

func signIn(t *testing.T, b *browsertest.Browser, link string, opts browsertest.SignInOptions) *browsertest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	res, err := b.SignIn(ctx, link, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// signInAs signs in at link in the browser as login, and wants the browser
// to end on the listener's page ("Sign-in received") and Login to return
// a session for login.
func signInAs(t *testing.T, b *browsertest.Browser, link string, done <-chan loginResult, login string) *Session {
	t.Helper()
	res := signIn(t, b, link, browsertest.SignInOptions{Login: login})
	if !strings.Contains(res.Text, "Sign-in received") {
		t.Errorf("the browser's last page: %q", res.Text)
	}
	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.sess.Subject != login {
		t.Fatalf("signed in as subject %q, want %q", r.sess.Subject, login)
	}
	return r.sess
}

// userinfo calls the server's userinfo endpoint with client.
func userinfoSub(t *testing.T, srv *devserver.Server, client *http.Client) string {
	t.Helper()
	md, err := discover(context.Background(), http.DefaultClient, srv.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(md.UserinfoEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo: HTTP %d", resp.StatusCode)
	}
	var u struct {
		Sub string `json:"sub"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
		t.Fatal(err)
	}
	return u.Sub
}

func TestE2ESignInAndRefresh(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})
	cfg := e2eConfig(t, srv)
	out, link, done := startLogin(t, context.Background(), cfg)
	sess := signInAs(t, b, link, done, "alice")
	loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
	if !strings.Contains(sess.Who(), "alice@example.test") {
		t.Errorf("who: %q (sub %q)", sess.Who(), sess.Subject)
	}
	if !strings.Contains(out.String(), "signed in to "+strings.TrimPrefix(srv.Issuer, "http://")+" as Dev User alice") {
		t.Errorf("status does not say who signed in:\n%s", out)
	}
	tok, err := sess.Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || sess.IDToken() == "" {
		t.Fatalf("no refresh token or ID token (offline_access with prompt=consent, openid)")
	}
	if strings.Contains(out.String(), tok.AccessToken) || strings.Contains(out.String(), tok.RefreshToken) {
		t.Fatal("the status output holds a token")
	}
	if sub := userinfoSub(t, srv, sess.Client()); sub != "alice" {
		t.Fatalf("userinfo sub = %q", sub)
	}

	// Refresh through the returned client: make the token look expired.
	expireSession(sess)
	before, err := srv.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sub := userinfoSub(t, srv, sess.Client()); sub != "alice" {
		t.Fatalf("userinfo after refresh: sub = %q", sub)
	}
	after, err := srv.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if after.Grants["refresh_token"] != before.Grants["refresh_token"]+1 {
		t.Fatalf("refresh_token grants %d -> %d, want one refresh", before.Grants["refresh_token"], after.Grants["refresh_token"])
	}
	tok2, _ := sess.Token()
	if tok2.AccessToken == tok.AccessToken || tok2.RefreshToken == tok.RefreshToken {
		t.Fatal("the refresh did not replace the access token and the rotated refresh token")
	}
	// The rotated refresh token is the one kept: a second refresh works
	// (oidc-provider refuses a reused one with invalid_grant).
	expireSession(sess)
	if _, err := sess.Token(); err != nil {
		t.Fatalf("second refresh: %v", err)
	}
}

func TestE2EConsentRefused(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})
	_, link, done := startLogin(t, context.Background(), e2eConfig(t, srv))
	res := signIn(t, b, link, browsertest.SignInOptions{Deny: true})
	if !strings.Contains(res.Text, "Sign-in failed") || !strings.Contains(res.Text, "access_denied") {
		t.Errorf("the browser's last page: %q", res.Text)
	}
	r := wait(t, done)
	var ae *AuthError
	if !errors.As(r.err, &ae) || ae.Code != "access_denied" {
		t.Fatalf("err = %v, want access_denied", r.err)
	}
	if !strings.Contains(r.err.Error(), "refused the sign-in: access_denied") {
		t.Errorf("message %q", r.err)
	}
	loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
}

func TestE2EForgedStateThenSignIn(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})
	out, link, done := startLogin(t, context.Background(), e2eConfig(t, srv))
	forged := (&url.URL{Scheme: "http", Host: loopbacktest.RedirectAddr(t, link), Path: "/callback",
		RawQuery: url.Values{"code": {"forged"}, "state": {"from-another-tab"}, "iss": {srv.Issuer}}.Encode()}).String()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := b.Visit(ctx, forged)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Text, "refused") {
		t.Fatalf("forged callback page: %q", res.Text)
	}
	signIn(t, b, link, browsertest.SignInOptions{Login: "bob"})
	r := wait(t, done)
	if r.err != nil {
		t.Fatalf("the real sign-in after a forged callback: %v", r.err)
	}
	if r.sess.Subject != "bob" {
		t.Fatalf("sub = %q", r.sess.Subject)
	}
	if !strings.Contains(out.String(), "refused: its state does not match") {
		t.Errorf("the refusal was not reported:\n%s", out)
	}
}

func TestE2EConfidentialClient(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})
	cfg := e2eConfig(t, srv)
	cfg.ClientID, cfg.ClientSecret = devserver.ConfidentialClientID, devserver.ConfidentialClientSecret
	_, link, done := startLogin(t, context.Background(), cfg)
	signIn(t, b, link, browsertest.SignInOptions{})
	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if sub := userinfoSub(t, srv, r.sess.Client()); sub == "" {
		t.Fatal("no subject")
	}
}

func TestE2EThousandGoroutinesRefreshOnce(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})
	cfg := e2eConfig(t, srv)
	_, link, done := startLogin(t, context.Background(), cfg)
	signIn(t, b, link, browsertest.SignInOptions{})
	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	expireSession(r.sess)
	if err := srv.ResetStats(context.Background()); err != nil {
		t.Fatal(err)
	}
	client := r.sess.Client()
	md, err := discover(context.Background(), http.DefaultClient, srv.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	// Some of the callers go through the HTTP client, as an API user would.
	failed, first := concurrently(1020, func(i int) error {
		if i < 1000 {
			_, err := r.sess.Token()
			return err
		}
		resp, err := client.Get(md.UserinfoEndpoint)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("userinfo: HTTP %d", resp.StatusCode)
		}
		return nil
	})
	if failed != 0 {
		t.Fatalf("%d of 1020 callers failed; the first: %v", failed, first)
	}
	st, err := srv.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := st.Grants["refresh_token"]; n != 1 {
		t.Fatalf("%d refreshes reached the server for 1020 concurrent callers, want 1", n)
	}
}
