package gonbauth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/loopbacktest"
)

// urlWriter is a Config.Output that hands over the sign-in link the moment
// it is printed, as a person reading the terminal would.
type urlWriter struct {
	mu   sync.Mutex
	text strings.Builder
	urls chan string
}

func newURLWriter() *urlWriter { return &urlWriter{urls: make(chan string, 1)} }

func (w *urlWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.text.Write(p)
	leaks.Output("a Config.Output", string(p))
	for _, line := range strings.Split(string(p), "\n") {
		if strings.HasPrefix(line, "http") {
			w.urls <- line
		}
	}
	return len(p), nil
}

func (w *urlWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.text.String()
}

type loginResult struct {
	sess *Session
	err  error
}

// startLogin runs Login in the background against srv and returns the
// printed link and the eventual result.
func startLogin(t *testing.T, ctx context.Context, cfg *Config) (*urlWriter, string, <-chan loginResult) {
	t.Helper()
	out := newURLWriter()
	cfg.Output = out
	cfg.NoBrowser = true
	done := make(chan loginResult, 1)
	go func() {
		s, err := Login(ctx, cfg)
		done <- loginResult{s, err}
	}()
	select {
	case u := <-out.urls:
		return out, u, done
	case r := <-done:
		t.Fatalf("Login returned before showing a link: %v", r.err)
	case <-time.After(10 * time.Second):
		t.Fatal("no sign-in link printed")
	}
	return nil, "", nil
}

// signInThrough runs Login with cfg, lets follow open the printed link as
// the user's browser would, and returns the session, the link and what
// Login printed. A failed Login fails the test, with what it printed.
func signInThrough[P any](t *testing.T, cfg *Config, follow func(*testing.T, string) P) (*Session, string, *urlWriter) {
	t.Helper()
	out, link, done := startLogin(t, context.Background(), cfg)
	follow(t, link)
	r := wait(t, done)
	if r.err != nil {
		t.Fatalf("Login: %v\n%s", r.err, out)
	}
	return r.sess, link, out
}

// expireSession makes the session's access token look expired, so that
// its next use refreshes.
func expireSession(sess *Session) {
	sess.src.mu.Lock()
	defer sess.src.mu.Unlock()
	sess.src.tok.Expiry = time.Now().Add(-time.Minute)
}

func testConfig(srv *fakeServer) *Config {
	return &Config{Issuer: srv.URL, ClientID: "test-client", ConfigDir: srv.t.TempDir()}
}

// browse follows the sign-in link like a browser: authorization endpoint,
// redirect, loopback callback.
func browse(t *testing.T, link string) string {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatalf("following the sign-in link: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func wait(t *testing.T, done <-chan loginResult) loginResult {
	t.Helper()
	select {
	case r := <-done:
		if r.err != nil {
			leaks.Output("Login's error", r.err.Error())
		}
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("Login did not return")
	}
	return loginResult{}
}

func TestLoginSuccess(t *testing.T) {
	srv := newFakeServer(t)
	out, link, done := startLogin(t, context.Background(), testConfig(srv))

	u, _ := url.Parse(link)
	q := u.Query()
	for k, want := range map[string]string{"client_id": "test-client", "response_type": "code", "code_challenge_method": "S256", "prompt": "consent"} {
		if q.Get(k) != want {
			t.Errorf("authorization request %s = %q, want %q", k, q.Get(k), want)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 43 {
			t.Errorf("authorization request %s = %q: too short", k, q.Get(k))
		}
	}
	if q.Get("scope") != "openid profile email offline_access" {
		t.Errorf("scope = %q", q.Get("scope"))
	}
	if !strings.HasPrefix(q.Get("redirect_uri"), "http://127.0.0.1:") {
		t.Errorf("redirect_uri = %q", q.Get("redirect_uri"))
	}

	page := browse(t, link)
	if !strings.Contains(page, "Sign-in received") {
		t.Fatalf("callback page: %s", page)
	}
	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
	if n := srv.calls("authorization_code"); n != 1 {
		t.Fatalf("%d token requests in one sign-in, want 1", n)
	}
	tok, err := r.sess.Token()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.AccessToken, "access-") || tok.RefreshToken == "" || tok.Expiry.IsZero() {
		t.Fatalf("token %+v", tok)
	}
	if strings.Count(r.sess.IDToken(), ".") != 2 || r.sess.Claims["nonce"] != q.Get("nonce") {
		t.Fatalf("id_token = %q, claims %v", r.sess.IDToken(), r.sess.Claims)
	}
	if r.sess.Subject != "alice" || r.sess.Email != "alice@example.test" {
		t.Fatalf("who: %+v", r.sess)
	}
	text := out.String()
	if !strings.Contains(text, "signed in to 127.0.0.1") && !strings.Contains(text, "Signed in to 127.0.0.1") {
		t.Fatalf("output does not say signed in:\n%s", text)
	}
	if strings.Contains(text, tok.AccessToken) || strings.Contains(text, "code-") || strings.Contains(text, tok.RefreshToken) {
		t.Fatalf("output leaks a secret:\n%s", text)
	}
}

func TestLoginRefreshThroughClient(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	cfg.ExpiryDelta = 2 * time.Hour // every token counts as expired: each use refreshes
	_, link, done := startLogin(t, context.Background(), cfg)
	browse(t, link)
	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	first := r.sess.src.tok
	before := srv.calls("refresh_token")

	// The cell's context is long gone; the client must still refresh.
	client := r.sess.Client()
	resp, err := client.Get(srv.URL + "/userinfo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || srv.calls("refresh_token") != before+1 {
		t.Fatalf("status %d, refreshes %d, want %d", resp.StatusCode, srv.calls("refresh_token"), before+1)
	}
	now := r.sess.src.tok
	if now.AccessToken == first.AccessToken || now.RefreshToken == first.RefreshToken {
		t.Fatal("token or rotated refresh token not replaced")
	}
	// The rotated refresh token is the one used next time.
	if _, err := r.sess.Token(); err != nil {
		t.Fatalf("second refresh with the rotated token: %v", err)
	}
}

// concurrently runs call(0) to call(n-1), each in a goroutine of its own,
// all at once, and returns how many failed and the first error.
func concurrently(n int, call func(i int) error) (failed int, first error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := call(i); err != nil {
				mu.Lock()
				defer mu.Unlock()
				if failed++; first == nil {
					first = err
				}
			}
		}()
	}
	wg.Wait()
	return failed, first
}

func TestLoginRefreshConcurrent(t *testing.T) {
	srv := newFakeServer(t)
	sess := signInOnce(t, srv, testConfig(srv))
	old := sess.src.tok.AccessToken
	expireSession(sess)
	toks := make([]string, 1000) // BenchmarkRefreshFanIn measures the same.
	failed, err := concurrently(len(toks), func(i int) error {
		tok, err := sess.Token()
		if err == nil {
			toks[i] = tok.AccessToken
		}
		return err
	})
	if failed != 0 {
		t.Errorf("%d of 1000 concurrent callers failed; the first: %v", failed, err)
	}
	if n := srv.calls("refresh_token"); n != 1 {
		t.Fatalf("%d refreshes for 1000 concurrent callers, want 1", n)
	}
	for i, tok := range toks {
		if tok == old || tok != toks[0] {
			t.Fatalf("caller %d did not get the one refreshed token", i)
		}
	}
}

func TestLoginNoRefreshToken(t *testing.T) {
	srv := newFakeServer(t)
	srv.noRefresh = true
	_, link, done := startLogin(t, context.Background(), testConfig(srv))
	browse(t, link)
	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	expireSession(r.sess)
	if _, err := r.sess.Token(); !errors.Is(err, ErrNoRefreshToken) {
		t.Fatalf("err = %v, want ErrNoRefreshToken", err)
	}
}

func TestLoginAccessDenied(t *testing.T) {
	srv := newFakeServer(t)
	srv.authError, srv.errorDesc = "access_denied", "The <b>user</b> said no"
	_, link, done := startLogin(t, context.Background(), testConfig(srv))
	page := browse(t, link)
	if !strings.Contains(page, "Sign-in failed") || strings.Contains(page, "<b>user</b>") {
		t.Fatalf("page: %s", page)
	}
	r := wait(t, done)
	var ae *AuthError
	if !errors.As(r.err, &ae) || ae.Code != "access_denied" || ae.Description != "The <b>user</b> said no" {
		t.Fatalf("err = %v", r.err)
	}
	loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
}

func TestLoginWrongStateThenRealSignIn(t *testing.T) {
	srv := newFakeServer(t)
	out, link, done := startLogin(t, context.Background(), testConfig(srv))
	forged := "http://" + loopbacktest.RedirectAddr(t, link) + "/callback?code=forged&state=other-tab&iss=" + url.QueryEscape(srv.URL)
	if page := browse(t, forged); !strings.Contains(page, "does not match") {
		t.Fatalf("forged callback page: %s", page)
	}
	browse(t, link)
	r := wait(t, done)
	if r.err != nil {
		t.Fatalf("real sign-in after a forged callback: %v", r.err)
	}
	if !strings.Contains(out.String(), "a redirect was refused: its state does not match") {
		t.Fatalf("the refusal was not reported:\n%s", out)
	}
}

func TestLoginTokenErrorLeaksNothing(t *testing.T) {
	srv := newFakeServer(t)
	srv.tokenError = "invalid_grant"
	_, link, done := startLogin(t, context.Background(), testConfig(srv))
	browse(t, link)
	r := wait(t, done)
	var te *TokenError
	if !errors.As(r.err, &te) || te.Code != "invalid_grant" {
		t.Fatalf("err = %v", r.err)
	}
	// The fake server echoes the code in its description: it must not
	// reach the message... but the description is the server's own words.
	// What gonbauth adds must never hold the code or verifier.
	msg := strings.ReplaceAll(r.err.Error(), te.Description, "")
	if strings.Contains(msg, "code-") || strings.Contains(msg, "code_verifier") {
		t.Fatalf("error leaks request values: %q", r.err)
	}
}

func TestLoginTimeoutFreesPort(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	cfg.Timeout = 300 * time.Millisecond
	_, link, done := startLogin(t, context.Background(), cfg)
	r := wait(t, done)
	if !errors.Is(r.err, ErrTimeout) || !strings.Contains(r.err.Error(), EnvTimeout) {
		t.Fatalf("err = %v", r.err)
	}
	loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
}

func TestLoginContextCancelFreesPort(t *testing.T) {
	srv := newFakeServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	_, link, done := startLogin(t, ctx, testConfig(srv))
	cancel()
	r := wait(t, done)
	if !errors.Is(r.err, ErrCancelled) || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err = %v", r.err)
	}
	loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
}

func TestLoginSIGINTFreesPort(t *testing.T) {
	srv := newFakeServer(t)
	_, link, done := startLogin(t, context.Background(), testConfig(srv))
	// Login is waiting, with its SIGINT handler installed before the link
	// was shown; the signal must end the flow, not the test binary.
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r := wait(t, done)
	if !errors.Is(r.err, ErrCancelled) || !strings.Contains(r.err.Error(), "interrupt signal received") {
		t.Fatalf("err = %v", r.err)
	}
	loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
}

func TestLoginRefusesServerWithoutS256(t *testing.T) {
	srv := newFakeServer(t)
	srv.methods = []string{"plain"}
	_, err := Login(context.Background(), &Config{Issuer: srv.URL, ClientID: "c", NoBrowser: true, Output: newURLWriter()})
	if err == nil || !strings.Contains(err.Error(), "S256") || !strings.Contains(err.Error(), "plain") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoginMetadataIssuerMismatch(t *testing.T) {
	srv := newFakeServer(t)
	_, err := Login(context.Background(), &Config{Issuer: srv.URL + "/", ClientID: "c", NoBrowser: true})
	if err == nil || !strings.Contains(err.Error(), "names the issuer") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoginIssMismatchKeepsWaiting(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	srv := newFakeServer(t)
	srv.sendIss = "https://evil.example"
	cfg := testConfig(srv)
	cfg.Timeout = 2 * time.Second
	out, link, done := startLogin(t, context.Background(), cfg)
	if page := browse(t, link); !strings.Contains(page, "mix-up") {
		t.Fatalf("page: %s", page)
	}
	r := wait(t, done)
	if !errors.Is(r.err, ErrTimeout) {
		t.Fatalf("err = %v, want a timeout after refusing the wrong issuer", r.err)
	}
	if !strings.Contains(out.String(), "evil.example") {
		t.Fatalf("refusal not shown:\n%s", out)
	}
}

func TestLoginExplicitEndpointsWithoutDiscovery(t *testing.T) {
	srv := newFakeServer(t)
	srv.issParam = false
	cfg := &Config{ClientID: "test-client", AuthURL: srv.URL + "/authorize", TokenURL: srv.URL + "/token", Scopes: []string{"api"}}
	_, link, done := startLogin(t, context.Background(), cfg)
	if strings.Contains(link, "nonce=") || strings.Contains(link, "prompt=") {
		t.Fatalf("nonce or prompt sent without openid/offline_access: %s", link)
	}
	browse(t, link)
	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
}
