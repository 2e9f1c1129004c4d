// Package example serves the browser example of gonbauth's PKCE WebAssembly
// module: a page that signs in with the authorization code flow and PKCE
// entirely in the browser, against the bundled development server
// (gonbauth/devserver), and exchanges the code for tokens with fetch.
//
// Start runs two servers on 127.0.0.1, on ports the system picks:
//
//   - the development authorization server (gonbauth/devserver, started by
//     gonbauth/devserver as for every test), with its public web client
//     gonbauth-dev-web registered for this example's callback page, which
//     also makes it answer the page's cross-origin requests (CORS);
//   - the example: the page (web/index.html), its callback page, the module
//     (from wasm/dist, built by `make wasm`) and /config.json, which tells the
//     page the issuer, client and redirect URI.
//
// The page loads the module, makes the verifier, challenge and state with it,
// opens the server's sign-in page in a popup (or, with ?mode=redirect, in the
// same tab), checks state and iss on the callback, posts the code and verifier
// to the token endpoint, calls userinfo with the access token, and reports who
// signed in to the example server (never a token), which Server.Wait returns.
//
// Run it by hand with `go run ./wasm/example/serve`; notebooks/browser-pkce.ipynb
// shows the page in a GoNB cell (NotebookHTML, with NotebookText as its
// text/plain alternative).
package example

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/devserver"
)

//go:embed web
var webFS embed.FS

// WebClientID is the development server's public web client.
const WebClientID = devserver.WebClientID

// Options configure Start. Zero values mean defaults.
type Options struct {
	// DistDir holds the built module (gonbauth.wasm, gonbauth.mjs,
	// wasm_exec.js, and gonbauth.wasm.br, served when the browser accepts it).
	// Default: wasm/dist in this checkout (make wasm).
	DistDir string

	// Log receives the development server's stderr. nil discards it.
	// As with devserver.Options.Log, writes come one at a time and have
	// ended when Start returns an error or Close returns.
	Log io.Writer
}

// Result is what the page reports once it holds tokens. The tokens
// themselves stay in the browser.
type Result struct {
	Subject   string `json:"sub"`        // from the userinfo endpoint
	TokenType string `json:"token_type"` // "Bearer"
	ExpiresIn int    `json:"expires_in"`
	Scope     string `json:"scope"`
	Mode      string `json:"mode"` // "popup" or "redirect"
}

// Server is a running example. Close stops it.
type Server struct {
	// URL is the example page, http://127.0.0.1:PORT/.
	URL string
	// Issuer is the development server's issuer, http://127.0.0.1:PORT.
	Issuer string
	// RedirectURI is the callback page registered for WebClientID.
	RedirectURI string

	http    *http.Server
	auth    *devserver.Server
	results chan Result

	closeOnce sync.Once
	closeErr  error
}

// repoDir is the root of the checkout this file is in.
func repoDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("example: cannot locate the package source")
	}
	return filepath.Join(filepath.Dir(file), "..", ".."), nil
}

// Start starts the development server and the example. ctx bounds the start
// only.
func Start(ctx context.Context, opts Options) (*Server, error) {
	repo, err := repoDir()
	if err != nil {
		return nil, err
	}
	dist := opts.DistDir
	if dist == "" {
		dist = filepath.Join(repo, "wasm", "dist")
	}
	for _, f := range []string{"gonbauth.wasm", "gonbauth.mjs", "wasm_exec.js"} {
		if _, err := os.Stat(filepath.Join(dist, f)); err != nil {
			return nil, fmt.Errorf("example: the module is not built (run make wasm): %w", err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("example: %w", err)
	}
	origin := "http://" + ln.Addr().String()
	s := &Server{
		URL:         origin + "/",
		RedirectURI: origin + "/callback.html",
		results:     make(chan Result, 16),
	}
	s.auth, err = devserver.Start(ctx, devserver.Options{WebRedirectURIs: []string{s.RedirectURI}, Log: opts.Log})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("example: %w", err)
	}
	s.Issuer = s.auth.Issuer
	s.http = &http.Server{Handler: s.handler(dist, origin), ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(ln)
	return s, nil
}

func (s *Server) handler(dist, origin string) http.Handler {
	web, _ := fs.Sub(webFS, "web")
	mux := http.NewServeMux()
	page := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			http.ServeFileFS(w, r, web, name)
		}
	}
	mux.HandleFunc("GET /{$}", page("index.html"))
	mux.HandleFunc("GET /callback.html", page("callback.html"))
	mux.HandleFunc("GET /app.mjs", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, web, "app.mjs")
	})
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"issuer":       s.Issuer,
			"client_id":    WebClientID,
			"redirect_uri": s.RedirectURI,
			"scope":        "openid profile",
		})
	})
	mux.HandleFunc("GET /dist/{file}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		switch name {
		case "gonbauth.mjs", "wasm_exec.js":
			http.ServeFile(w, r, filepath.Join(dist, name))
		case "gonbauth.wasm":
			w.Header().Set("Content-Type", "application/wasm")
			w.Header().Add("Vary", "Accept-Encoding")
			br := filepath.Join(dist, "gonbauth.wasm.br")
			if _, err := os.Stat(br); err == nil && acceptsBrotli(r) {
				w.Header().Set("Content-Encoding", "br")
				http.ServeFile(w, r, br)
				return
			}
			http.ServeFile(w, r, filepath.Join(dist, name))
		default:
			http.NotFound(w, r)
		}
	})
	mux.HandleFunc("POST /done", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != origin {
			http.Error(w, "wrong origin", http.StatusForbidden)
			return
		}
		var res Result
		if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&res); err != nil || res.Subject == "" {
			http.Error(w, "bad result", http.StatusBadRequest)
			return
		}
		select {
		case s.results <- res:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		// The callback URL carries the code: never send it on as a Referer.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}

func acceptsBrotli(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "br") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// Wait returns the next sign-in the page reports, or ctx's error.
func (s *Server) Wait(ctx context.Context) (Result, error) {
	select {
	case r := <-s.results:
		return r, nil
	case <-s.auth.Done():
		return Result{}, errors.New("example: the development server exited")
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// NotebookHTML is the example for a notebook's output: the page in an
// iframe, so that it runs on its own origin (the one registered with the
// authorization server, for the redirect URI and CORS) rather than on the
// notebook's, and a link to open it in a tab.
func (s *Server) NotebookHTML() string {
	u := html.EscapeString(s.URL)
	return `<div class="gonbauth-wasm-example">` +
		`<iframe src="` + u + `" title="gonbauth PKCE WebAssembly example" ` +
		`style="width:100%;max-width:46em;height:30em;border:1px solid #bbb;border-radius:4px"></iframe>` +
		`<p style="font-size:90%">The page above is served by this cell at <a href="` + u + `" target="_blank" rel="noopener">` + u + `</a> ` +
		`(open it in a tab if the frame stays blank). It signs in against ` + html.EscapeString(s.Issuer) + `; any user name and password work.</p></div>`
}

// NotebookText is the plain-text alternative of NotebookHTML, for front ends
// and saved notebooks that do not render HTML: the page's URL alone on a
// line, and what to do with it. Show both together, e.g. with gonbui.SendData
// and a protocol.DisplayData holding text/html and text/plain.
func (s *Server) NotebookText() string {
	return "The example page of gonbauth's PKCE WebAssembly module is served by this cell at:\n" +
		s.URL + "\n" +
		"Open it in a browser on this machine and click Sign in; it signs in against " + s.Issuer +
		" (any user name and password work). This cell waits for the page to report who signed in.\n"
}

// Close stops the example and the development server.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err1 := s.http.Shutdown(ctx)
		if err1 != nil {
			s.http.Close()
		}
		err2 := s.auth.Close()
		s.closeErr = errors.Join(err1, err2)
	})
	return s.closeErr
}
