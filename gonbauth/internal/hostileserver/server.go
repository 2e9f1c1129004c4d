package hostileserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/gonbauth/gonbauth/gonbauth/pkce"
)

// Server is a small OAuth 2.0 authorization server on 127.0.0.1 for the
// command's fault tests: metadata, authorization (redirecting at once with
// a code), token (code with PKCE, refresh, device), device authorization
// and revocation. It issues no ID tokens (the tests request the scopes
// "api offline_access"). Any endpoint can be made to hang, or be replaced,
// per test; everything it issues goes to its Recorder.
type Server struct {
	*httptest.Server
	rec *Recorder

	mu       sync.Mutex
	hang     map[string]bool
	arrived  map[string]chan struct{}
	next     map[string][]chan struct{}
	codes    map[string]string // code -> PKCE challenge
	refresh  string
	n        int
	calls    map[string]int // by path
	released chan struct{}
}

// Paths of the endpoints.
const (
	PathMetadata  = "/.well-known/openid-configuration"
	PathAuthorize = "/authorize"
	PathToken     = "/token"
	PathDevice    = "/device"
	PathRevoke    = "/revoke"
)

// ClientID is the only client the server knows.
const ClientID = "hostile-client"

// Start starts a Server, stopped when t ends; rec may be nil.
func Start(t testing.TB, rec *Recorder) *Server {
	s := &Server{rec: rec, hang: map[string]bool{}, arrived: map[string]chan struct{}{}, next: map[string][]chan struct{}{},
		codes: map[string]string{}, calls: map[string]int{},
		released: make(chan struct{})}
	// Assigned before serving: handlers read s.URL.
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Start()
	t.Cleanup(func() {
		close(s.released) // hung handlers return, so that Close does not wait for them
		s.Close()
	})
	return s
}

// Hang makes path answer nothing until the client gives up or the test
// ends; Arrived(path) is closed when the first such request comes in.
func (s *Server) Hang(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang[path] = true
}

// Unhang lets later requests for path through; hung ones stay hung.
func (s *Server) Unhang(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.hang, path)
}

// Arrived returns a channel closed once a request for path has arrived.
func (s *Server) Arrived(path string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arrivedLocked(path)
}

func (s *Server) arrivedLocked(path string) chan struct{} {
	ch, ok := s.arrived[path]
	if !ok {
		ch = make(chan struct{})
		s.arrived[path] = ch
	}
	return ch
}

// Next returns a channel closed when the next request for path arrives
// (one after the call): for a wait in a later process than the first.
func (s *Server) Next(path string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	s.next[path] = append(s.next[path], ch)
	return ch
}

// Calls returns how many requests path has had.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls[r.URL.Path]++
	ch := s.arrivedLocked(r.URL.Path)
	select {
	case <-ch:
	default:
		close(ch)
	}
	for _, n := range s.next[r.URL.Path] {
		close(n)
	}
	delete(s.next, r.URL.Path)
	hang := s.hang[r.URL.Path]
	s.mu.Unlock()
	if hang {
		// The server notices a client that went away only once the body is read.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-s.released:
		}
		return
	}
	switch r.URL.Path {
	case PathMetadata:
		s.metadata(w)
	case PathAuthorize:
		s.authorize(w, r)
	case PathToken:
		s.token(w, r)
	case PathDevice:
		s.device(w, r)
	case PathRevoke:
		r.ParseForm()
		s.rec.Secret("revoked token", r.PostForm.Get("token"))
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) metadata(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                         s.URL,
		"authorization_endpoint":                         s.URL + PathAuthorize,
		"token_endpoint":                                 s.URL + PathToken,
		"device_authorization_endpoint":                  s.URL + PathDevice,
		"revocation_endpoint":                            s.URL + PathRevoke,
		"scopes_supported":                               []string{"api", "offline_access"},
		"code_challenge_methods_supported":               []string{"S256"},
		"authorization_response_iss_parameter_supported": true,
	})
}

// authorize approves at once, as a user who is already signed in would.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != ClientID || q.Get("code_challenge_method") != "S256" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.n++
	code := fmt.Sprintf("hcode-%d-%s", s.n, q.Get("state")[:8])
	s.codes[code] = q.Get("code_challenge")
	s.mu.Unlock()
	s.rec.Secret("authorization code", code)
	resp := url.Values{"code": {code}, "state": {q.Get("state")}, "iss": {s.URL}}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+resp.Encode(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	s.rec.Secret("code verifier", f.Get("code_verifier"))
	w.Header().Set("Content-Type", "application/json")
	fail := func(code string) {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": code})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f.Get("grant_type") {
	case "authorization_code":
		ch, ok := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code"))
		if !ok || !pkce.Verify(f.Get("code_verifier"), ch) {
			fail("invalid_grant")
			return
		}
	case "refresh_token":
		if s.refresh == "" || f.Get("refresh_token") != s.refresh {
			fail("invalid_grant")
			return
		}
	case "urn:ietf:params:oauth:grant-type:device_code":
		fail("authorization_pending") // no one ever confirms
		return
	default:
		fail("unsupported_grant_type")
		return
	}
	s.n++
	access, refresh := fmt.Sprintf("haccess-%d-secret", s.n), fmt.Sprintf("hrefresh-%d-secret", s.n)
	s.refresh = refresh
	s.rec.Secret("access token", access)
	s.rec.Secret("refresh token", refresh)
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
		"expires_in": 3600, "scope": "api offline_access",
	})
}

func (s *Server) device(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.n++
	dc := fmt.Sprintf("hdevice-%d-secret", s.n)
	s.mu.Unlock()
	s.rec.Secret("device code", dc)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"device_code": dc, "user_code": "WDJB-MJHT", "verification_uri": s.URL + "/activate",
		"expires_in": 600, "interval": 1,
	})
}
