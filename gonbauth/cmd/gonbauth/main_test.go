package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"maps"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/testparallel"
)

// TestMain lets the test binary run as the gonbauth command, so the
// end-to-end tests drive it as a real subprocess.
func TestMain(m *testing.M) {
	if os.Getenv("GONBAUTH_TEST_AS_CLI") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	testparallel.Raise() // the parallel tests wait on timers
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
		// A flag's value is read as its variable's would be, and refused
		// with the flag named (TestFlagsMeanWhatVariablesMean).
		{[]string{"login", "--port", "http"}, 2, `--port="http" is not a port number`},
		{[]string{"login", "--port", "8085,70000"}, 2, `--port="8085,70000" has "70000"`},
		{[]string{"token", "--timeout", "-1s"}, 2, `--timeout="-1s" is not a positive duration`},
		{[]string{"token", "--mode", "oob"}, 2, `--mode="oob" is not a mode`},
		{[]string{"token", "--no-browser=maybe"}, 2, `--no-browser="maybe" is not a boolean`},
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

// A flag's text is read by the library as its variable's would be: the
// same text gets the same error, naming the flag or the variable; only a
// flag's is a usage error (exit 2). (gonbauth's TestFlagsMeanWhatVariablesMean
// checks the values read.)
func TestFlagsReadLikeVariables(t *testing.T) {
	for _, tt := range []struct{ flag, env, text string }{
		{"--port", "GONBAUTH_PORT", "8085,http"},
		{"--timeout", "GONBAUTH_TIMEOUT", "-1s"},
		{"--mode", "GONBAUTH_MODE", "oob"},
		{"--scopes", "GONBAUTH_SCOPES", `openid a"b`},
		{"--no-browser", "GONBAUTH_NO_BROWSER", "maybe"},
	} {
		t.Run(tt.flag, func(t *testing.T) {
			args := []string{"token", "--issuer", "https://login.example.com", "--client-id", "c"}
			var flagErr, envErr bytes.Buffer
			flagCode := run(context.Background(), append(args, tt.flag+"="+tt.text), io.Discard, &flagErr)
			t.Setenv(tt.env, tt.text)
			envCode := run(context.Background(), args, io.Discard, &envErr)
			if flagCode != 2 || envCode != 1 {
				t.Errorf("exit %d with the flag, %d with the variable; want 2 and 1", flagCode, envCode)
			}
			if got, want := strings.Replace(flagErr.String(), tt.flag+"=", tt.env+"=", 1), envErr.String(); got != want || !strings.Contains(want, tt.env+"=") {
				t.Errorf("with the flag:\n%s\nwith the variable:\n%s", &flagErr, &envErr)
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

// TestProviderFlags: each provider setting has its flag, and bad values
// are refused before anything starts.
func TestProviderFlags(t *testing.T) {
	_, flags, _, err := parseFlags("login", []string{"--provider", "microsoft", "--tenant", "common", "--client-file", "c.json",
		"--redirect-host", "localhost", "--client-auth", "auto", "--device-url", "https://d.example/device", "--revocation-url", "https://d.example/revoke"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Provider": "microsoft", "Tenant": "common", "ClientFile": "c.json", "RedirectHost": "localhost",
		"ClientAuth": "auto", "DeviceAuthURL": "https://d.example/device", "RevocationURL": "https://d.example/revoke"}
	if !maps.Equal(flags, want) {
		t.Fatalf("flags %q, want %q", flags, want)
	}
	// Logout needs what finds and revokes the sign-in, not the redirect.
	if _, flags, _, err = parseFlags("logout", []string{"--provider", "github", "--revocation-url", "https://d.example/revoke"}, io.Discard); err != nil || flags["Provider"] != "github" {
		t.Fatalf("%q %v", flags, err)
	}
	if _, _, _, err = parseFlags("logout", []string{"--port", "8085"}, io.Discard); err == nil {
		t.Fatal("logout took --port")
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"login", "--client-id", "c", "--provider", "azure"}, `--provider "azure" is not a provider`},
		{[]string{"login", "--client-id", "c", "--provider", "okta"}, "dev-123456.okta.com"},
		{[]string{"token", "--client-id", "c", "--issuer", "https://login.example.com", "--redirect-host", "example.com"}, `--redirect-host "example.com"`},
		{[]string{"token", "--client-id", "c", "--issuer", "https://login.example.com", "--client-auth", "jwt"}, `--client-auth "jwt"`},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tt.args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q", tt.args, code, &stderr)
		}
	}
}

// runCLI runs the command to completion with no one at the browser.
func runCLI(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GONBAUTH_TEST_AS_CLI=1"), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
		}
	}()
	err := cmd.Run()
	close(done)
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	leaks.Output(t.Name()+": stderr", e.String())
	if len(args) > 0 && args[0] != "token" { // token's stdout is the token
		leaks.Output(t.Name()+": stdout", o.String())
	}
	return cmd.ProcessState.ExitCode(), o.String(), e.String()
}
