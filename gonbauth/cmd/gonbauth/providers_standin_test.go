package main

// The command end to end against local stand-ins of each provider
// (internal/providertest), run as a real subprocess with only the
// provider, the client ID (the secret, where the provider insists, from
// its variable) and the stand-in's address. The test browser follows only
// the link the command printed. Pure Go: they run in plain `go test`.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/lockedio"
	pt "github.com/gonbauth/gonbauth/gonbauth/internal/providertest"
)

// exactPortHost: the redirect host exact-port providers are registered
// with (Cognito allows http only for localhost).
var exactPortHost = map[pt.Name]string{pt.Okta: "127.0.0.1", pt.Auth0: "127.0.0.1", pt.Cognito: "localhost"}

// standIn starts a provider's stand-in, registered as a user would for
// the command; its access tokens last 5 s, less than the 10 s before
// expiry at which gonbauth refreshes, so every later command refreshes.
func standIn(t *testing.T, name pt.Name, opts pt.Options) *pt.Server {
	t.Helper()
	if host, ok := exactPortHost[name]; ok {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		opts.RedirectURIs = []string{fmt.Sprintf("http://%s:%d/callback", host, port)}
	}
	opts.Interval, opts.ExpiresIn = 1, 5
	return pt.Start(t, name, opts)
}

// providerArgs and providerEnv are what a user types for s; loginArgs
// adds the registered port of exact-port providers, for the commands that
// sign in.
func providerArgs(s *pt.Server) []string {
	return []string{"--provider", string(s.Name), "--issuer", s.Issuer, "--client-id", s.ClientID}
}

func loginArgs(s *pt.Server, cmd ...string) []string {
	args := append(cmd, providerArgs(s)...)
	if u, err := url.Parse(s.RedirectURIs[0]); err == nil && u.Port() != "" {
		args = append(args, "--port", u.Port())
	}
	return args
}

func providerEnv(t *testing.T, s *pt.Server) []string {
	env := []string{"GONBAUTH_CONFIG_DIR=" + t.TempDir(), "GONBAUTH_CLIENT_SECRET="}
	if s.Name == pt.Google || s.Name == pt.GitHub {
		env[1] = "GONBAUTH_CLIENT_SECRET=" + s.ClientSecret
	}
	return env
}

// interactive starts the command and hands over its stderr lines as they
// come, so that the test reads the link and the code as a person would.
func interactive(t *testing.T, env []string, args ...string) (*exec.Cmd, *lockedio.Writer, *lockedio.Writer, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GONBAUTH_TEST_AS_CLI=1", "GONBAUTH_NO_BROWSER=1"), env...)
	stdout, stderr := lockedio.New(new(bytes.Buffer)), lockedio.New(new(bytes.Buffer))
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = stdout, io.MultiWriter(stderr, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); pw.Close() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, stdout, stderr, lines
}

// nextLine waits for a stderr line that matches re and returns its groups.
func nextLine(t *testing.T, lines <-chan string, stderr *lockedio.Writer, re *regexp.Regexp) []string {
	t.Helper()
	for {
		select {
		case l := <-lines:
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no line matching %s on stderr:\n%s", re, stderr)
		}
	}
}

var (
	linkLine = regexp.MustCompile(`^(https?://\S+)$`)
	codeLine = regexp.MustCompile(`confirm the code (\S+?)\.?$`)
)

// TestProvidersCLI: for each provider, `gonbauth login` through the
// printed link, `gonbauth token` refreshing the expired token, `login
// --mode device` where the provider has a device grant, `status`, and
// `logout`.
func TestProvidersCLI(t *testing.T) {
	// Not parallel with the other tests: the stand-ins that match ports
	// exactly register a free port picked in advance, which the many
	// connections of other tests could take meanwhile. The subtests wait
	// together.
	for _, name := range pt.All {
		t.Run(string(name), func(t *testing.T) {
			t.Parallel()
			s := standIn(t, name, pt.Options{})
			env, args := providerEnv(t, s), providerArgs(s)

			cmd, _, stderr, lines := interactive(t, env, loginArgs(s, "login", "--mode", "loopback", "--timeout", "30s")...)
			link := nextLine(t, lines, stderr, linkLine)[1]
			if _, err := pt.Browse(link); err != nil {
				t.Fatal(err)
			}
			if code := waitExit(t, cmd); code != 0 {
				t.Fatalf("login: exit %d\n%s", code, stderr)
			}
			if out := stderr.String(); !strings.Contains(out, "gonbauth: signed in to") || (!strings.Contains(out, s.User.Name) && !strings.Contains(out, s.User.Login)) {
				t.Fatalf("login does not say who signed in:\n%s", out)
			}

			// The token has expired (5 s lifetime): `token` refreshes it.
			before := s.Grants("refresh_token")
			code, tok, errOut := runCLI(t, env, loginArgs(s, "token", "--no-interactive")...)
			tok = strings.TrimSpace(tok)
			if code != 0 || s.Grants("refresh_token") <= before || !s.TokenValid(tok) {
				t.Fatalf("token: exit %d, %d refreshes, token valid %v\n%s", code, s.Grants("refresh_token"), s.TokenValid(tok), errOut)
			}
			if strings.Contains(errOut, tok) {
				t.Fatal("the token appears on stderr")
			}

			if name == pt.Google {
				// Google's device grant needs a "TVs and Limited Input" client.
				s = standIn(t, name, pt.Options{ClientType: "tv"})
				env, args = providerEnv(t, s), providerArgs(s)
			}
			if name != pt.Cognito { // Cognito has no device grant
				cmd, _, stderr, lines = interactive(t, env, loginArgs(s, "login", "--mode", "device", "--force", "--timeout", "30s")...)
				link := nextLine(t, lines, stderr, linkLine)[1]
				userCode := nextLine(t, lines, stderr, codeLine)[1]
				if _, err := pt.ApproveDevice(link, userCode); err != nil {
					t.Fatal(err)
				}
				if code := waitExit(t, cmd); code != 0 || s.Grants("urn:ietf:params:oauth:grant-type:device_code") != 1 {
					t.Fatalf("device login: exit %d\n%s", code, stderr)
				}
			}

			if code, out, errOut := runCLI(t, env, "status"); code != 0 || !strings.Contains(out, s.Issuer) {
				t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
			} else if strings.Contains(out, "offline_access") && (name == pt.GitLab || name == pt.Cognito || name == pt.Google) {
				t.Fatalf("status shows a scope %s was never sent:\n%s", name, out)
			}

			code, _, errOut = runCLI(t, env, append([]string{"logout"}, args...)...)
			if code != 0 {
				t.Fatalf("logout: exit %d\n%s", code, errOut)
			}
			revocable := name != pt.Microsoft && name != pt.GitHub
			if revocable && len(s.Revoked()) == 0 {
				t.Fatalf("logout revoked nothing at %s:\n%s", name, errOut)
			}
			if !revocable && !strings.Contains(strings.ToLower(errOut), "revok") {
				t.Fatalf("logout at %s, which cannot revoke, does not say so:\n%s", name, errOut)
			}
			if _, out, _ := runCLI(t, env, "status"); strings.Contains(out, s.Issuer) {
				t.Fatalf("still listed after logout:\n%s", out)
			}
		})
	}
}

// TestProvidersCLIExactPort: without --port, an exact-port server refuses
// the redirect; the timeout names GONBAUTH_PORT.
func TestProvidersCLIExactPort(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	s := standIn(t, pt.Okta, pt.Options{})
	env := providerEnv(t, s)
	cmd, _, stderr, lines := interactive(t, env, "login", "--mode", "loopback", "--timeout", "2s",
		"--provider", "okta", "--issuer", s.Issuer, "--client-id", s.ClientID)
	link := nextLine(t, lines, stderr, linkLine)[1]
	if p, err := pt.Browse(link); err == nil && strings.Contains(p.URL, "code=") {
		t.Fatalf("Okta accepted an unregistered port: %s", p.URL)
	}
	if code := waitExit(t, cmd); code != 1 || !strings.Contains(stderr.String(), "set --port to it") {
		t.Fatalf("exit %d; the timeout does not name --port:\n%s", code, stderr)
	}
}

// TestProvidersCLIGoogleNoSecret: the command says where Google's client
// secret goes.
func TestProvidersCLIGoogleNoSecret(t *testing.T) {
	s := standIn(t, pt.Google, pt.Options{})
	env := providerEnv(t, s)
	env[1] = "GONBAUTH_CLIENT_SECRET="
	cmd, _, stderr, lines := interactive(t, env, loginArgs(s, "login", "--mode", "loopback", "--timeout", "10s")...)
	go func() {
		for l := range lines {
			if linkLine.MatchString(l) {
				pt.Browse(l)
			}
		}
	}()
	if code := waitExit(t, cmd); code != 1 || !strings.Contains(stderr.String(), "GONBAUTH_CLIENT_SECRET") {
		t.Fatalf("exit %d; no word of GONBAUTH_CLIENT_SECRET:\n%s", code, stderr)
	}
}

// TestProvidersCLIGoogleClientFile: `--client-file` with the JSON as the
// Google Cloud console downloads it gives the client ID and secret.
func TestProvidersCLIGoogleClientFile(t *testing.T) {
	s := standIn(t, pt.Google, pt.Options{})
	file := s.ClientFile(t)
	env := []string{"GONBAUTH_CONFIG_DIR=" + t.TempDir(), "GONBAUTH_CLIENT_SECRET=", "GONBAUTH_CLIENT_ID="}
	cmd, _, stderr, lines := interactive(t, env, "login", "--mode", "loopback", "--timeout", "30s", "--client-file", file, "--issuer", s.Issuer)
	if _, err := pt.Browse(nextLine(t, lines, stderr, linkLine)[1]); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd); code != 0 || !strings.Contains(stderr.String(), s.User.Name) {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if reqs := s.Requests("token"); len(reqs) == 0 || reqs[0].ClientAuth == "none" {
		t.Fatal("the file's secret was not sent")
	}
}
