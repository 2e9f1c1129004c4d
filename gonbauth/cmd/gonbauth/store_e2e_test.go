//go:build e2e

package main

// Sign-ins shared by processes, end to end: the real bundled server, the
// command run as separate processes over one store, and Chromium for the
// browser sign-ins.

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
)

// storeEnv points a process at srv and a store of its own.
func storeEnv(srv *devserver.Server, dir string) []string {
	return []string{"GONBAUTH_ISSUER=" + srv.Issuer, "GONBAUTH_CLIENT_ID=" + srv.ClientID, "GONBAUTH_CONFIG_DIR=" + dir, "GONBAUTH_NO_BROWSER=1"}
}

// browserLogin signs in with `gonbauth login`, completed in Chromium.
func browserLogin(t *testing.T, b *browsertest.Browser, env []string, user string, extra ...string) string {
	t.Helper()
	cmd, _, stderr, link := cli(t, env, append([]string{"login"}, extra...)...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := b.SignIn(ctx, link, browsertest.SignInOptions{Login: user}); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("login: exit %d: %s", code, stderr)
	}
	return stderr.String()
}

// signedInStore signs user in with `gonbauth login` in Chromium, over a
// store of its own, and returns the store's folder and the environment
// that points the command at srv and it.
func signedInStore(t *testing.T, srv *devserver.Server, b *browsertest.Browser, user string) (dir string, env []string) {
	t.Helper()
	dir = t.TempDir()
	env = storeEnv(srv, dir)
	browserLogin(t, b, env, user)
	return dir, env
}

func savedToken(t *testing.T, dir, field string) string {
	_, m := savedFile(t, dir)
	s, _ := m["token"].(map[string]any)[field].(string)
	return s
}

func stats(t *testing.T, srv *devserver.Server) devserver.Stats {
	t.Helper()
	st, err := srv.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func resetStats(t *testing.T, srv *devserver.Server) {
	t.Helper()
	if err := srv.ResetStats(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// refreshAtServer uses a refresh token directly, bypassing gonbauth.
func refreshAtServer(t *testing.T, srv *devserver.Server, rt string) int {
	t.Helper()
	resp, err := http.PostForm(srv.Issuer+"/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {srv.ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestE2EStoreAcrossProcesses(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	_, b := launchBrowser(t, 3*time.Minute)

	t.Run("next process needs no request", func(t *testing.T) {
		env := storeEnv(srv, t.TempDir())
		browserLogin(t, b, env, "erin")
		resetStats(t, srv)
		code, tok, stderr := runCLI(t, env, "token", "--no-interactive")
		if code != 0 || strings.TrimSpace(tok) == "" {
			t.Fatalf("token: exit %d: %s", code, stderr)
		}
		if n := stats(t, srv).Requests; n != 0 {
			t.Fatalf("%d requests reached the server, want 0", n)
		}
		if strings.TrimSpace(tok) != savedToken(t, env[2][len("GONBAUTH_CONFIG_DIR="):], "access_token") {
			t.Fatal("the printed token is not the saved one")
		}
		code, out, _ := runCLI(t, env, "status")
		if code != 0 || !strings.Contains(out, srv.Issuer) || !strings.Contains(out, "renewable") || strings.Contains(out, strings.TrimSpace(tok)) {
			t.Fatalf("status: exit %d:\n%s", code, out)
		}
	})

	t.Run("eight processes refresh once", func(t *testing.T) {
		dir, env := signedInStore(t, srv, b, "frank")
		old := savedToken(t, dir, "access_token")
		expireSaved(t, dir)
		resetStats(t, srv)
		var wg sync.WaitGroup
		toks := make([]string, 8)
		for i := range toks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, out, stderr := runCLI(t, env, "token", "--no-interactive")
				if code != 0 {
					t.Errorf("process %d: exit %d: %s", i, code, stderr)
				}
				toks[i] = strings.TrimSpace(out)
			}()
		}
		wg.Wait()
		for i, tok := range toks {
			if tok == "" || tok == old || tok != toks[0] {
				t.Errorf("process %d got %q...", i, tok[:min(8, len(tok))])
			}
		}
		if n := stats(t, srv).Grants["refresh_token"]; n != 1 {
			t.Fatalf("%d refreshes reached the server for 8 processes, want 1", n)
		}
	})

	t.Run("revoked refresh token leads to a browser sign-in", func(t *testing.T) {
		dir, env := signedInStore(t, srv, b, "grace")
		rt := savedToken(t, dir, "refresh_token")
		resp, err := http.PostForm(srv.Issuer+"/token/revocation", url.Values{"token": {rt}, "client_id": {srv.ClientID}})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("revoking at the server: %v %v", err, resp)
		}
		resp.Body.Close()
		expireSaved(t, dir)
		code, _, stderr := runCLI(t, env, "token", "--no-interactive")
		if code != 1 || !strings.Contains(stderr, "could not be renewed") || !strings.Contains(stderr, "gonbauth login") {
			t.Fatalf("token --no-interactive: exit %d: %s", code, stderr)
		}
		// The failed refresh forgot the sign-in; login signs in afresh.
		out := browserLogin(t, b, env, "grace")
		if !strings.Contains(out, "as Dev User grace") {
			t.Fatalf("login: %s", out)
		}
	})

	t.Run("logout revokes", func(t *testing.T) {
		dir, env := signedInStore(t, srv, b, "heidi")
		rt := savedToken(t, dir, "refresh_token")
		resetStats(t, srv)
		code, _, stderr := runCLI(t, env, "logout")
		if code != 0 || !strings.Contains(stderr, "signed out") {
			t.Fatalf("logout: exit %d: %s", code, stderr)
		}
		if n := stats(t, srv).ByPath["/token/revocation"]; n != 1 {
			t.Fatalf("%d revocation requests, want 1", n)
		}
		if status := refreshAtServer(t, srv, rt); status != http.StatusBadRequest {
			t.Fatalf("the revoked refresh token still works (HTTP %d)", status)
		}
		if names, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(names) != 0 {
			t.Fatalf("still saved: %v", names)
		}
		code, _, stderr = runCLI(t, env, "status")
		if code != 0 || !strings.Contains(stderr, "no saved sign-ins") {
			t.Fatalf("status: %d %s", code, stderr)
		}
	})

	t.Run("logout all", func(t *testing.T) {
		dir, env := signedInStore(t, srv, b, "ivan")
		browserLogin(t, b, env, "ivan", "--account", "second")
		if code, _, stderr := runCLI(t, env, "logout", "--all"); code != 0 {
			t.Fatalf("logout --all: %s", stderr)
		}
		if names, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(names) != 0 {
			t.Fatalf("still saved: %v", names)
		}
	})

	t.Run("corrupt, loose and unwritable stores", func(t *testing.T) {
		dir, env := signedInStore(t, srv, b, "judy")
		name, _ := savedFile(t, dir)
		tok := savedToken(t, dir, "access_token")

		// Readable by others: repaired, with a warning, and still used.
		os.Chmod(name, 0o644)
		code, out, stderr := runCLI(t, env, "token", "--no-interactive")
		if code != 0 || strings.TrimSpace(out) != tok || !strings.Contains(stderr, "readable by other users") {
			t.Fatalf("loose file: exit %d: %s", code, stderr)
		}
		if fi, _ := os.Stat(name); fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v after repair", fi.Mode().Perm())
		}
		if strings.Contains(stderr, tok) {
			t.Fatal("the token is in the warning")
		}

		// Corrupt: ignored with one clear line, no panic, no token.
		os.WriteFile(name, []byte(`{"version":1,"token":{"access_token":"`+tok[:10]), 0o600)
		code, out, stderr = runCLI(t, env, "token", "--no-interactive")
		if code != 1 || out != "" || !strings.Contains(stderr, "ignoring the saved sign-in") || strings.Contains(stderr, "panic") || strings.Contains(stderr, tok[:10]) {
			t.Fatalf("corrupt file: exit %d, stdout %q: %s", code, out, stderr)
		}

		// Unwritable (a file where the directory should be): the sign-in
		// works for the process and says it was not saved.
		notADir := filepath.Join(t.TempDir(), "file")
		os.WriteFile(notADir, nil, 0o600)
		env2 := storeEnv(srv, notADir)
		out = browserLogin(t, b, env2, "judy")
		if !strings.Contains(out, "lasts for this process only") || strings.Contains(out, "panic") {
			t.Fatalf("unwritable store: %s", out)
		}
	})
}

// TestE2ERotationAcrossProcesses runs with a 12 s access token lifetime:
// with the 10 s refresh margin, a token is due for refresh 2 s after issue.
func TestE2ERotationAcrossProcesses(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{AccessTokenTTL: 12 * time.Second})
	_, b := launchBrowser(t, 2*time.Minute)
	dir, env := signedInStore(t, srv, b, "mallory")
	rt0 := savedToken(t, dir, "refresh_token")
	resetStats(t, srv)

	step := func(n int) string {
		time.Sleep(2500 * time.Millisecond) // let the saved token come due
		code, out, stderr := runCLI(t, env, "token", "--no-interactive")
		if code != 0 {
			t.Fatalf("process %d: exit %d: %s", n, code, stderr)
		}
		if got := stats(t, srv).Grants["refresh_token"]; got != n-1 {
			t.Fatalf("after process %d: %d refreshes, want %d", n, got, n-1)
		}
		return strings.TrimSpace(out)
	}
	tok2 := step(2) // refreshes with rt0; the server rotates it
	rt1 := savedToken(t, dir, "refresh_token")
	if rt1 == rt0 || tok2 != savedToken(t, dir, "access_token") {
		t.Fatal("the rotated token set was not saved")
	}
	step(3) // must refresh with the saved rt1: rt0 is now invalid
	if refreshAtServer(t, srv, rt0) != http.StatusBadRequest {
		t.Fatal("the server still accepts the first refresh token: no rotation happened")
	}
}
