package gonbauth

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gonbauth/gonbauth/gonbauth/internal/jwttest"
	"github.com/gonbauth/gonbauth/gonbauth/pkce"
)

// fakeServer is a small, strict authorization server for unit tests: it
// checks PKCE, redirect_uri and codes like a real one. The end-to-end tests
// use the real oidc-provider instead.
type fakeServer struct {
	*httptest.Server
	t testing.TB

	// Settings, changed before the flow starts.
	methods    []string // code_challenge_methods_supported
	issParam   bool     // advertise and send RFC 9207 iss
	sendIss    string   // iss to send instead of the issuer, if set
	authError  string   // error to redirect with instead of a code
	errorDesc  string
	tokenError string // error from the token endpoint
	noRefresh  bool
	expiresIn  int
	// idClaims changes the ID token's claims before signing; tamper
	// changes its payload after.
	idClaims func(map[string]any)
	tamper   bool

	mu          sync.Mutex
	codes       map[string]codeGrant
	refresh     string // the one valid refresh token
	issued      int
	tokenCalls  map[string]int // by grant_type
	requests    int            // every request, of any kind
	lastAuthReq url.Values
}

type codeGrant struct{ challenge, redirectURI, nonce string }

// fakeKeyID is the key ID of the fake server's signing key, jwttest.Key.
const fakeKeyID = "k1"

func (f *fakeServer) jwks(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(jwttest.KeySet(fakeKeyID))
}

// idToken signs an ID token for this server, as a real one would.
func (f *fakeServer) idToken(nonce string) string {
	claims := map[string]any{
		"iss": f.URL, "sub": "alice", "aud": "test-client",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
		"name": "Alice <b>Liddell</b>", "email": "alice@example.test",
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if f.idClaims != nil {
		f.idClaims(claims)
	}
	payload, _ := json.Marshal(claims)
	raw := jwttest.Sign(jose.RS256, jwttest.Key(), fakeKeyID, payload)
	if f.tamper {
		parts := strings.Split(raw, ".")
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), "alice", "mallory", 1)))
		raw = strings.Join(parts, ".")
	}
	return raw
}

func newFakeServer(t testing.TB) *fakeServer { return newWrappedFakeServer(t, nil) }

// newWrappedFakeServer is newFakeServer with wrap (if not nil) around its
// handlers, as the benchmarks use to time them.
func newWrappedFakeServer(t testing.TB, wrap func(http.Handler) http.Handler) *fakeServer {
	f := &fakeServer{t: t, methods: []string{"S256"}, issParam: true, expiresIn: 3600,
		codes: map[string]codeGrant{}, tokenCalls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", f.metadata)
	mux.HandleFunc("/authorize", f.authorize)
	mux.HandleFunc("/token", f.token)
	mux.HandleFunc("/userinfo", f.userinfo)
	mux.HandleFunc("/jwks", f.jwks)
	var h http.Handler = mux
	if wrap != nil {
		h = wrap(mux)
	}
	// Assign before serving, so that handlers reading f.URL do not race.
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests++
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	f.Start()
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) metadata(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]any{
		"issuer":                           f.URL,
		"authorization_endpoint":           f.URL + "/authorize",
		"token_endpoint":                   f.URL + "/token",
		"userinfo_endpoint":                f.URL + "/userinfo",
		"jwks_uri":                         f.URL + "/jwks",
		"scopes_supported":                 []string{"openid", "profile", "email", "offline_access"},
		"code_challenge_methods_supported": f.methods,
		"authorization_response_iss_parameter_supported": f.issParam,
	})
}

func (f *fakeServer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.lastAuthReq = q
	f.mu.Unlock()
	if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	resp := url.Values{"state": {q.Get("state")}}
	if f.issParam {
		resp.Set("iss", f.URL)
		if f.sendIss != "" {
			resp.Set("iss", f.sendIss)
		}
	}
	if f.authError != "" {
		resp.Set("error", f.authError)
		resp.Set("error_description", f.errorDesc)
	} else {
		f.mu.Lock()
		f.issued++
		code := fmt.Sprintf("code-%d-secret", f.issued)
		f.codes[code] = codeGrant{q.Get("code_challenge"), q.Get("redirect_uri"), q.Get("nonce")}
		f.mu.Unlock()
		leaks.Secret("authorization code", code)
		resp.Set("code", code)
	}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+resp.Encode(), http.StatusFound)
}

func (f *fakeServer) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	grant := r.PostForm.Get("grant_type")
	f.tokenCalls[grant]++
	w.Header().Set("Content-Type", "application/json")
	fail := func(code, desc string) {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	leaks.Secret("code verifier", r.PostForm.Get("code_verifier"))
	if f.tokenError != "" {
		leaks.Echoed(r.PostForm.Get("code")) // the server's own words
		fail(f.tokenError, "the server says no to "+r.PostForm.Get("code"))
		return
	}
	var nonce string
	switch grant {
	case "authorization_code":
		// The client is authenticated before the code is looked at
		// (RFC 6749 §4.1.3), so a refused client leaves the code unused.
		if r.PostForm.Get("client_id") != "test-client" {
			fail("invalid_client", "client_id missing from the body")
			return
		}
		g, ok := f.codes[r.PostForm.Get("code")]
		nonce = g.nonce
		delete(f.codes, r.PostForm.Get("code"))
		switch {
		case !ok:
			fail("invalid_grant", "unknown code")
			return
		case g.redirectURI != r.PostForm.Get("redirect_uri"):
			fail("invalid_grant", "redirect_uri mismatch")
			return
		case !pkce.Verify(r.PostForm.Get("code_verifier"), g.challenge):
			fail("invalid_grant", "PKCE verification failed")
			return
		}
	case "refresh_token":
		if f.refresh == "" || r.PostForm.Get("refresh_token") != f.refresh {
			fail("invalid_grant", "refresh token is invalid")
			return
		}
	default:
		fail("unsupported_grant_type", grant)
		return
	}
	f.issued++
	resp := map[string]any{
		"access_token": fmt.Sprintf("access-%d-secret", f.issued),
		"token_type":   "Bearer",
		"expires_in":   f.expiresIn,
		"id_token":     f.idToken(nonce),
		"scope":        "openid profile email offline_access",
	}
	if !f.noRefresh {
		f.refresh = fmt.Sprintf("refresh-%d-secret", f.issued)
		resp["refresh_token"] = f.refresh
	}
	for k, v := range resp {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "_token") {
			leaks.Secret(k, s)
		}
	}
	json.NewEncoder(w).Encode(resp)
}

func (f *fakeServer) userinfo(w http.ResponseWriter, r *http.Request) {
	if len(r.Header.Get("Authorization")) < len("Bearer access-") {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"sub": "alice", "name": "Alice <b>Liddell</b>", "email": "alice@example.test"})
}

func (f *fakeServer) calls(grant string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCalls[grant]
}

func (f *fakeServer) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}
