package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
)

// TestMain lets the test binary run as the gonbauth command, so the
// end-to-end tests drive it as a real subprocess.
func TestMain(m *testing.M) {
	if os.Getenv("GONBAUTH_TEST_AS_CLI") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	// Never touch the user's real store; tests that share one set their own.
	dir, err := os.MkdirTemp("", "gonbauth-test-store-")
	if err != nil {
		panic(err)
	}
	os.Setenv("GONBAUTH_CONFIG_DIR", dir)
	// CI runs in a container, which the automatic mode would take for a
	// remote kernel; tests of other modes set theirs.
	os.Setenv("GONBAUTH_MODE", "loopback")
	code := leaks.Report(os.Stderr, m.Run(), testing.Verbose())
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{nil, 2, "usage: gonbauth"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"login", "--port", "http"}, 2, `--port "http"`},
		{[]string{"login", "--port", "70000"}, 2, "--port"},
		{[]string{"token", "--timeout", "-1s"}, 2, "negative"},
		{[]string{"token", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"login", "--bogus"}, 2, "flag provided but not defined"},
		// Settings are checked before anything is started.
		{[]string{"login", "--issuer", "http://login.example.com", "--client-id", "c"}, 1, "plain http"},
		{[]string{"token", "--issuer", "https://login.example.com"}, 1, "set --client-id"},
		// Every missing setting at once, by its flag.
		{[]string{"token"}, 1, "set --issuer to your authorization server's issuer URL (such as https://login.example.com), and --client-id"},
		{[]string{"token", "--no-interactive", "--issuer", "https://login.example.com", "--client-id", "c", "--timeout", "1s"}, 1, "drop --no-interactive"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Setenv("GONBAUTH_CLIENT_ID", "")
			t.Setenv("GONBAUTH_ISSUER", "")
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tt.args, &stdout, &stderr); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, &stderr)
			}
			if !strings.Contains(stderr.String(), tt.err) {
				t.Fatalf("stderr %q lacks %q", &stderr, tt.err)
			}
			// The command speaks in flags, not in the library's words.
			if e := stderr.String(); tt.code == 1 && (strings.Contains(e, "Config.") || strings.Contains(e, "GONBAUTH_") || strings.Contains(e, "Login")) {
				t.Fatalf("stderr speaks the library's words: %q", &stderr)
			}
			if stdout.Len() != 0 {
				t.Fatalf("stdout should be empty on error, got %q", &stdout)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "token") {
		t.Fatalf("help: %d %q", code, &stdout)
	}
	if code := run(context.Background(), []string{"token", "-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "--no-browser") && !strings.Contains(stderr.String(), "-no-browser") {
		t.Fatalf("token -h: %d %q", code, &stderr)
	}
}

// cli starts the command as a subprocess and returns the sign-in link it
// printed on stderr.
func cli(t *testing.T, env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GONBAUTH_TEST_AS_CLI=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(&stderr, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState != nil { // waited for: stderr is complete
			leaks.Output(t.Name()+": stderr", stderr.String())
		}
	})
	t.Cleanup(func() { cmd.Process.Kill() })
	links := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "http") {
				links <- sc.Text()
			}
		}
	}()
	t.Cleanup(func() { pw.Close() })
	select {
	case l := <-links:
		return cmd, &stdout, &stderr, l
	case <-time.After(20 * time.Second):
		t.Fatalf("no link on stderr: %s", &stderr)
	}
	return nil, nil, nil, ""
}

func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(60 * time.Second):
		t.Fatal("the command did not exit")
	}
	return -1
}

// launchBrowser starts headless Chromium for one test, and a context
// that bounds the test's browser work.
func launchBrowser(t *testing.T, limit time.Duration) (context.Context, *browsertest.Browser) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	b, err := browsertest.Launch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return ctx, b
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

// TestProviderFlags: each provider setting has its flag, and bad values
// are refused before anything starts.
func TestProviderFlags(t *testing.T) {
	cfg, _, err := parseFlags("login", []string{"--provider", "microsoft", "--tenant", "common", "--client-file", "c.json",
		"--redirect-host", "localhost", "--client-auth", "auto", "--device-url", "https://d.example/device", "--revocation-url", "https://d.example/revoke"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Provider != "microsoft" || cfg.Tenant != "common" || cfg.ClientFile != "c.json" || cfg.RedirectHost != "localhost" ||
		cfg.ClientAuth != "auto" || cfg.DeviceAuthURL != "https://d.example/device" || cfg.RevocationURL != "https://d.example/revoke" {
		t.Fatalf("%+v", cfg)
	}
	// Logout needs what finds and revokes the sign-in, not the redirect.
	if cfg, _, err = parseFlags("logout", []string{"--provider", "github", "--revocation-url", "https://d.example/revoke"}, io.Discard); err != nil || cfg.Provider != "github" {
		t.Fatalf("%+v %v", cfg, err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"login", "--client-id", "c", "--provider", "azure"}, "GONBAUTH_PROVIDER"},
		{[]string{"login", "--client-id", "c", "--provider", "okta"}, "dev-123456.okta.com"},
		{[]string{"token", "--client-id", "c", "--issuer", "https://login.example.com", "--redirect-host", "example.com"}, "GONBAUTH_REDIRECT_HOST"},
		{[]string{"token", "--client-id", "c", "--issuer", "https://login.example.com", "--client-auth", "jwt"}, "GONBAUTH_CLIENT_AUTH"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tt.args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q", tt.args, code, &stderr)
		}
	}
}
