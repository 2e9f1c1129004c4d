//go:build e2e

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
)

// TestE2EPasteOnStdin: the browser cannot reach the command's listener;
// the user pastes the address it ended on into the terminal.
func TestE2EPasteOnStdin(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	ctx, b := launchBrowser(t, 2*time.Minute)

	cmd := exec.Command(os.Args[0], "token", "--mode", "paste", "--no-browser", "--issuer", srv.Issuer, "--client-id", srv.ClientID)
	cmd.Env = append(os.Environ(), "GONBAUTH_TEST_AS_CLI=1", "GONBAUTH_CONFIG_DIR="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = &stdout, io.MultiWriter(&stderr, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func(prefix string) string {
		t.Helper()
		for {
			select {
			case l := <-lines:
				if strings.HasPrefix(l, prefix) {
					return l
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("no line starting %q on stderr:\n%s", prefix, &stderr)
			}
		}
	}
	link := next("http")
	next("gonbauth: paste the whole address")
	res, err := b.SignIn(ctx, link, browsertest.SignInOptions{Login: "pat", Unreachable: true})
	if err != nil {
		t.Fatal(err)
	}
	// A stale address from another sign-in first, then the real one.
	fmt.Fprintln(stdin, strings.Replace(res.FinalURL, "state=", "state=x", 1))
	if l := next("gonbauth: the pasted address was refused"); !strings.Contains(l, "state does not match") {
		t.Fatalf("refusal: %s", l)
	}
	fmt.Fprintln(stdin, res.FinalURL)
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	if tok := strings.TrimSpace(stdout.String()); tok == "" || strings.Contains(stderr.String(), tok) {
		t.Fatalf("token on stdout %q; or it leaked to stderr", tok)
	}
	u, _ := url.Parse(res.FinalURL)
	if code := u.Query().Get("code"); code == "" || strings.Contains(stderr.String(), code) {
		t.Fatalf("the authorization code is missing from the paste, or repeated on stderr:\n%s", &stderr)
	}
}
