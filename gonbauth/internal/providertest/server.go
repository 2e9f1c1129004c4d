// Package providertest runs local stand-ins for the sign-in providers
// gonbauth supports: Google, Microsoft Entra ID, GitHub, GitLab, Okta,
// Auth0, Keycloak, Amazon Cognito, and a generic RFC 8414 server.
//
// Each stand-in listens on 127.0.0.1 on a free port, is stopped when the
// test ends, and follows its provider's own documentation and published
// metadata: the metadata's field set and issuer format, the redirect URI
// rules, the shape of token answers and errors, refresh (and rotation),
// the device grant, the user endpoint and revocation (or its absence).
// Every behaviour cites the document it comes from, in the provider's
// file. This file is the shared core: ID tokens signed with a generated
// RSA key, the JWKS, code and PKCE bookkeeping, and an authorization
// endpoint that approves a fixed user at once and redirects, so a test
// "browser" (see Browse) can follow the sign-in link a program printed.
//
// The authorization endpoint always enforces PKCE with S256 and the
// provider's redirect rules: a redirect_uri the real provider would
// refuse is refused the same way (an error page, or a redirect to the
// registered address where that is what the provider does).
package providertest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gonbauth/gonbauth/gonbauth/internal/jwttest"
	"github.com/gonbauth/gonbauth/gonbauth/pkce"
)

// Name names a provider, as gonbauth's Config.Provider does.
type Name string

// The providers with a stand-in.
const (
	Google    Name = "google"
	Microsoft Name = "microsoft"
	GitHub    Name = "github"
	GitLab    Name = "gitlab"
	Okta      Name = "okta"
	Auth0     Name = "auth0"
	Keycloak  Name = "keycloak"
	Cognito   Name = "cognito"
	Generic   Name = "generic"
)

// All lists every named provider (not Generic).
var All = []Name{Google, Microsoft, GitHub, GitLab, Okta, Auth0, Keycloak, Cognito}

// Options change a stand-in's registration. Zero values take the
// provider's defaults, which its file documents.
type Options struct {
	// ClientID and ClientSecret are the registered client's.
	ClientID, ClientSecret string

	// RedirectURIs are the registered redirect URIs. Providers that match
	// them exactly (Okta, Auth0, Cognito) need the test's port in them.
	RedirectURIs []string

	// ClientType is the kind of client registered: for Google "desktop"
	// (default) or "tv" (TVs and Limited Input devices); for GitHub
	// "github-app" (default, with expiring user tokens) or "oauth-app".
	ClientType string

	// DeviceDisabled registers a client that may not use the device grant
	// (the provider's setting is off, or its client type refuses it).
	DeviceDisabled bool

	// Tenant is Microsoft's authority in the URL: "organizations"
	// (default), "common", "consumers" or a tenant ID.
	Tenant string
	// UserTenant is the Microsoft tenant (tid) of the user who signs in.
	// Default: HomeTenant.
	UserTenant string
	// ForgeTID makes Microsoft's ID token carry a tid claim other than
	// the tenant that issued it, as an attacker's token would.
	ForgeTID bool

	// Interval is the device grant's polling interval in seconds.
	// Default: the provider's documented value (5). Tests use 1.
	Interval int

	// ExpiresIn is the access token's lifetime in seconds. Default: the
	// provider's documented lifetime.
	ExpiresIn int
}

// User is the fixed user every stand-in signs in.
type User struct {
	Subject, Login, Name, Email string
}

// Request is a request a stand-in received, for assertions.
type Request struct {
	Endpoint   string // "authorize", "token", "device", "revoke", "user", "metadata", "verify"
	Method     string
	Form       url.Values // query and body
	Header     http.Header
	ClientAuth string // "basic", "post" or "none", for token, device and revoke
}

// Server is a running stand-in.
type Server struct {
	Name Name
	// URL is the server's base, http://127.0.0.1:PORT.
	URL string
	// Issuer is what Config.Issuer is set to. For GitHub it is the base
	// URL, as for GitHub Enterprise Server.
	Issuer string
	// ClientID and ClientSecret are the registered client's.
	ClientID, ClientSecret string
	// RedirectURIs are the registered redirect URIs.
	RedirectURIs []string
	User         User
	Opts         Options

	p   *profile
	srv *httptest.Server

	mu       sync.Mutex
	n        int
	codes    map[string]*grant
	access   map[string]*grant
	refresh  map[string]*grant
	devices  map[string]*deviceGrant
	requests []Request
	revoked  []string
}

// grant is what a code, token or device code stands for.
type grant struct {
	clientID, redirectURI, challenge, nonce string
	scopes                                  []string
	params                                  url.Values // the authorization request
	expiry                                  time.Time
}

type deviceGrant struct {
	grant
	userCode  string
	approved  bool
	lastPoll  time.Time
	expiresAt time.Time
}

// oauthError is an error answer, written by the provider's writeError.
type oauthError struct {
	Status      int
	Code, Desc  string
	Description string
}

// profile is a provider's behaviour; each provider's file builds one.
type profile struct {
	// issuerPath is the issuer's path under the base URL; metadata is
	// served at issuerPath + "/.well-known/openid-configuration" unless
	// metadata is nil.
	issuerPath string
	wellKnown  string // default "/.well-known/openid-configuration"
	metadata   func(s *Server) map[string]any
	// paths of the endpoints ("" when the provider has none).
	auth, token, device, verify, userinfo, revoke, jwks string

	clientID, clientSecret string
	redirects              []string
	user                   User
	interval, expiresIn    int

	// redirectOK says whether redirect_uri matches a registered one.
	redirectOK func(s *Server, got string) bool
	// refuseRedirect answers an authorization request whose redirect_uri
	// is not registered. Default: an HTTP 400 page, no redirect.
	refuseRedirect func(s *Server, w http.ResponseWriter, r *http.Request)
	// sendIss adds RFC 9207's iss to the authorization response.
	sendIss bool
	// scopeErrorPage: a refused scope gets an error page, not a redirect.
	scopeErrorPage bool
	// checkScope refuses an authorization (or device) request's scopes.
	checkScope func(s *Server, scopes []string, device bool) *oauthError
	// checkClient checks the client's authentication at the token,
	// device and revocation endpoints.
	checkClient func(s *Server, c client, endpoint string) *oauthError
	// issueRefresh says whether a grant gets a refresh token.
	issueRefresh func(s *Server, g *grant) bool
	// rotate: a refresh returns a new refresh token; revokeOld: and the
	// old one stops working.
	rotate, revokeOld bool
	// idToken says whether an ID token is issued; claims adds to it.
	idToken func(s *Server, g *grant) bool
	claims  func(s *Server, g *grant, c map[string]any)
	// tokenExtra adds provider fields to a token answer.
	tokenExtra func(s *Server, g *grant, body map[string]any)
	// deviceAnswer builds the device authorization answer.
	deviceAnswer func(s *Server, d *deviceGrant, base map[string]any) map[string]any
	// deviceRefused refuses a device authorization request.
	deviceRefused func(s *Server) *oauthError
	// userAnswer is the user endpoint's body.
	userAnswer func(s *Server, g *grant) any
	// revokeAnswer handles the revocation endpoint, when it is not RFC 7009.
	revokeHandler func(s *Server, w http.ResponseWriter, r *http.Request)
	// writeToken and writeError write the token endpoint's answers.
	// Default: JSON, errors with their Status (400 if unset).
	writeToken func(w http.ResponseWriter, r *http.Request, body map[string]any)
	writeError func(w http.ResponseWriter, r *http.Request, e *oauthError)
	// routes adds provider-only handlers.
	routes func(s *Server, mux *http.ServeMux)
}

type client struct{ id, secret, method, grant string }

var profiles = map[Name]func(o Options) *profile{}

// keyID names jwttest.Key, which every stand-in signs with.
const keyID = "providertest-1"

// Start runs the named provider's stand-in until the test ends.
func Start(t testing.TB, name Name, opts Options) *Server {
	t.Helper()
	build, ok := profiles[name]
	if !ok {
		t.Fatalf("providertest: no stand-in for %q", name)
	}
	p := build(opts)
	s := &Server{
		Name: name, p: p, Opts: opts, User: p.user,
		ClientID:     pickString(opts.ClientID, p.clientID),
		ClientSecret: pickString(opts.ClientSecret, p.clientSecret),
		RedirectURIs: opts.RedirectURIs,
		codes:        map[string]*grant{}, access: map[string]*grant{},
		refresh: map[string]*grant{}, devices: map[string]*deviceGrant{},
	}
	if len(s.RedirectURIs) == 0 {
		s.RedirectURIs = p.redirects
	}
	if opts.Interval == 0 {
		s.Opts.Interval = p.interval
	}
	if opts.ExpiresIn == 0 {
		s.Opts.ExpiresIn = p.expiresIn
	}
	mux := http.NewServeMux()
	if p.metadata != nil {
		mux.HandleFunc("GET "+strings.TrimSuffix(p.issuerPath, "/")+pickString(p.wellKnown, "/.well-known/openid-configuration"), s.serveMetadata)
	}
	handle := func(path string, h http.HandlerFunc) {
		if path != "" {
			mux.HandleFunc(path, h)
		}
	}
	handle(p.auth, s.authorize)
	handle(p.token, s.tokenEndpoint)
	handle(p.device, s.deviceAuthorization)
	handle(p.verify, s.verifyDevice)
	handle(p.userinfo, s.userEndpoint)
	handle(p.jwks, s.serveJWKS)
	if p.revoke != "" {
		if p.revokeHandler != nil {
			mux.HandleFunc(p.revoke, func(w http.ResponseWriter, r *http.Request) { p.revokeHandler(s, w, r) })
		} else {
			mux.HandleFunc(p.revoke, s.revokeEndpoint)
		}
	}
	if p.routes != nil {
		p.routes(s, mux)
	}
	s.srv = httptest.NewUnstartedServer(mux)
	// Set the addresses before serving, so that handlers reading them do
	// not race with Start (requests may come from another process).
	s.URL = "http://" + s.srv.Listener.Addr().String()
	s.Issuer = s.URL + p.issuerPath
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

func pickString(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// Endpoint returns the full URL of one of the stand-in's endpoints:
// "authorize", "token", "device", "verify", "user", "revoke", "jwks".
func (s *Server) Endpoint(kind string) string {
	path := map[string]string{"authorize": s.p.auth, "token": s.p.token, "device": s.p.device,
		"verify": s.p.verify, "user": s.p.userinfo, "revoke": s.p.revoke, "jwks": s.p.jwks}[kind]
	if path == "" {
		return ""
	}
	path = strings.TrimPrefix(path, "GET ")
	path = strings.TrimPrefix(path, "POST ")
	path = strings.TrimPrefix(path, "DELETE ")
	return s.URL + strings.ReplaceAll(path, "{client_id}", s.ClientID)
}

// Requests returns the requests received at one endpoint kind.
func (s *Server) Requests(endpoint string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Endpoint == endpoint {
			out = append(out, r)
		}
	}
	return out
}

// Grants counts the token requests of one grant type that succeeded.
func (s *Server) Grants(grantType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Endpoint == "token-ok" && r.Form.Get("grant_type") == grantType {
			n++
		}
	}
	return n
}

// Revoked returns the tokens revoked so far.
func (s *Server) Revoked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.revoked)
}

// TokenValid says whether an access token is still accepted by the
// user endpoint.
func (s *Server) TokenValid(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.access[tok]
	return ok
}

func (s *Server) record(endpoint string, r *http.Request, c client) {
	r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Endpoint: endpoint, Method: r.Method, Form: cloneValues(r.Form), Header: r.Header.Clone(), ClientAuth: c.method})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func (s *Server) next(prefix string) string {
	s.n++
	b := make([]byte, 12)
	rand.Read(b)
	return fmt.Sprintf("%s%d_%s", prefix, s.n, base64.RawURLEncoding.EncodeToString(b))
}

func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	s.record("metadata", r, client{})
	writeJSON(w, http.StatusOK, s.p.metadata(s))
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jwttest.KeySet(keyID))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// errorPage is what a provider shows when it will not redirect: an HTML
// page the browser stays on (RFC 6749 section 4.1.2.1).
func errorPage(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>Error</title><p>%s</p>", htmlEscape(text))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// authorize approves the fixed user at once, after the checks the real
// provider makes: the client, the redirect URI (by the provider's rule),
// response_type, PKCE S256 and the scopes.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	s.record("authorize", r, client{})
	q := r.Form
	if q.Get("client_id") != s.ClientID {
		errorPage(w, http.StatusBadRequest, "unknown client_id")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" || !s.p.redirectOK(s, redirect) {
		if s.p.refuseRedirect != nil {
			s.p.refuseRedirect(s, w, r)
			return
		}
		errorPage(w, http.StatusBadRequest, "redirect_uri mismatch: "+redirect)
		return
	}
	back := func(v url.Values) {
		v.Set("state", q.Get("state"))
		if s.p.sendIss {
			v.Set("iss", s.Issuer)
		}
		sep := "?"
		if strings.Contains(redirect, "?") {
			sep = "&"
		}
		http.Redirect(w, r, redirect+sep+v.Encode(), http.StatusFound)
	}
	fail := func(code, desc string) { back(url.Values{"error": {code}, "error_description": {desc}}) }
	if q.Get("response_type") != "code" {
		fail("unsupported_response_type", "response_type must be code")
		return
	}
	// PKCE, S256 only (RFC 7636 section 4.3), as the brief requires of
	// every stand-in: a request without it, or with plain, is refused.
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 {
		fail("invalid_request", "code_challenge with code_challenge_method=S256 is required")
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if s.p.checkScope != nil {
		if e := s.p.checkScope(s, scopes, false); e != nil {
			if s.p.scopeErrorPage {
				errorPage(w, http.StatusBadRequest, "Error 400: "+e.Code+" "+e.Desc)
				return
			}
			fail(e.Code, e.Desc)
			return
		}
	}
	s.mu.Lock()
	code := s.next("code_")
	s.codes[code] = &grant{clientID: s.ClientID, redirectURI: redirect, challenge: q.Get("code_challenge"),
		nonce: q.Get("nonce"), scopes: scopes, params: cloneValues(q), expiry: time.Now().Add(10 * time.Minute)}
	s.mu.Unlock()
	back(url.Values{"code": {code}})
}

// clientOf reads the client's authentication: HTTP Basic (RFC 6749
// section 2.3.1, form-encoded credentials) or the body.
func clientOf(r *http.Request) client {
	if id, secret, ok := r.BasicAuth(); ok {
		uid, _ := url.QueryUnescape(id)
		usecret, _ := url.QueryUnescape(secret)
		return client{uid, usecret, "basic", r.PostForm.Get("grant_type")}
	}
	if r.PostForm.Get("client_secret") != "" {
		return client{r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), "post", r.PostForm.Get("grant_type")}
	}
	return client{r.PostForm.Get("client_id"), "", "none", r.PostForm.Get("grant_type")}
}

func (s *Server) writeToken(w http.ResponseWriter, r *http.Request, body map[string]any) {
	if s.p.writeToken != nil {
		s.p.writeToken(w, r, body)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, e *oauthError) {
	if s.p.writeError != nil {
		s.p.writeError(w, r, e)
		return
	}
	writeJSON(w, cmpOr(e.Status, http.StatusBadRequest), errorBody(e))
}

func errorBody(e *oauthError) map[string]any {
	body := map[string]any{"error": e.Code}
	if e.Desc != "" {
		body["error_description"] = e.Desc
	}
	return body
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// checkClient applies the provider's rule, or the default: the client ID
// must match, and a secret, when sent or registered, must be right.
func (s *Server) checkClient(c client, endpoint string) *oauthError {
	if s.p.checkClient != nil {
		return s.p.checkClient(s, c, endpoint)
	}
	if c.id != s.ClientID || (c.secret != "" && c.secret != s.ClientSecret) {
		return &oauthError{Status: 401, Code: "invalid_client", Desc: "client authentication failed"}
	}
	return nil
}

// clientPost starts the endpoints a client POSTs to: the form parsed, the
// request recorded, the client authenticated as the provider does. It
// answers a refusal itself and reports false then.
func (s *Server) clientPost(w http.ResponseWriter, r *http.Request, endpoint string) (client, bool) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return client{}, false
	}
	r.ParseForm()
	c := clientOf(r)
	s.record(endpoint, r, c)
	if e := s.checkClient(c, endpoint); e != nil {
		s.writeError(w, r, e)
		return client{}, false
	}
	return c, true
}

func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	c, ok := s.clientPost(w, r, "token")
	if !ok {
		return
	}
	var g *grant
	var e *oauthError
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "authorization_code":
		g, e = s.redeemCode(r)
	case "refresh_token":
		g, e = s.redeemRefresh(r)
	case "urn:ietf:params:oauth:grant-type:device_code":
		if s.p.device == "" {
			e = &oauthError{Code: "unsupported_grant_type", Desc: gt}
		} else {
			g, e = s.redeemDevice(r)
		}
	default:
		e = &oauthError{Code: "unsupported_grant_type", Desc: gt}
	}
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	body := s.issue(g, r.PostForm.Get("grant_type"))
	s.record("token-ok", r, c)
	s.writeToken(w, r, body)
}

func (s *Server) redeemCode(r *http.Request) (*grant, *oauthError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := r.PostForm.Get("code")
	g, ok := s.codes[code]
	invalid := &oauthError{Code: "invalid_grant", Desc: "the authorization code is invalid, expired or already used"}
	switch {
	case !ok || time.Now().After(g.expiry):
		return nil, invalid
	case g.redirectURI != r.PostForm.Get("redirect_uri"):
		return nil, &oauthError{Code: "invalid_grant", Desc: "redirect_uri does not match the authorization request"}
	case !pkce.Verify(r.PostForm.Get("code_verifier"), g.challenge):
		return nil, &oauthError{Code: "invalid_grant", Desc: "PKCE verification failed"}
	}
	delete(s.codes, code)
	return g, nil
}

func (s *Server) redeemRefresh(r *http.Request) (*grant, *oauthError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := r.PostForm.Get("refresh_token")
	g, ok := s.refresh[rt]
	if !ok {
		return nil, &oauthError{Code: "invalid_grant", Desc: "the refresh token is invalid or revoked"}
	}
	if s.p.revokeOld {
		delete(s.refresh, rt)
	}
	ng := *g
	ng.nonce = "" // a refreshed ID token carries no nonce (OIDC Core 12.2)
	ng.params = cloneValues(g.params)
	ng.params.Set("refreshed_from", rt)
	return &ng, nil
}

// issue makes a token answer for g.
func (s *Server) issue(g *grant, grantType string) map[string]any {
	s.mu.Lock()
	at := s.next("at_")
	exp := s.Opts.ExpiresIn
	ag := *g
	ag.expiry = time.Now().Add(time.Duration(exp) * time.Second)
	s.access[at] = &ag
	body := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": exp,
		"scope": strings.Join(g.scopes, " ")}
	refreshed := grantType == "refresh_token"
	wantRefresh := s.p.issueRefresh != nil && s.p.issueRefresh(s, g)
	if wantRefresh && (!refreshed || s.p.rotate) {
		rt := s.next("rt_")
		s.refresh[rt] = g
		body["refresh_token"] = rt
	}
	s.mu.Unlock()
	if s.p.idToken != nil && s.p.idToken(s, g) {
		body["id_token"] = s.signIDToken(g)
	}
	if s.p.tokenExtra != nil {
		s.p.tokenExtra(s, g, body)
	}
	return body
}

// signIDToken signs an ID token for the fixed user (OpenID Connect Core
// section 2).
func (s *Server) signIDToken(g *grant) string {
	now := time.Now()
	c := map[string]any{
		"iss": s.Issuer, "sub": s.User.Subject, "aud": s.ClientID,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"name": s.User.Name, "email": s.User.Email,
	}
	if g.nonce != "" {
		c["nonce"] = g.nonce
	}
	if s.p.claims != nil {
		s.p.claims(s, g, c)
	}
	payload, _ := json.Marshal(c)
	return jwttest.Sign(jose.RS256, jwttest.Key(), keyID, payload)
}

// deviceAuthorization is RFC 8628 section 3.1-3.2, in the provider's
// shape.
func (s *Server) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.clientPost(w, r, "device"); !ok {
		return
	}
	if s.p.deviceRefused != nil {
		if e := s.p.deviceRefused(s); e != nil {
			s.writeError(w, r, e)
			return
		}
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	if s.p.checkScope != nil {
		if e := s.p.checkScope(s, scopes, true); e != nil {
			s.writeError(w, r, e)
			return
		}
	}
	s.mu.Lock()
	d := &deviceGrant{grant: grant{clientID: s.ClientID, scopes: scopes, params: cloneValues(r.PostForm)},
		userCode: userCode(), expiresAt: time.Now().Add(15 * time.Minute)}
	dc := s.next("dc_")
	s.devices[dc] = d
	s.mu.Unlock()
	base := map[string]any{
		"device_code": dc, "user_code": d.userCode, "expires_in": 900, "interval": s.Opts.Interval,
		"verification_uri":          s.Endpoint("verify"),
		"verification_uri_complete": s.Endpoint("verify") + "?user_code=" + url.QueryEscape(d.userCode),
	}
	if s.p.deviceAnswer != nil {
		base = s.p.deviceAnswer(s, d, base)
	}
	s.writeToken(w, r, base)
}

func userCode() string {
	const letters = "BCDFGHJKLMNPQRSTVWXZ"
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b[:4]) + "-" + string(b[4:])
}

// verifyDevice is the page the user opens: with user_code (in the query
// or a form) it approves the fixed user's sign-in, as the real page does
// after the user signs in and confirms.
func (s *Server) verifyDevice(w http.ResponseWriter, r *http.Request) {
	s.record("verify", r, client{})
	code := strings.ToUpper(strings.TrimSpace(r.Form.Get("user_code")))
	if code == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Device sign-in</title><form method="post"><input name="user_code"><button>Next</button></form>`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == code {
			d.approved = true
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><title>Device connected</title><p>Device connected. You can close this window.</p>`)
			return
		}
	}
	errorPage(w, http.StatusBadRequest, "That code is not valid.")
}

// redeemDevice is RFC 8628 section 3.4-3.5.
func (s *Server) redeemDevice(r *http.Request) (*grant, *oauthError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dc := r.PostForm.Get("device_code")
	d, ok := s.devices[dc]
	switch {
	case !ok:
		return nil, &oauthError{Code: "invalid_grant", Desc: "unknown device_code"}
	case time.Now().After(d.expiresAt):
		return nil, &oauthError{Code: "expired_token", Desc: "the device code expired"}
	case !d.approved:
		d.lastPoll = time.Now()
		return nil, &oauthError{Code: "authorization_pending", Desc: "the user has not yet approved"}
	}
	delete(s.devices, dc)
	g := d.grant
	return &g, nil
}

// bearer reads an access token from Authorization: "Bearer x", or
// GitHub's "token x".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for _, p := range []string{"Bearer ", "bearer ", "token "} {
		if strings.HasPrefix(h, p) {
			return strings.TrimSpace(h[len(p):])
		}
	}
	return ""
}

func (s *Server) userEndpoint(w http.ResponseWriter, r *http.Request) {
	s.record("user", r, client{})
	s.mu.Lock()
	g, ok := s.access[bearer(r)]
	s.mu.Unlock()
	if !ok || time.Now().After(g.expiry) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	answer := oidcUser
	if s.p.userAnswer != nil {
		answer = s.p.userAnswer
	}
	writeJSON(w, http.StatusOK, answer(s, g))
}

// oidcUser is the standard userinfo answer (OpenID Connect Core 5.3.2).
func oidcUser(s *Server, _ *grant) any {
	return map[string]any{"sub": s.User.Subject, "name": s.User.Name, "email": s.User.Email, "email_verified": true}
}

// revokeEndpoint is RFC 7009: the token, and for a refresh token the
// access tokens of its grant, stop working. Unknown tokens get 200.
func (s *Server) revokeEndpoint(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.clientPost(w, r, "revoke"); !ok {
		return
	}
	s.revokeToken(r.Form.Get("token"))
	w.WriteHeader(http.StatusOK)
}

func (s *Server) revokeToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok == "" {
		return
	}
	s.revoked = append(s.revoked, tok)
	if g, ok := s.refresh[tok]; ok {
		delete(s.refresh, tok)
		for at, ag := range s.access {
			if ag.clientID == g.clientID {
				delete(s.access, at)
			}
		}
	}
	delete(s.access, tok)
}

// Matching rules for redirect URIs, used by the providers' files.

// matchExact is a simple string comparison (RFC 6749 section 3.1.2.3,
// RFC 3986 section 6.2.1).
func matchExact(s *Server, got string) bool { return slices.Contains(s.RedirectURIs, got) }

// matchLoopbackAnyPort is RFC 8252 section 7.3: for a registered
// loopback URI, any port is allowed; the scheme, host (127.0.0.1 and
// localhost are different hosts) and path must still match. hosts are
// the host names for which the port is ignored.
func matchLoopbackAnyPort(hosts ...string) func(s *Server, got string) bool {
	return func(s *Server, got string) bool {
		gu, err := url.Parse(got)
		if err != nil {
			return false
		}
		for _, reg := range s.RedirectURIs {
			if reg == got {
				return true
			}
			ru, err := url.Parse(reg)
			if err != nil || ru.Scheme != gu.Scheme || ru.Hostname() != gu.Hostname() || !slices.Contains(hosts, gu.Hostname()) {
				continue
			}
			if normPath(ru.Path) == normPath(gu.Path) && ru.RawQuery == gu.RawQuery {
				return true
			}
		}
		return false
	}
}

func normPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// Rules that several providers' profiles share.

// withScope is issueRefresh or idToken for a provider that issues the
// token when the grant's scopes include scope.
func withScope(scope string) func(s *Server, g *grant) bool {
	return func(s *Server, g *grant) bool { return slices.Contains(g.scopes, scope) }
}

// onlyScopes is checkScope for a provider that refuses a scope not in
// allowed with invalid_scope and the description desc gives for it.
func onlyScopes(allowed []string, desc func(scope string) string) func(s *Server, scopes []string, device bool) *oauthError {
	return func(s *Server, scopes []string, device bool) *oauthError {
		for _, sc := range scopes {
			if !slices.Contains(allowed, sc) {
				return &oauthError{Code: "invalid_scope", Desc: desc(sc)}
			}
		}
		return nil
	}
}

// refuseDeviceIfDisabled is deviceRefused for a provider whose client
// setting turns the device grant off (Options.DeviceDisabled): it answers
// e then.
func refuseDeviceIfDisabled(e oauthError) func(s *Server) *oauthError {
	return func(s *Server) *oauthError {
		if !s.Opts.DeviceDisabled {
			return nil
		}
		answer := e
		return &answer
	}
}

// deviceExpiresIn is deviceAnswer for a provider that answers in the
// standard shape (RFC 8628 section 3.2) with its own expires_in.
func deviceExpiresIn(seconds int) func(s *Server, d *deviceGrant, base map[string]any) map[string]any {
	return func(s *Server, d *deviceGrant, base map[string]any) map[string]any {
		base["expires_in"] = seconds
		return base
	}
}
