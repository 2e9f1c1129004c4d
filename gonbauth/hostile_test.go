package gonbauth

// The hostile authorization server: the fake server of fakeserver_test.go
// with any endpoint replaced, patched or hung per case. Each row says what
// the server does and what gonbauth must do about it; every row also
// checks that what gonbauth printed and returned is printable, bounded
// and free of the secrets the server issued (and the suite-wide check in
// leakcheck_test.go sees it all again).

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gonbauth/gonbauth/gonbauth/internal/hostileserver"
	"github.com/gonbauth/gonbauth/gonbauth/internal/jwttest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/loopbacktest"
)

// Hostile text, as a server or a redirect could send it.
const (
	ansiClear = "\x1b[2J\x1b[H"                          // clears the screen
	osc52     = "\x1b]52;c;cm0gLXJmIH4vKgo=\x07"         // writes the clipboard
	bidi      = "\u202egnp.exe\u202c"                    // shows reversed
	c1        = "\u0085\u009b31m"                        // NEL, CSI
	hostile   = ansiClear + osc52 + bidi + c1 + "\x00\r" // all of it
	mib16     = 16 << 20
)

// Bounds on what gonbauth may repeat of a server's answer.
const (
	maxErrBytes = 2048
	maxOutBytes = 64 << 10
)

// hostileHandler replaces one endpoint; next is the fake server's own.
type hostileHandler func(f *fakeServer, next http.Handler, w http.ResponseWriter, r *http.Request)

type hostileCase struct {
	name  string
	serve map[string]hostileHandler
	// setup changes the fake server and the Config before Login.
	setup func(f *fakeServer, c *Config)
	// act plays the user once the link is shown; nil browses it (a
	// signed-in user approving at once). Device cases do nothing.
	act func(t *testing.T, f *fakeServer, link string)
	// limit bounds Login with a context deadline (default 15 s).
	limit time.Duration
	// refresh, when set, makes the server hostile after a successful
	// sign-in, before a refresh is forced.
	refresh func(f *fakeServer)
	want    func(t *testing.T, r *hostileRun)
}

// hostileRun is what one case produced.
type hostileRun struct {
	f    *fakeServer
	cfg  *Config
	sess *Session
	err  error
	out  *urlWriter
	link string
	took time.Duration
}

// startHostile starts a fake server whose endpoints serve replaces.
func startHostile(t *testing.T, serve map[string]hostileHandler) *fakeServer {
	var mu sync.Mutex
	var f *fakeServer
	f = newWrappedFakeServer(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			self := f
			mu.Unlock()
			if h := serve[r.URL.Path]; h != nil {
				h(self, next, w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	mu.Lock()
	defer mu.Unlock()
	return f
}

func runHostile(t *testing.T, c hostileCase) *hostileRun {
	t.Helper()
	f := startHostile(t, c.serve)
	cfg := testConfig(f)
	cfg.Timeout = 5 * time.Second
	cfg.NoBrowser = true
	if c.setup != nil {
		c.setup(f, cfg)
	}
	out := &urlWriter{urls: make(chan string, 64)}
	cfg.Output = out
	limit := c.limit
	if limit == 0 {
		limit = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	r := &hostileRun{f: f, cfg: cfg, out: out}
	start := time.Now()
	done := make(chan loginResult, 1)
	go func() {
		s, err := Login(ctx, cfg)
		done <- loginResult{s, err}
	}()
	var res loginResult
	select {
	case r.link = <-out.urls:
		if c.act != nil {
			c.act(t, f, r.link)
		} else if cfg.Mode != ModeDevice {
			browse(t, r.link)
		}
		res = waitHostile(t, done, limit)
	case res = <-done:
	case <-time.After(limit + 10*time.Second):
		t.Fatal("Login neither showed a link nor returned")
	}
	r.took, r.sess, r.err = time.Since(start), res.sess, res.err
	checkShown(t, "Login's output", out.String(), maxOutBytes)
	if r.err != nil {
		checkShown(t, "Login's error", r.err.Error(), maxErrBytes)
	}
	return r
}

func waitHostile(t *testing.T, done <-chan loginResult, limit time.Duration) loginResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(limit + 10*time.Second):
		t.Fatal("Login did not return")
	}
	return loginResult{}
}

// checkShown checks text gonbauth shows a person: no control character
// or escape sequence, bounded; and records it for the suite-wide check.
func checkShown(t *testing.T, what, text string, limit int) {
	t.Helper()
	leaks.Output(t.Name()+": "+what, text)
	if i, c := hostileserver.FirstControl(text); i >= 0 {
		t.Errorf("%s holds the control character %U at byte %d: %q", what, c, i, text[max(0, i-60):min(len(text), i+20)])
	}
	if len(text) > limit {
		t.Errorf("%s is %d bytes, more than %d: %.200q…", what, len(text), limit, text)
	}
}

// Handlers.

// respond answers with a JSON value (a string is sent as it is).
func respond(status int, body any) hostileHandler {
	return func(f *fakeServer, next http.Handler, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if s, ok := body.(string); ok {
			w.Write([]byte(s))
			return
		}
		json.NewEncoder(w).Encode(body)
	}
}

// huge answers with a body of n bytes: prefix, then filler.
func huge(status int, prefix string, n int) hostileHandler {
	return func(f *fakeServer, next http.Handler, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(prefix))
		chunk := []byte(strings.Repeat(hostile+"A", 1024))
		for sent := len(prefix); sent < n; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return // the client stopped reading, as it should
			}
		}
	}
}

// hangWatched answers nothing until the client gives up, and closes the
// returned channel then: Login must not leave a request in flight.
func hangWatched() (hostileHandler, <-chan struct{}) {
	gone := make(chan struct{})
	var once sync.Once
	return func(f *fakeServer, next http.Handler, w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
			once.Do(func() { close(gone) })
		case <-time.After(30 * time.Second):
		}
	}, gone
}

// thenGone wants, after want, the hung request to have been given up
// within 3 s of Login's return.
func thenGone(gone <-chan struct{}, want func(*testing.T, *hostileRun)) func(*testing.T, *hostileRun) {
	return func(t *testing.T, r *hostileRun) {
		t.Helper()
		want(t, r)
		select {
		case <-gone:
		case <-time.After(3 * time.Second):
			t.Errorf("the hung request was still in flight 3 s after Login returned")
		}
	}
}

// patch runs the fake server's own handler and changes its JSON answer.
func patch(p func(f *fakeServer, r *http.Request, m map[string]any)) hostileHandler {
	return func(f *fakeServer, next http.Handler, w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		if rec.Code == http.StatusOK {
			p(f, r, m)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		json.NewEncoder(w).Encode(m)
	}
}

func set(key string, v any) hostileHandler {
	return patch(func(f *fakeServer, r *http.Request, m map[string]any) { m[key] = v })
}

// onRefresh patches only refresh responses.
func onRefresh(p func(f *fakeServer, r *http.Request, m map[string]any)) hostileHandler {
	return patch(func(f *fakeServer, r *http.Request, m map[string]any) {
		if r.PostForm.Get("grant_type") == "refresh_token" {
			p(f, r, m)
		}
	})
}

// ID tokens a server should not send.

func (f *fakeServer) nonce() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastAuthReq.Get("nonce")
}

func (f *fakeServer) claims(nonce string, change func(map[string]any)) map[string]any {
	c := map[string]any{"iss": f.URL, "sub": "alice", "aud": "test-client",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(), "name": "Alice"}
	if nonce != "" {
		c["nonce"] = nonce
	}
	if change != nil {
		change(c)
	}
	return c
}

func unsignedIDToken(claims map[string]any) string {
	payload, _ := json.Marshal(claims)
	return jwttest.Unsigned(payload)
}

// foreignIDToken is signed by a key the issuer never published, under the
// issuer's key ID.
func foreignIDToken(claims map[string]any) string {
	payload, _ := json.Marshal(claims)
	return jwttest.Sign(jose.RS256, jwttest.ForeignKey(), fakeKeyID, payload)
}

// Expectations.

// wantErr wants a failure whose message starts with "gonbauth:" and
// holds every word; is, when not nil, must be in its chain.
func wantErr(is error, words ...string) func(*testing.T, *hostileRun) {
	return func(t *testing.T, r *hostileRun) {
		t.Helper()
		if r.err == nil {
			t.Fatalf("Login succeeded; want an error holding %q", words)
		}
		if r.sess != nil {
			t.Errorf("Login returned both a session and %v", r.err)
		}
		msg := r.err.Error()
		if !strings.HasPrefix(msg, "gonbauth:") {
			t.Errorf("error %q does not start with gonbauth:", msg)
		}
		for _, w := range words {
			if !strings.Contains(msg, w) {
				t.Errorf("error %q lacks %q", msg, w)
			}
		}
		if is != nil && !errors.Is(r.err, is) {
			t.Errorf("error %q does not wrap %q", msg, is)
		}
	}
}

// wantPrompt is wantErr that also wants Login to have ended within 5 s
// of its context's deadline (limit).
func wantPrompt(limit time.Duration, is error, words ...string) func(*testing.T, *hostileRun) {
	return func(t *testing.T, r *hostileRun) {
		t.Helper()
		wantErr(is, words...)(t, r)
		if r.took > limit+5*time.Second {
			t.Errorf("Login took %v to end, with a deadline of %v", r.took, limit)
		}
		if r.link != "" && r.cfg.Mode != ModeDevice {
			loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, r.link))
		}
	}
}

func wantOK(more func(t *testing.T, r *hostileRun)) func(*testing.T, *hostileRun) {
	return func(t *testing.T, r *hostileRun) {
		t.Helper()
		if r.err != nil {
			t.Fatalf("Login failed: %v\n%s", r.err, r.out)
		}
		if more != nil {
			more(t, r)
		}
	}
}

// wantSavedStatusShown wants the next Login, from the saved sign-in, to
// succeed and to show the saved (hostile) values printable and bounded:
// every later use of the sign-in shows them again.
func wantSavedStatusShown(t *testing.T, r *hostileRun) {
	t.Helper()
	_, out, err := loginQuiet(t, r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkShown(t, "the saved sign-in's status", out, maxOutBytes)
}

// wantSafe accepts a clear error or a success: the row's point is in the
// checks every row makes (printable, bounded, no panic).
func wantSafe(t *testing.T, r *hostileRun) {
	t.Helper()
	if r.err != nil && !strings.HasPrefix(r.err.Error(), "gonbauth:") {
		t.Errorf("error %q does not start with gonbauth:", r.err)
	}
}

// wantRefreshKeepsIDToken wants a refresh that brought a bad ID token to
// keep the sign-in's verified one (OpenID Connect Core §12.2), in the
// session and in the store, whether or not the refresh itself failed.
func wantRefreshKeepsIDToken(t *testing.T, r *hostileRun) {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	before := r.sess.IDToken()
	tok, err := r.sess.Token()
	if err != nil {
		checkShown(t, "the refresh error", err.Error(), maxErrBytes)
	}
	if r.f.calls("refresh_token") == 0 {
		t.Fatal("no refresh was made")
	}
	if got := r.sess.IDToken(); got != before {
		t.Errorf("the session's ID token was replaced by the refresh's unverified one: %.60s…", got)
	}
	if tok != nil {
		if id, _ := tok.Extra("id_token").(string); id != "" && id != before {
			t.Errorf("Token() handed out the refresh's unverified ID token")
		}
	}
	st, key := savedStore(t, r.cfg)
	if e := st.load(key); e == nil || e.Token.IDToken != before {
		t.Errorf("the saved sign-in does not keep the verified ID token")
	}
	if sub := r.sess.Subject; sub != "alice" {
		t.Errorf("the session's subject became %q", sub)
	}
}

// device rows: the server offers the device grant; the user confirms at
// once unless token says otherwise.
func deviceServe(dev hostileHandler, token hostileHandler) map[string]hostileHandler {
	if token == nil {
		token = func(f *fakeServer, next http.Handler, w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			if r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code" {
				next.ServeHTTP(w, r)
				return
			}
			f.mu.Lock()
			f.issued++
			at := fmt.Sprintf("access-%d-secret", f.issued)
			f.mu.Unlock()
			leaks.Secret("access token", at)
			respond(200, map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 3600})(f, next, w, r)
		}
	}
	return map[string]hostileHandler{
		"/.well-known/openid-configuration": patch(func(f *fakeServer, r *http.Request, m map[string]any) {
			m["device_authorization_endpoint"] = f.URL + "/device"
			m["scopes_supported"] = []string{"api"}
		}),
		"/device": dev,
		"/token":  token,
	}
}

func deviceAnswer(change func(f *fakeServer, m map[string]any)) hostileHandler {
	return func(f *fakeServer, next http.Handler, w http.ResponseWriter, r *http.Request) {
		m := map[string]any{"device_code": "device-code-secret", "user_code": "WDJB-MJHT",
			"verification_uri": f.URL + "/activate", "expires_in": 600, "interval": 1}
		leaks.Secret("device code", "device-code-secret")
		if change != nil {
			change(f, m)
		}
		respond(200, m)(f, next, w, r)
	}
}

func deviceMode(f *fakeServer, c *Config) {
	c.Mode, c.Scopes = ModeDevice, []string{"api"}
}

// sendTo GETs the redirect URI of link with query q, as a forged or stale
// redirect would arrive.
func sendTo(t *testing.T, link string, q url.Values) {
	t.Helper()
	resp, err := http.Get("http://" + loopbacktest.RedirectAddr(t, link) + defaultCallbackPath + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestHostileServer(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	const short = 2 * time.Second
	many := make([]string, 60000)
	for i := range many {
		many[i] = fmt.Sprintf("plain-%d", i)
	}
	mdHang, mdGone := hangWatched()
	tokHang, tokGone := hangWatched()
	jwksHang, jwksGone := hangWatched()
	devHang, devGone := hangWatched()
	pollHang, pollGone := hangWatched()
	cases := []hostileCase{
		// Metadata.
		{name: "metadata/issuer is a number",
			serve: map[string]hostileHandler{"/.well-known/openid-configuration": set("issuer", 42)},
			want:  wantErr(nil, "metadata")},
		{name: "metadata/scopes_supported is a string",
			serve: map[string]hostileHandler{"/.well-known/openid-configuration": set("scopes_supported", "openid")},
			want:  wantErr(nil, "metadata")},
		{name: "metadata/foreign issuer with escape sequences",
			serve: map[string]hostileHandler{"/.well-known/openid-configuration": set("issuer", "https://evil.example/"+hostile)},
			want:  wantErr(nil, "names the issuer")},
		{name: "metadata/16 MiB document",
			serve: map[string]hostileHandler{"/.well-known/openid-configuration": huge(200, `{"issuer":"`, mib16)},
			want:  wantErr(nil, "metadata")},
		{name: "metadata/16 MiB error page",
			serve: map[string]hostileHandler{"/.well-known/openid-configuration": huge(500, "", mib16)},
			want:  wantErr(nil, "metadata")},
		{name: "metadata/hung", limit: short,
			serve: map[string]hostileHandler{"/.well-known/openid-configuration": mdHang},
			want:  thenGone(mdGone, wantPrompt(short, ErrCancelled))},
		{name: "metadata/60 000 PKCE methods, none S256",
			serve: map[string]hostileHandler{"/.well-known/openid-configuration": set("code_challenge_methods_supported", many)},
			want:  wantErr(nil, "S256")},
		{name: "metadata/plain-http token endpoint on a public host",
			serve: map[string]hostileHandler{"/.well-known/openid-configuration": set("token_endpoint", "http://login.example.com/token")},
			want:  wantErr(nil, "plain http")},
		{name: "metadata/authorization endpoint with C1 and bidi characters",
			serve: map[string]hostileHandler{"/.well-known/openid-configuration": patch(func(f *fakeServer, r *http.Request, m map[string]any) {
				m["authorization_endpoint"] = f.URL + "/authorize?x=\u0085\u202e\u009b"
			})},
			want: wantSafe},
		{name: "metadata/authorization endpoint with an escape sequence",
			serve: map[string]hostileHandler{"/.well-known/openid-configuration": patch(func(f *fakeServer, r *http.Request, m map[string]any) {
				m["authorization_endpoint"] = f.URL + "/authorize/" + osc52
			})},
			want: wantErr(nil)},

		// The redirect.
		{name: "redirect/error description with escape sequences",
			setup: func(f *fakeServer, c *Config) {
				f.authError, f.errorDesc = "access_denied"+hostile, hostile+strings.Repeat("x", 2000)
			},
			want: func(t *testing.T, r *hostileRun) {
				var ae *AuthError
				if !errors.As(r.err, &ae) {
					t.Fatalf("err = %v, want an AuthError", r.err)
				}
			}},
		{name: "redirect/a mix-up after a flood of forged redirects", limit: 4 * time.Second,
			setup: func(f *fakeServer, c *Config) { c.Timeout = 2 * time.Second },
			act: func(t *testing.T, f *fakeServer, link string) {
				u, _ := url.Parse(link)
				for i := range 6 {
					sendTo(t, link, url.Values{"state": {fmt.Sprint("forged-", i)}, "iss": {f.URL}, "code": {"x"}})
				}
				sendTo(t, link, url.Values{"state": {u.Query().Get("state")}, "iss": {"https://evil.example"}, "code": {"stolen-code"}})
			},
			want: func(t *testing.T, r *hostileRun) {
				wantErr(ErrTimeout)(t, r)
				if !strings.Contains(r.out.String(), "mix-up") {
					t.Errorf("the mix-up refusal, after six others, was never shown:\n%s", r.out)
				}
			}},

		// The token endpoint.
		{name: "token/16 MiB error description",
			serve: map[string]hostileHandler{"/token": huge(400, `{"error":"invalid_grant","error_description":"`, mib16)},
			want:  wantErr(nil)},
		{name: "token/16 MiB error page",
			serve: map[string]hostileHandler{"/token": huge(500, "", mib16)},
			want:  wantErr(nil)},
		{name: "token/error with escape sequences",
			serve: map[string]hostileHandler{"/token": respond(400, map[string]string{"error": "invalid_grant" + hostile, "error_description": hostile, "error_uri": "https://x/" + hostile})},
			want:  wantErr(nil, "invalid_grant")},
		{name: "token/hung", limit: short,
			serve: map[string]hostileHandler{"/token": tokHang},
			want:  thenGone(tokGone, wantPrompt(short, ErrCancelled))},
		{name: "token/token_type N_A",
			serve: map[string]hostileHandler{"/token": set("token_type", "N_A")},
			want:  wantErr(nil, "N_A", "Bearer")},
		{name: "token/token_type Basic",
			serve: map[string]hostileHandler{"/token": set("token_type", "Basic")},
			want:  wantErr(nil, "Basic", "Bearer")},
		{name: "token/token_type DPoP",
			serve: map[string]hostileHandler{"/token": set("token_type", "DPoP")},
			want:  wantErr(nil, "DPoP", "Bearer")},
		{name: "token/token_type with escape sequences",
			serve: map[string]hostileHandler{"/token": set("token_type", "Bearer"+hostile)},
			want:  wantErr(nil, "Bearer")},
		{name: "token/token_type bearer in lower case is Bearer (RFC 6749 §5.1)",
			serve: map[string]hostileHandler{"/token": set("token_type", "bearer")},
			want:  wantOK(nil)},
		{name: "token/access_token is a number",
			serve: map[string]hostileHandler{"/token": set("access_token", 12345)},
			want:  wantErr(nil)},
		{name: "token/no access_token",
			serve: map[string]hostileHandler{"/token": patch(func(f *fakeServer, r *http.Request, m map[string]any) { delete(m, "access_token") })},
			want:  wantErr(nil)},
		{name: "token/granted scope with escape sequences",
			serve: map[string]hostileHandler{"/token": set("scope", "openid "+hostile+" "+strings.Repeat("s", 5000))},
			want:  wantOK(wantSavedStatusShown)},
		{name: "token/negative expires_in does not refresh on every call",
			serve: map[string]hostileHandler{"/token": set("expires_in", -3600)},
			want: wantOK(func(t *testing.T, r *hostileRun) {
				for range 3 {
					if _, err := r.sess.Token(); err != nil {
						t.Fatal(err)
					}
				}
				if n := r.f.calls("refresh_token"); n > 1 {
					t.Errorf("three Token calls made %d refreshes", n)
				}
			})},
		{name: "token/huge expires_in",
			serve: map[string]hostileHandler{"/token": set("expires_in", json.Number("9223372036854775807"))},
			want: wantOK(func(t *testing.T, r *hostileRun) {
				tok, err := r.sess.Token()
				if err != nil {
					t.Fatal(err)
				}
				if !tok.Expiry.IsZero() && tok.Expiry.Before(time.Now()) {
					t.Errorf("expiry %v overflowed into the past", tok.Expiry)
				}
			})},
		{name: "token/expires_in beyond any integer",
			serve: map[string]hostileHandler{"/token": set("expires_in", json.Number("1e400"))},
			want:  wantSafe},

		// ID tokens at sign-in.
		{name: "id_token/alg none",
			serve: map[string]hostileHandler{"/token": patch(func(f *fakeServer, r *http.Request, m map[string]any) {
				m["id_token"] = unsignedIDToken(f.claims(f.nonce(), nil))
			})},
			want: wantErr(ErrIDToken)},
		{name: "id_token/signed by a foreign key",
			serve: map[string]hostileHandler{"/token": patch(func(f *fakeServer, r *http.Request, m map[string]any) {
				m["id_token"] = foreignIDToken(f.claims(f.nonce(), nil))
			})},
			want: wantErr(ErrIDToken)},
		{name: "id_token/another audience",
			setup: func(f *fakeServer, c *Config) { f.idClaims = func(m map[string]any) { m["aud"] = "other-client" } },
			want:  wantErr(ErrIDToken)},
		{name: "id_token/a foreign issuer",
			setup: func(f *fakeServer, c *Config) {
				f.idClaims = func(m map[string]any) { m["iss"] = "https://evil.example" }
			},
			want: wantErr(ErrIDToken)},
		{name: "id_token/name with escape sequences",
			setup: func(f *fakeServer, c *Config) {
				f.idClaims = func(m map[string]any) { m["name"] = hostile + "Alice"; m["email"] = osc52 }
			},
			want: wantOK(nil)},
		{name: "jwks/16 MiB error page with escape sequences",
			serve: map[string]hostileHandler{"/jwks": huge(500, "", mib16)},
			want:  wantErr(ErrIDToken)},
		{name: "jwks/keys is a string",
			serve: map[string]hostileHandler{"/jwks": respond(200, `{"keys":"`+hostile+`"}`)},
			want:  wantErr(ErrIDToken)},
		{name: "jwks/hung", limit: short,
			serve: map[string]hostileHandler{"/jwks": jwksHang},
			want: thenGone(jwksGone, func(t *testing.T, r *hostileRun) {
				wantErr(nil)(t, r)
				if r.took > short+5*time.Second {
					t.Errorf("Login took %v with a deadline of %v", r.took, short)
				}
			})},
		{name: "userinfo/name with escape sequences",
			setup: func(f *fakeServer, c *Config) {
				f.idClaims = func(m map[string]any) { delete(m, "name"); delete(m, "email") }
			},
			serve: map[string]hostileHandler{"/userinfo": respond(200, map[string]any{"sub": "alice", "name": hostile + "Alice", "email": osc52 + "@x"})},
			want:  wantOK(wantSavedStatusShown)},
		{name: "userinfo/wrong types",
			setup: func(f *fakeServer, c *Config) {
				f.idClaims = func(m map[string]any) { delete(m, "name"); delete(m, "email") }
			},
			serve: map[string]hostileHandler{"/userinfo": respond(200, `{"sub":["alice"],"name":{"a":1}}`)},
			want:  wantOK(nil)},

		// ID tokens that come with a refresh (OpenID Connect Core §12.2).
		{name: "refresh/id_token alg none",
			setup: func(f *fakeServer, c *Config) { c.ExpiryDelta = 2 * time.Hour },
			serve: map[string]hostileHandler{"/token": onRefresh(func(f *fakeServer, r *http.Request, m map[string]any) {
				m["id_token"] = unsignedIDToken(f.claims("", nil))
			})},
			want: wantRefreshKeepsIDToken},
		{name: "refresh/id_token for another subject",
			setup: func(f *fakeServer, c *Config) { c.ExpiryDelta = 2 * time.Hour },
			serve: map[string]hostileHandler{"/token": onRefresh(func(f *fakeServer, r *http.Request, m map[string]any) {
				m["id_token"] = f.idTokenWith(func(c map[string]any) { c["sub"] = "mallory" })
			})},
			want: wantRefreshKeepsIDToken},
		{name: "refresh/id_token for another audience",
			setup: func(f *fakeServer, c *Config) { c.ExpiryDelta = 2 * time.Hour },
			serve: map[string]hostileHandler{"/token": onRefresh(func(f *fakeServer, r *http.Request, m map[string]any) {
				m["id_token"] = f.idTokenWith(func(c map[string]any) { c["aud"] = "other-client" })
			})},
			want: wantRefreshKeepsIDToken},
		{name: "refresh/id_token signed by a foreign key",
			setup: func(f *fakeServer, c *Config) { c.ExpiryDelta = 2 * time.Hour },
			serve: map[string]hostileHandler{"/token": onRefresh(func(f *fakeServer, r *http.Request, m map[string]any) {
				m["id_token"] = foreignIDToken(f.claims("", nil))
			})},
			want: wantRefreshKeepsIDToken},

		// The device grant.
		// The RFC 8628 default interval is 5 s: room for one poll.
		{name: "device/negative interval", limit: 25 * time.Second,
			setup: func(f *fakeServer, c *Config) { deviceMode(f, c); c.Timeout = 15 * time.Second },
			serve: deviceServe(deviceAnswer(func(f *fakeServer, m map[string]any) { m["interval"] = -1 }), nil),
			want:  wantOK(nil)},
		{name: "device/interval of 2^62 seconds", setup: func(f *fakeServer, c *Config) { deviceMode(f, c); c.Timeout = short },
			serve: deviceServe(deviceAnswer(func(f *fakeServer, m map[string]any) { m["interval"] = int64(1) << 62 }), nil),
			want:  wantPrompt(short, ErrTimeout)},
		{name: "device/interval is a string", setup: deviceMode,
			serve: deviceServe(deviceAnswer(func(f *fakeServer, m map[string]any) { m["interval"] = "five" }), nil),
			want:  wantErr(nil)},
		{name: "device/negative expires_in still polls", setup: deviceMode,
			serve: deviceServe(deviceAnswer(func(f *fakeServer, m map[string]any) { m["expires_in"] = -600 }), nil),
			want:  wantOK(nil)},
		{name: "device/plain-http verification address on a public host", setup: deviceMode,
			serve: deviceServe(deviceAnswer(func(f *fakeServer, m map[string]any) {
				m["verification_uri"] = "http://verify.example.com/device"
				m["verification_uri_complete"] = "http://verify.example.com/device?user_code=WDJB-MJHT"
			}), nil),
			want: func(t *testing.T, r *hostileRun) {
				wantErr(nil)(t, r)
				for _, line := range strings.Split(r.out.String(), "\n") {
					if strings.HasPrefix(line, "http://verify.example.com") {
						t.Errorf("a plain-http link on a public host was shown: %q", line)
					}
				}
			}},
		{name: "device/5000-character verification_uri_complete", setup: deviceMode,
			serve: deviceServe(deviceAnswer(func(f *fakeServer, m map[string]any) {
				m["verification_uri_complete"] = f.URL + "/activate?user_code=WDJB-MJHT&pad=" + strings.Repeat("a", 5000)
			}), nil),
			want: wantOK(func(t *testing.T, r *hostileRun) {
				for _, line := range strings.Split(r.out.String(), "\n") {
					if strings.HasPrefix(line, r.f.URL) && strings.Contains(line, "…") {
						t.Errorf("a link was cut with an ellipsis: %.200q", line)
					}
				}
				if r.link != r.f.URL+"/activate" && !strings.HasSuffix(r.link, strings.Repeat("a", 5000)) {
					t.Errorf("the link shown is neither whole nor the verification_uri: %.100q…", r.link)
				}
			})},
		{name: "device/user code with escape sequences", setup: deviceMode,
			serve: deviceServe(deviceAnswer(func(f *fakeServer, m map[string]any) { m["user_code"] = "WDJB" + hostile }), nil),
			want:  wantSafe},
		{name: "device/16 MiB answer", setup: deviceMode,
			serve: deviceServe(huge(200, `{"device_code":"`, mib16), nil),
			want:  wantErr(nil)},
		{name: "device/16 MiB error page", setup: deviceMode,
			serve: deviceServe(huge(500, "", mib16), nil),
			want:  wantErr(nil)},
		{name: "device/hung authorization", setup: deviceMode, limit: short,
			serve: deviceServe(devHang, nil),
			want:  thenGone(devGone, wantPrompt(short, ErrCancelled))},
		{name: "device/hung polling", setup: deviceMode, limit: short,
			serve: deviceServe(deviceAnswer(nil), pollHang),
			want:  thenGone(pollGone, wantPrompt(short, ErrCancelled))},
		{name: "device/polling refused with escape sequences", setup: deviceMode,
			serve: deviceServe(deviceAnswer(nil), respond(400, map[string]string{"error": "access_denied", "error_description": hostile})),
			want:  wantErr(nil, "access_denied")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runHostile(t, c)
			c.want(t, r)
		})
	}
}

// idTokenWith is the fake server's properly signed ID token with changed
// claims (and no nonce, as in a refresh).
func (f *fakeServer) idTokenWith(change func(map[string]any)) string {
	prev := f.idClaims // only this request's handler runs
	defer func() { f.idClaims = prev }()
	f.idClaims = change
	return f.idToken("")
}

// revokeServer is a fake server that lists a revocation endpoint, answered
// by revoke (nil: 200), and records the requests it gets.
func revokeServer(t *testing.T, revoke hostileHandler) (*fakeServer, func() []*http.Request) {
	var mu sync.Mutex
	var got []*http.Request
	f := startHostile(t, map[string]hostileHandler{
		"/.well-known/openid-configuration": patch(func(f *fakeServer, r *http.Request, m map[string]any) {
			m["revocation_endpoint"] = f.URL + "/revoke"
		}),
		"/revoke": func(f *fakeServer, next http.Handler, w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			mu.Lock()
			got = append(got, r)
			mu.Unlock()
			if revoke != nil {
				revoke(f, next, w, r)
			}
		},
	})
	return f, func() []*http.Request {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

func TestHostileRevocation(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	t.Run("the client secret goes only to its issuer", func(t *testing.T) {
		const secret = "client-secret-of-A-only"
		leaks.Secret("client secret", secret)
		a, gotA := revokeServer(t, nil)
		b, gotB := revokeServer(t, nil)
		dir := t.TempDir()
		for _, f := range []*fakeServer{a, b} {
			cfg := testConfig(f)
			cfg.ConfigDir = dir
			signInOnce(t, f, cfg)
		}
		err := LogoutAll(context.Background(), &Config{ConfigDir: dir, Issuer: a.URL, ClientID: "test-client", ClientSecret: secret, Output: io.Discard})
		if err != nil {
			checkShown(t, "LogoutAll's error", err.Error(), maxErrBytes)
		}
		if len(gotA()) != 1 || len(gotB()) != 1 {
			t.Fatalf("revocation requests: %d to A, %d to B; want one each", len(gotA()), len(gotB()))
		}
		r := gotB()[0]
		if _, pw, ok := r.BasicAuth(); ok && strings.Contains(pw, "client-secret") || strings.Contains(r.Header.Get("Authorization"), base64.StdEncoding.EncodeToString([]byte("test-client:"+secret))) || r.PostForm.Get("client_secret") != "" {
			t.Errorf("the client secret of %s was sent to %s", a.URL, b.URL)
		}
	})
	t.Run("an error answer with escape sequences, 16 MiB long", func(t *testing.T) {
		f, got := revokeServer(t, huge(400, `{"error":"invalid_request`+hostile+`","error_description":"`, mib16))
		cfg := testConfig(f)
		signInOnce(t, f, cfg)
		cfg.Output = io.Discard
		err := Logout(context.Background(), cfg)
		if err == nil || len(got()) != 1 {
			t.Fatalf("Logout = %v after %d revocation requests; want the server's refusal", err, len(got()))
		}
		checkShown(t, "Logout's error", err.Error(), maxErrBytes)
		if sess, _, _ := loginQuiet(t, &Config{Issuer: f.URL, ClientID: "test-client", ConfigDir: cfg.ConfigDir, NoInteractive: true}); sess != nil {
			t.Error("the sign-in was kept after Logout")
		}
	})
	t.Run("a hung revocation ends with the context", func(t *testing.T) {
		watched, gone := hangWatched()
		f, _ := revokeServer(t, watched)
		cfg := testConfig(f)
		signInOnce(t, f, cfg)
		cfg.Output = io.Discard
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		err := Logout(ctx, cfg)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("Logout took %v with a 1 s deadline", took)
		}
		if err == nil {
			t.Fatal("Logout succeeded although the server never answered")
		}
		checkShown(t, "Logout's error", err.Error(), maxErrBytes)
		select {
		case <-gone:
		case <-time.After(3 * time.Second):
			t.Error("the revocation request was still in flight 3 s after Logout returned")
		}
	})
}

// TestHostileAuthParams: parameters that change how the flow works (the
// response mode, request objects) cannot come from the settings, whose
// text may come from a shared notebook or environment.
func TestHostileAuthParams(t *testing.T) {
	for _, p := range []string{"response_mode=form_post", "response_mode=fragment", "request=eyJhbGciOiJub25lIn0.e30.", "request_uri=https://evil.example/r", "Response_Mode=query"} {
		t.Run(p, func(t *testing.T) {
			_, err := (&Config{Issuer: "https://login.example.com", ClientID: "c"}).resolve(envFrom(map[string]string{EnvAuthParams: p}))
			name, _, _ := strings.Cut(p, "=")
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(name)) || !strings.HasPrefix(err.Error(), "gonbauth:") {
				t.Errorf("%s=%q: err = %v, want a refusal naming %s", EnvAuthParams, p, err, name)
			}
			q, _ := url.ParseQuery(p)
			_, err = (&Config{Issuer: "https://login.example.com", ClientID: "c", AuthParams: q}).resolve(envFrom(nil))
			if err == nil {
				t.Errorf("Config.AuthParams %q accepted", p)
			}
		})
	}
}
