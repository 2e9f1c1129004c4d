// Package devserver starts gonbauth's bundled development authorization
// server (gonbauth/devserver, a small wrapper around the oidc-provider npm
// package) for end-to-end tests and demos. It is the one place that starts
// it: the library's tests (through gonbauth/internal/devserver, which adds
// StartT), the demo, the browser example (wasm/example) and, through the
// command gonbauth/internal/cmd/devserver, the notebook runner
// (notebooks/run.py) and notebooks/bench.py. It sits beside server.mjs, and
// is not internal, so that wasm/example may import it.
//
// The server is a Node.js program: Node.js 20+ must be on PATH and its npm
// dependencies installed (npm ci --prefix gonbauth/devserver, or make deps).
// It listens on 127.0.0.1 on a port chosen by the OS, so any number of
// servers can run at once.
package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/lockedio"
)

// Client credentials registered with the development server, besides the
// public client whose id Start reports in Server.ClientID.
const (
	// ConfidentialClientID is a client that authenticates at the token
	// endpoint with HTTP Basic (client_secret_basic). PKCE is still required.
	ConfidentialClientID = "gonbauth-dev-confidential"
	// ConfidentialClientSecret is ConfidentialClientID's secret. It is public:
	// the server is for development only.
	ConfidentialClientSecret = "dev-secret-not-for-production"

	// HostedClientID is a public client whose redirect URIs may be any
	// http://127.0.0.1:PROXYPORT/proxy/PORT/callback, for the hosted mode
	// behind a jupyter-server-proxy style reverse proxy.
	HostedClientID = "gonbauth-dev-hosted"

	// WebClientID is the public web client the server registers when
	// Options.WebRedirectURIs is set (the browser example, wasm/example).
	WebClientID = "gonbauth-dev-web"
)

// startTimeout bounds how long Start waits for the server's ready line.
// The server usually starts in well under a second; a cold disk cache and a
// loaded CI machine can make Node's module loading much slower.
const startTimeout = 20 * time.Second

// killDelay is how long Close waits after SIGTERM before SIGKILL.
const killDelay = 5 * time.Second

// Options configure Start. Zero values mean defaults.
type Options struct {
	// AccessTokenTTL is the lifetime of issued access tokens, rounded up to
	// whole seconds. 0 means the server default (1h).
	AccessTokenTTL time.Duration

	// WebRedirectURIs, if set, registers the public web client WebClientID
	// with exactly these redirect URIs (http, on 127.0.0.1, localhost or
	// [::1]), and lets their origins call the token and userinfo endpoints
	// (CORS). Default: no web client.
	WebRedirectURIs []string

	// Log receives the server's stderr (oidc-provider warnings, errors).
	// nil discards it. Writes come from other goroutines, one at a time, and
	// have all ended when Start returns an error or Close returns (both wait
	// for the process and its output), so Log needs no lock of its own if it
	// is read only then.
	Log io.Writer
}

// Server is a running development authorization server. Call Close to stop it.
type Server struct {
	// Issuer is the server's issuer URL, http://127.0.0.1:PORT. Discovery is
	// at Issuer + "/.well-known/openid-configuration".
	Issuer string

	// ClientID is the public native client (no secret, PKCE S256 required).
	// Its redirect URIs are http://127.0.0.1/callback, http://[::1]/callback
	// and http://localhost/callback, on any port.
	ClientID string

	cmd    *exec.Cmd
	stdin  io.Closer     // never written; see Start
	done   chan struct{} // closed when cmd.Wait has returned
	waited error         // cmd.Wait's result, valid after done is closed
	stderr *tailBuffer
	hc     *http.Client

	closeOnce sync.Once
	closeErr  error
}

// Stats are the server's request counters since start or the last ResetStats.
type Stats struct {
	// Requests counts every request except those to the stats endpoints.
	Requests int `json:"requests"`
	// ByPath counts requests by URL path, e.g. "/token", "/auth".
	ByPath map[string]int `json:"by_path"`
	// Grants counts POSTs to the token endpoint by grant_type, e.g.
	// "authorization_code", "refresh_token"; "(none)" if it was missing.
	Grants map[string]int `json:"grants"`
}

// Dir returns the absolute path of the gonbauth/devserver directory, which
// holds server.mjs, its node_modules and this package. It is found from this
// source file, so it works from any working directory (go test runs in the package
// directory) but only within a source checkout of gonbauth.
func Dir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("devserver: cannot locate the package source file")
	}
	dir := filepath.Dir(file) // this package sits beside server.mjs
	if _, err := os.Stat(filepath.Join(dir, "server.mjs")); err != nil {
		return "", fmt.Errorf("devserver: server.mjs not found (is this a source checkout of gonbauth?): %w", err)
	}
	return dir, nil
}

// Start runs the development server (node server.mjs in Dir) and waits until
// it is ready to serve, at most 20 s or until ctx ends. ctx only bounds the
// start: the server runs until Close, or until this process exits.
//
// The server inherits the environment (so DEVSERVER_SECRETS_FILE, described
// in server.mjs, reaches it); Start sets DEVSERVER_PORT (0) and, from opts,
// DEVSERVER_ACCESS_TOKEN_TTL and DEVSERVER_WEB_REDIRECT_URIS.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.AccessTokenTTL < 0 {
		return nil, fmt.Errorf("devserver: negative AccessTokenTTL %v", opts.AccessTokenTTL)
	}
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	node, err := preflight(dir)
	if err != nil {
		return nil, err
	}

	// Not exec.CommandContext: ctx bounds the start only, not the server's life.
	cmd := exec.Command(node, "server.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DEVSERVER_PORT=0", "DEVSERVER_EXIT_ON_STDIN_EOF=1")
	if opts.AccessTokenTTL > 0 {
		secs := int64((opts.AccessTokenTTL + time.Second - 1) / time.Second)
		cmd.Env = append(cmd.Env, "DEVSERVER_ACCESS_TOKEN_TTL="+strconv.FormatInt(secs, 10))
	}
	if len(opts.WebRedirectURIs) > 0 {
		cmd.Env = append(cmd.Env, "DEVSERVER_WEB_REDIRECT_URIS="+strings.Join(opts.WebRedirectURIs, " "))
	}
	setProcessGroup(cmd)

	stderr := &tailBuffer{max: 4096}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	// One at a time: os/exec copies stderr from one goroutine, but the
	// stdout reader also reports stray lines there.
	cmd.Stderr = lockedio.New(io.MultiWriter(stderr, logw))
	// stdout carries the ready line; anything else there is unexpected and
	// kept with stderr for debugging. os/exec copies it in its own goroutine
	// and Wait waits for that copy, so no line is lost.
	readyc := make(chan readyLine, 1)
	found := false // only touched by os/exec's copying goroutine
	cmd.Stdout = &lineWriter{line: func(line []byte) {
		var r readyLine
		if !found && json.Unmarshal(line, &r) == nil && r.Issuer != "" {
			found = true
			readyc <- r
			return
		}
		fmt.Fprintf(cmd.Stderr, "devserver stdout: %s\n", line)
	}}
	// The server exits when this pipe closes, which the kernel does when this
	// process dies: t.Cleanup does not run when go test -timeout panics or
	// the test binary is killed, and the server must not outlive it.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	// Stop waiting for the output copiers if something inherited the pipes.
	cmd.WaitDelay = 2 * time.Second

	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devserver: starting node: %w", err)
	}
	s := &Server{
		cmd:    cmd,
		stdin:  stdin,
		done:   make(chan struct{}),
		stderr: stderr,
		// Loopback only; never send the stats requests through a proxy.
		hc: &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second},
	}

	go func() {
		s.waited = cmd.Wait()
		close(s.done)
	}()

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case r := <-readyc:
		u, err := url.Parse(r.Issuer)
		if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
			s.Close()
			return nil, fmt.Errorf("devserver: unexpected issuer %q in ready line", r.Issuer)
		}
		if len(opts.WebRedirectURIs) > 0 && r.WebClientID != WebClientID {
			s.Close()
			return nil, fmt.Errorf("devserver: the server did not register the web client (web_client_id %q): is gonbauth/devserver/server.mjs current?", r.WebClientID)
		}
		s.Issuer, s.ClientID = r.Issuer, r.ClientID
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("devserver: node server.mjs exited before it was ready (%v); stderr:\n%s", s.waited, stderr.String())
	case <-timer.C:
		s.Close()
		return nil, fmt.Errorf("devserver: not ready after %v; stderr:\n%s", startTimeout, stderr.String())
	case <-ctx.Done():
		s.Close()
		return nil, fmt.Errorf("devserver: waiting for the server to start: %w", ctx.Err())
	}
}

// preflight checks what Start needs besides the server's own files and
// returns the path of node. Its errors say what to install.
func preflight(dir string) (node string, err error) {
	node, err = exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("devserver: node not found on PATH: install Node.js 20+ (apt-get install nodejs npm): %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider", "package.json")); err != nil {
		return "", fmt.Errorf("devserver: npm dependencies are missing in %s: run: npm ci --prefix gonbauth/devserver (or make deps): %w", dir, err)
	}
	return node, nil
}

// Close stops the server: SIGTERM to its process group, then SIGKILL if it
// has not exited after 5 s. It waits for the process to exit. Calling Close
// more than once returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		defer s.hc.CloseIdleConnections()
		defer s.stdin.Close()
		select {
		case <-s.done:
			// Exited on its own: that is a failure worth reporting.
			s.closeErr = fmt.Errorf("devserver: server had already exited: %v; stderr:\n%s", s.waited, s.stderr.String())
			return
		default:
		}
		// The group, not just node: nothing the server started may outlive it.
		// Signals go only while node (the group leader) has not been reaped,
		// so the group id cannot have been reused by an unrelated process.
		if err := signalProcessGroup(s.cmd, false); err != nil {
			s.closeErr = fmt.Errorf("devserver: SIGTERM: %w", err)
		}
		timer := time.NewTimer(killDelay)
		defer timer.Stop()
		select {
		case <-s.done:
		case <-timer.C:
			_ = signalProcessGroup(s.cmd, true)
			<-s.done
			s.closeErr = fmt.Errorf("devserver: server ignored SIGTERM for %v and was killed; stderr:\n%s", killDelay, s.stderr.String())
		}
	})
	return s.closeErr
}

// Done is closed when the server's process has exited, on its own or after
// Close.
func (s *Server) Done() <-chan struct{} { return s.done }

// Stats returns the server's request counters.
func (s *Server) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	body, err := s.do(ctx, http.MethodGet, "/__devserver/stats")
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("devserver: decoding stats: %w", err)
	}
	if st.ByPath == nil {
		st.ByPath = map[string]int{}
	}
	if st.Grants == nil {
		st.Grants = map[string]int{}
	}
	return st, nil
}

// ResetStats sets the server's request counters to zero.
func (s *Server) ResetStats(ctx context.Context) error {
	_, err := s.do(ctx, http.MethodPost, "/__devserver/stats/reset")
	return err
}

func (s *Server) do(ctx context.Context, method, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.Issuer+path, nil)
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("devserver: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("devserver: %s %s: reading body: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("devserver: %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(body))
	}
	return body, nil
}

// readyLine is the line server.mjs prints on stdout once it serves.
type readyLine struct {
	Issuer      string `json:"issuer"`
	ClientID    string `json:"client_id"`
	WebClientID string `json:"web_client_id"`
}

// lineWriter calls line for each complete line written to it, without the
// newline. A last line without a newline is dropped: the server ends every
// line it prints.
type lineWriter struct {
	buf  []byte
	line func([]byte)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.line(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > 64<<10 { // not line-oriented output; do not grow forever
		w.line(w.buf)
		w.buf = nil
	}
	return len(p), nil
}

// tailBuffer keeps the last max bytes written to it, so that start failures
// can show why node failed even when Options.Log is nil.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
