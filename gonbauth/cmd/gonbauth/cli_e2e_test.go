//go:build e2e

package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
)

// launchBrowser starts headless Chromium for one test, and a context
// that bounds the test's browser work.
func launchBrowser(t *testing.T, limit time.Duration) (context.Context, *browsertest.Browser) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return ctx, browsertest.LaunchT(t, browsertest.Options{})
}

func TestE2ECLI(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	ctx, b := launchBrowser(t, 2*time.Minute)

	t.Run("token", func(t *testing.T) {
		// Flags from the environment, except the scopes given as a flag.
		cmd, stdout, stderr, link := cli(t, []string{"GONBAUTH_ISSUER=" + srv.Issuer, "GONBAUTH_CLIENT_ID=" + srv.ClientID},
			"token", "--no-browser", "--scopes", "openid,profile email", "--timeout", "1m")
		if _, err := b.SignIn(ctx, link, browsertest.SignInOptions{Login: "carol"}); err != nil {
			t.Fatal(err)
		}
		if code := waitExit(t, cmd); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		tok := strings.TrimSuffix(stdout.String(), "\n")
		if tok == "" || strings.ContainsAny(tok, " \n") {
			t.Fatalf("stdout is not one token line: %q", stdout)
		}
		if strings.Contains(stderr.String(), tok) {
			t.Fatal("the token appears on stderr")
		}
		// What `curl -H "Authorization: Bearer $(gonbauth token)"` does.
		req, _ := http.NewRequest("GET", srv.Issuer+"/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var u struct{ Sub string }
		json.NewDecoder(resp.Body).Decode(&u)
		if resp.StatusCode != 200 || u.Sub != "carol" {
			t.Fatalf("userinfo with the printed token: HTTP %d, sub %q", resp.StatusCode, u.Sub)
		}
	})

	t.Run("login", func(t *testing.T) {
		cmd, stdout, stderr, link := cli(t, nil, "login", "--issuer", srv.Issuer, "--client-id", srv.ClientID, "--no-browser")
		if _, err := b.SignIn(ctx, link, browsertest.SignInOptions{Login: "dave"}); err != nil {
			t.Fatal(err)
		}
		if code := waitExit(t, cmd); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stderr.String(), "signed in to") || !strings.Contains(stderr.String(), "as Dev User dave") {
			t.Fatalf("stderr does not say who signed in: %s", stderr)
		}
		if stdout.Len() != 0 {
			t.Fatalf("login printed on stdout: %q", stdout)
		}
	})

	t.Run("denied", func(t *testing.T) {
		cmd, _, stderr, link := cli(t, nil, "login", "--issuer", srv.Issuer, "--client-id", srv.ClientID, "--no-browser", "--force")
		if _, err := b.SignIn(ctx, link, browsertest.SignInOptions{Deny: true}); err != nil {
			t.Fatal(err)
		}
		if code := waitExit(t, cmd); code != 1 {
			t.Fatalf("exit %d, want 1: %s", code, stderr)
		}
		if !strings.Contains(stderr.String(), "access_denied") {
			t.Fatalf("stderr: %s", stderr)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		cmd, _, stderr, _ := cli(t, nil, "login", "--issuer", srv.Issuer, "--client-id", srv.ClientID, "--no-browser", "--timeout", "1s", "--force")
		if code := waitExit(t, cmd); code != 1 || !strings.Contains(stderr.String(), "timed out") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
}
