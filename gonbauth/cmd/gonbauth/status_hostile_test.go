package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/gonbauth/gonbauth/gonbauth/internal/hostileserver"
)

// TestFaultStatusPrintsNoEscapes: text that came from outside (a setting,
// a saved file written from a server's answer) reaches the terminal
// without its escape sequences, whichever command prints it.
func TestFaultStatusPrintsNoEscapes(t *testing.T) {
	const hostile = "\x1b]52;c;cm0gLXJmIH4=\x07\u202ework\x1b[2J\u0085"
	srv := hostileserver.Start(t, leaks)
	dir := t.TempDir()

	// An account name with escape sequences: refused or used, but never
	// printed raw (runCLI records stderr for the leak check too).
	_, _, stderr := runCLI(t, append(faultEnv(srv, dir), "GONBAUTH_ACCOUNT="+hostile), "token", "--no-interactive")
	if i, c := hostileserver.FirstControl(stderr); i >= 0 {
		t.Errorf("token printed the control character %U: %q", c, stderr)
	}

	// A saved sign-in whose name (from the ID token or userinfo) holds them.
	faultSignIn(t, srv, dir)
	name, m := savedFile(t, dir)
	m["name"], m["email"] = hostile, hostile+"@example.com"
	data, _ := json.Marshal(m)
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, faultEnv(srv, dir), "status")
	if code != 0 || !strings.Contains(stdout+stderr, name[strings.LastIndex(name, "/")+1:]) && !strings.Contains(stdout, srv.URL) {
		t.Fatalf("status neither lists nor names the saved sign-in: exit %d: %s%s", code, stdout, stderr)
	}
	for what, out := range map[string]string{"stdout": stdout, "stderr": stderr} {
		if i, c := hostileserver.FirstControl(out); i >= 0 {
			t.Errorf("status printed the control character %U on %s: %q", c, what, out)
		}
	}
	if code, _, stderr := runCLI(t, faultEnv(srv, dir), "login", "--no-interactive"); code != 0 {
		t.Errorf("login from the saved sign-in: exit %d: %s", code, stderr)
	}
}
