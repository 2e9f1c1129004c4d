// Command demo runs a real sign-in with gonbauth against the bundled
// development authorization server (gonbauth/devserver, oidc-provider):
// it starts the server on 127.0.0.1, calls gonbauth.Login, fetches the
// userinfo endpoint with the session's client, prints the JSON answer on
// stdout and stops the server.
//
//	go run ./gonbauth/internal/cmd/demo          # sign in in your browser
//	go run ./gonbauth/internal/cmd/demo -auto    # sign in in headless Chromium
//
// Without -auto, open the printed link in a browser on the same machine
// (the redirect goes to a loopback port); the server accepts any user name
// and password. With -auto, the link is taken from Login's output and
// followed by a headless Chromium (internal/browsertest), so the demo runs
// with nobody at the machine.
//
// Needs Node.js 20+ and the server's npm packages (make deps, or
// npm ci --prefix gonbauth/devserver), and for -auto /usr/bin/chromium or
// $CHROMIUM_BIN. Status goes to stderr, the userinfo JSON to stdout; no
// token is ever printed. Exit code 0 on success, 1 on any failure.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth"
	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
	"github.com/gonbauth/gonbauth/gonbauth/internal/lockedio"
)

// requestTimeout bounds each request the demo makes itself (discovery,
// userinfo).
const requestTimeout = 30 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	// The server's log and the demo itself both write to stderr.
	stderr = lockedio.New(stderr)
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	auto := fs.Bool("auto", false, "sign in with a headless Chromium instead of waiting for you")
	timeout := fs.Duration("timeout", gonbauth.DefaultTimeout, "how long to wait for the sign-in")
	// The server listens on this machine's loopback, so the browser must
	// run here too: loopback, whatever the automatic mode would guess.
	mode := fs.String("mode", string(gonbauth.ModeLoopback), "sign-in mode: loopback, paste or device (-auto needs loopback)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: demo [-auto] [-mode loopback] [-timeout 5m]\n\nSigns in to the bundled development authorization server and prints its userinfo answer.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "demo: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return 1
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "demo: -timeout %v must be positive\n", *timeout)
		return 1
	}

	// SIGINT and SIGTERM cancel everything, so that the deferred Close
	// calls stop the server and the browser. Login also stops on SIGINT by
	// itself (ErrCancelled). After the first signal the default handling
	// comes back: a second Ctrl-C kills the demo at once, and the server
	// still exits, since it watches its stdin pipe from us.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); stop() }()

	if *auto && *mode != string(gonbauth.ModeLoopback) {
		fmt.Fprintln(stderr, "demo: -auto signs in through the loopback mode only")
		return 1
	}
	if err := demo(ctx, *auto, gonbauth.Mode(*mode), *timeout, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		if errors.Is(err, gonbauth.ErrTimeout) {
			fmt.Fprintln(stderr, "demo: allow more time with -timeout (make demo DEMO_FLAGS='-timeout 10m'), or let headless Chromium sign in with -auto")
		}
		return 1
	}
	return 0
}

func demo(ctx context.Context, auto bool, mode gonbauth.Mode, timeout time.Duration, stdout, stderr io.Writer) (err error) {
	// The demo configures everything itself: settings meant for a real
	// server must not leak into it.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "GONBAUTH_") {
			fmt.Fprintf(stderr, "demo: ignoring %s (the demo uses its own server)\n", name)
			os.Unsetenv(name)
		}
	}
	// Sign-ins that gonbauth saves go to a directory of their own, removed
	// at the end: the demo's server and its tokens die with it, and the
	// user's saved sign-ins are left alone.
	storeDir, err := os.MkdirTemp("", "gonbauth-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(storeDir)
	os.Setenv("GONBAUTH_CONFIG_DIR", storeDir)

	fmt.Fprintln(stderr, "demo: starting the development authorization server...")
	srv, err := devserver.Start(ctx, devserver.Options{Log: &prefixWriter{w: stderr, prefix: "devserver: "}})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := srv.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("stopping the development server: %w", cerr)
		}
		fmt.Fprintln(stderr, "demo: development server stopped")
	}()
	fmt.Fprintf(stderr, "demo: development server at %s (client %s)\n", srv.Issuer, srv.ClientID)

	// Login's terminal output goes through catcher, which hands the
	// sign-in link to the headless browser in -auto mode.
	catcher := &urlCatcher{w: stderr, found: make(chan string, 1)}
	cfg := &gonbauth.Config{
		Issuer:   srv.Issuer,
		ClientID: srv.ClientID,
		Scopes:   []string{"openid", "profile", "email", "offline_access"},
		Timeout:  timeout,
		Mode:     mode,
		Output:   catcher,
		// A local server: never send these requests through a proxy.
		HTTPClient: &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: requestTimeout},
	}

	loginCtx, cancelLogin := context.WithCancelCause(ctx)
	defer cancelLogin(nil)
	if auto {
		cfg.NoBrowser = true
		fmt.Fprintln(stderr, "demo: starting headless Chromium...")
		b, err := browsertest.Launch(ctx)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := b.Close(); cerr != nil {
				fmt.Fprintf(stderr, "demo: %v\n", cerr)
			}
		}()
		// Runs before the browser closes: stop the sign-in and wait for it.
		var wg sync.WaitGroup
		defer func() { cancelLogin(nil); wg.Wait() }()
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case authURL := <-catcher.found:
				fmt.Fprintln(stderr, "demo: signing in as \"alice\" in headless Chromium...")
				if _, err := b.SignIn(loginCtx, authURL, browsertest.SignInOptions{Login: "alice"}); err != nil {
					// Login would otherwise wait for its timeout.
					cancelLogin(fmt.Errorf("headless sign-in failed: %w", err))
				}
			case <-loginCtx.Done():
			}
		}()
	} else {
		fmt.Fprintln(stderr, "demo: open the link below in a browser on this machine; any user name and password work (Ctrl-C stops)")
	}

	sess, err := gonbauth.Login(loginCtx, cfg)
	cancelLogin(nil) // stops the browser goroutine if Login failed first
	if err != nil {
		return err
	}

	info, err := userinfo(ctx, cfg.HTTPClient, srv.Issuer, sess)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", info.pretty)
	fmt.Fprintf(stderr, "demo: signed in as %s (sub %q); the JSON above is the userinfo endpoint's answer to a request made with Session.Client()\n", sess.Who(), info.sub)
	return nil
}

type userinfoResult struct {
	pretty []byte
	sub    string
}

// userinfo finds the userinfo endpoint in the server's metadata and calls
// it with the session's client, which adds the access token.
func userinfo(ctx context.Context, hc *http.Client, issuer string, sess *gonbauth.Session) (*userinfoResult, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()

	var meta struct {
		Issuer           string `json:"issuer"`
		UserinfoEndpoint string `json:"userinfo_endpoint"`
	}
	body, err := get(ctx, hc, issuer+"/.well-known/openid-configuration")
	if err != nil {
		return nil, fmt.Errorf("reading the server's metadata: %w", err)
	}
	if err := json.Unmarshal(body, &meta); err != nil {
		return nil, fmt.Errorf("reading the server's metadata: %w", err)
	}
	if meta.Issuer != issuer || meta.UserinfoEndpoint == "" {
		return nil, fmt.Errorf("the server's metadata names the issuer %q and the userinfo endpoint %q: expected issuer %q and an endpoint", meta.Issuer, meta.UserinfoEndpoint, issuer)
	}

	body, err = get(ctx, sess.Client(), meta.UserinfoEndpoint)
	if err != nil {
		return nil, fmt.Errorf("calling the userinfo endpoint: %w", err)
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(body, &claims); err != nil {
		return nil, fmt.Errorf("the userinfo answer is not JSON: %w", err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		return nil, fmt.Errorf("the userinfo answer is not JSON: %w", err)
	}
	return &userinfoResult{pretty: pretty.Bytes(), sub: claims.Sub}, nil
}

// get fetches a JSON document. Its errors hold the status and the start of
// an error body, which for these endpoints never carries a token.
func get(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.Join(strings.Fields(string(body)), " ")
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		if auth := resp.Header.Get("WWW-Authenticate"); auth != "" {
			msg += " (WWW-Authenticate: " + auth + ")"
		}
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, msg)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return nil, fmt.Errorf("GET %s: content type %q, want application/json", url, mt)
	}
	return body, nil
}

// urlCatcher passes Login's output on to w and sends the first line that
// starts with "http" (the sign-in link, which Login prints alone on its
// line) to found.
type urlCatcher struct {
	w     io.Writer
	found chan string

	mu   sync.Mutex
	line []byte
	done bool
}

func (c *urlCatcher) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.w.Write(p) // first, so that the link shows before what it starts
	if !c.done {
		c.line = append(c.line, p...)
		for !c.done {
			i := bytes.IndexByte(c.line, '\n')
			if i < 0 {
				break
			}
			line := strings.TrimSpace(string(c.line[:i]))
			c.line = c.line[i+1:]
			if strings.HasPrefix(line, "http") {
				c.done, c.line = true, nil
				c.found <- line
			}
		}
	}
	return n, err
}

// prefixWriter writes each line with a prefix (unless it already has it),
// for the server's log. The server writes from another goroutine, hence
// the lock.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	mid    bool // inside a line
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if !p.mid && !bytes.HasPrefix(line, []byte(p.prefix)) {
			out.WriteString(p.prefix)
		}
		out.Write(line)
		p.mid = line[len(line)-1] != '\n'
	}
	if _, err := p.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(b), nil
}
