package gonbauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// lastAuth is the fake server's last authorization request.
func (f *fakeServer) lastAuth() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastAuthReq
}

// fakeSignIn runs a whole Login against the fake server with cfg.
func fakeSignIn(t *testing.T, cfg *Config) (*Session, string, *urlWriter) {
	t.Helper()
	return signInThrough(t, cfg, browse)
}

// TestProviderAuthorizationRequest: what each provider adds to (or leaves
// out of) the authorization request, and the redirect host it uses.
func TestProviderAuthorizationRequest(t *testing.T) {
	for _, tt := range []struct {
		provider, secret string
		params           url.Values
		want             map[string]string // "" means absent
		scopeHas         string
		scopeLacks       string
		redirectPrefix   string
	}{
		{provider: "generic", want: map[string]string{"prompt": "consent", "access_type": ""}, scopeHas: "offline_access", redirectPrefix: "http://127.0.0.1:"},
		{provider: "google", secret: "s", want: map[string]string{"prompt": "consent", "access_type": "offline"}, scopeLacks: "offline_access", redirectPrefix: "http://127.0.0.1:"},
		{provider: "google", secret: "s", params: url.Values{"prompt": {"select_account"}}, want: map[string]string{"prompt": "select_account", "access_type": "offline"}},
		{provider: "microsoft", want: map[string]string{"prompt": "", "access_type": ""}, scopeHas: "offline_access", redirectPrefix: "http://localhost:"},
		{provider: "microsoft", params: url.Values{"prompt": {"consent"}}, want: map[string]string{"prompt": "consent"}},
		{provider: "okta", want: map[string]string{"prompt": ""}, scopeHas: "offline_access"},
	} {
		t.Run(tt.provider, func(t *testing.T) {
			srv := newFakeServer(t)
			cfg := testConfig(srv)
			cfg.Provider, cfg.ClientSecret, cfg.AuthParams, cfg.Mode = tt.provider, tt.secret, tt.params, ModeLoopback
			if tt.secret != "" {
				cfg.ClientAuth = ClientAuthPost // the fake server wants client_id in the body
			}
			_, link, _ := fakeSignIn(t, cfg)
			q := srv.lastAuth()
			for k, v := range tt.want {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			scopes := strings.Fields(q.Get("scope"))
			if tt.scopeHas != "" && !slices.Contains(scopes, tt.scopeHas) || tt.scopeLacks != "" && slices.Contains(scopes, tt.scopeLacks) {
				t.Errorf("scope %q", scopes)
			}
			if ru, _ := url.Parse(link); !strings.HasPrefix(ru.Query().Get("redirect_uri"), tt.redirectPrefix) {
				t.Errorf("redirect_uri %q", ru.Query().Get("redirect_uri"))
			}
		})
	}
}

// TestRedirectHostIPv6: a "[::1]" redirect URI reaches a listener on
// [::1].
func TestRedirectHostIPv6(t *testing.T) {
	if l, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	} else {
		l.Close()
	}
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	cfg.Mode, cfg.RedirectHost = ModeLoopback, "[::1]"
	_, link, _ := fakeSignIn(t, cfg)
	if ru, _ := url.Parse(link); !strings.HasPrefix(ru.Query().Get("redirect_uri"), "http://[::1]:") {
		t.Fatalf("redirect_uri %q", ru.Query().Get("redirect_uri"))
	}
}

// TestRedirectHostLocalhostGuardsIPv6: with a "localhost" redirect URI, a
// program holding [::1] on the port could receive the redirect: the
// sign-in refuses to start.
func TestRedirectHostLocalhostGuardsIPv6(t *testing.T) {
	squatter, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	defer squatter.Close()
	port := squatter.Addr().(*net.TCPAddr).Port
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	cfg.Mode, cfg.RedirectHost, cfg.Ports, cfg.Output, cfg.Timeout = ModeLoopback, "localhost", []int{port}, newURLWriter(), 2*time.Second
	_, err = Login(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "[::1]") || !strings.Contains(err.Error(), EnvPort) {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretRequired(t *testing.T) {
	for _, tt := range []struct {
		provider string
		mode     Mode
		want     []string
	}{
		{"google", ModeLoopback, []string{"GONBAUTH_CLIENT_SECRET", "Credentials", "GONBAUTH_CLIENT_FILE", "Desktop app"}},
		{"google", ModeDevice, []string{"GONBAUTH_CLIENT_SECRET"}},
		{"github", ModePaste, []string{"GONBAUTH_CLIENT_SECRET", "OAuth Apps", "GONBAUTH_MODE=device"}},
	} {
		srv := newFakeServer(t)
		cfg := testConfig(srv)
		cfg.Provider, cfg.Mode, cfg.Output, cfg.DeviceAuthURL, cfg.Timeout = tt.provider, tt.mode, newURLWriter(), srv.URL+"/device", 2*time.Second
		_, err := Login(context.Background(), cfg)
		checkErrorSays(t, tt.provider, err, tt.want...)
		if n := srv.requestCount(); tt.provider == "github" && n != 0 {
			t.Errorf("%s: %d requests before refusing", tt.provider, n)
		}
	}
}

// TestClientAuthAuto: the fake server wants the secret's client_id in the
// body; "auto" starts with HTTP Basic (nothing listed in the metadata),
// gets invalid_client, and retries in the body; refreshes keep to it.
func TestClientAuthAuto(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	cfg.Mode, cfg.ClientSecret, cfg.ClientAuth = ModeLoopback, "s3cret", ClientAuthAuto
	sess, _, _ := fakeSignIn(t, cfg)
	if n := srv.calls("authorization_code"); n != 2 {
		t.Fatalf("%d code exchanges, want 2 (basic, then post)", n)
	}
	srv.mu.Lock()
	srv.expiresIn = 0
	srv.mu.Unlock()
	expireSession(sess)
	if _, err := sess.Token(); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if n := srv.calls("refresh_token"); n != 1 {
		t.Fatalf("%d refreshes", n)
	}
	// A new process refreshes the saved sign-in the way it settled on.
	if got := (&store{dir: cfg.ConfigDir}).load(newEntryKeyFor(t, cfg)); got == nil || got.ClientAuth != ClientAuthPost {
		t.Fatalf("saved client auth: %+v", got)
	}

	// Explicit "basic" is not retried.
	srv2 := newFakeServer(t)
	cfg = testConfig(srv2)
	cfg.Mode, cfg.ClientSecret, cfg.ClientAuth = ModeLoopback, "s3cret", ClientAuthBasic
	_, link, done := startLogin(t, context.Background(), cfg)
	browse(t, link)
	var te *TokenError
	if r := wait(t, done); !errors.As(r.err, &te) || te.Code != "invalid_client" || srv2.calls("authorization_code") != 1 {
		t.Fatalf("err = %v, %d exchanges", r.err, srv2.calls("authorization_code"))
	}
}

func newEntryKeyFor(t *testing.T, cfg *Config) entryKey {
	t.Helper()
	s, err := cfg.resolve(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return newEntryKey(s)
}

func TestSettleAuthStyle(t *testing.T) {
	for _, tt := range []struct {
		methods []string
		want    oauth2.AuthStyle
	}{
		{nil, oauth2.AuthStyleInHeader},
		{[]string{"client_secret_post", "client_secret_basic"}, oauth2.AuthStyleInParams},
		{[]string{"private_key_jwt", "client_secret_basic", "client_secret_post"}, oauth2.AuthStyleInHeader},
	} {
		f := &flow{s: &settings{clientAuth: ClientAuthAuto, clientSecret: "s"}}
		f.settleAuthStyle(&endpoints{authMethods: tt.methods})
		if got, _ := f.configuredAuthStyle(); got != tt.want {
			t.Errorf("%q: %v", tt.methods, got)
		}
	}
}

// deviceAuthServer answers device authorization requests with status and
// body, and keeps the last request's form.
type deviceAuthServer struct {
	*httptest.Server
	mu   sync.Mutex
	form url.Values
}

func newDeviceAuthServer(t *testing.T, status int, body string) *deviceAuthServer {
	d := &deviceAuthServer{}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		d.mu.Lock()
		d.form = r.PostForm
		d.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(d.Close)
	return d
}

// TestDeviceRefusedFallsBackToPaste: on a remote kernel the automatic
// mode picks the device grant; refused for this client, the sign-in goes
// on in paste mode and says why.
func TestDeviceRefusedFallsBackToPaste(t *testing.T) {
	t.Setenv("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22") // a remote kernel
	t.Setenv(EnvMode, "")                                      // the automatic mode (TestMain sets loopback)
	for _, tt := range []struct {
		name, body, want string
		status           int
	}{
		{"unauthorized_client", `{"error":"unauthorized_client","error_description":"device grant not enabled"}`, "unauthorized_client", 400},
		{"invalid_scope", `{"error":"invalid_scope"}`, "invalid_scope", 400},
		{"GitHub's 200 without a device code", `{"error":"device_flow_disabled"}`, "no device code", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t)
			dev := newDeviceAuthServer(t, tt.status, tt.body)
			cfg := testConfig(srv)
			cfg.DeviceAuthURL, cfg.Input = dev.URL, strings.NewReader("")
			cfg.AuthParams = url.Values{"audience": {"https://api.example.test"}, "login_hint": {"me"}}
			out, link, done := startLogin(t, context.Background(), cfg)
			if !strings.HasPrefix(link, srv.URL+"/authorize") {
				t.Fatalf("link %q", link)
			}
			browse(t, link)
			if r := wait(t, done); r.err != nil {
				t.Fatalf("%v\n%s", r.err, out)
			}
			if s := out.String(); !strings.Contains(s, "paste the address") || !strings.Contains(s, "The server refused the device sign-in (") || !strings.Contains(s, tt.want) {
				t.Fatalf("the fallback is not explained:\n%s", s)
			}
			dev.mu.Lock()
			defer dev.mu.Unlock()
			if dev.form.Get("audience") != "https://api.example.test" || dev.form.Has("login_hint") {
				t.Fatalf("device request form %v", dev.form)
			}
		})
	}
	t.Run("device mode chosen", func(t *testing.T) {
		srv := newFakeServer(t)
		cfg := testConfig(srv)
		cfg.DeviceAuthURL, cfg.Mode, cfg.Output = newDeviceAuthServer(t, 401, `{"error":"invalid_client"}`).URL, ModeDevice, newURLWriter()
		_, err := Login(context.Background(), cfg)
		if !errors.Is(err, errDeviceRefused) || !strings.Contains(err.Error(), "GONBAUTH_MODE) to paste") || !strings.Contains(err.Error(), "invalid_client") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestGoogleRemoteKernelPaste: on a remote kernel, Google's device grant
// (listed in its metadata) is not chosen for a Desktop client.
func TestGoogleRemoteKernelPaste(t *testing.T) {
	t.Setenv("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22")
	t.Setenv(EnvMode, "")
	srv := newFakeServer(t)
	dev := newDeviceAuthServer(t, 200, `{"device_code":"d","user_code":"U","verification_uri":"https://example.test/device"}`)
	cfg := testConfig(srv)
	cfg.Provider, cfg.ClientSecret, cfg.ClientAuth, cfg.DeviceAuthURL, cfg.Input = "google", "s", ClientAuthPost, dev.URL, strings.NewReader("")
	out, link, done := startLogin(t, context.Background(), cfg)
	browse(t, link)
	if r := wait(t, done); r.err != nil {
		t.Fatal(r.err)
	}
	if s := out.String(); !strings.Contains(s, "paste the address") || !strings.Contains(s, "Desktop app") {
		t.Fatalf("output:\n%s", s)
	}
	if dev.form != nil {
		t.Fatal("the device endpoint was asked")
	}
}

func TestInvalidScopeHint(t *testing.T) {
	for _, explicit := range []bool{false, true} {
		srv := newFakeServer(t)
		srv.authError = "invalid_scope"
		cfg := testConfig(srv)
		cfg.Mode = ModeLoopback
		if explicit {
			cfg.Scopes = []string{"openid", "api"}
		}
		_, link, done := startLogin(t, context.Background(), cfg)
		browse(t, link)
		r := wait(t, done)
		var ae *AuthError
		if !errors.As(r.err, &ae) || ae.Code != "invalid_scope" {
			t.Fatalf("err = %v", r.err)
		}
		hinted := strings.Contains(r.err.Error(), `"openid profile email offline_access"`) && strings.Contains(r.err.Error(), EnvScopes)
		if hinted == explicit {
			t.Errorf("explicit scopes %v: %v", explicit, r.err)
		}
	}
}

func TestTimeoutPortHint(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	for _, tt := range []struct {
		provider string
		ports    []int
		want     []string
		wantNot  []string
	}{
		{"generic", nil, []string{EnvPort, "chosen by the system", "the server may require"}, nil},
		{"okta", nil, []string{EnvPort, "Okta, which matches redirect URIs exactly"}, nil},
		{"generic", []int{0, 0}, nil, []string{EnvPort}},
	} {
		srv := newFakeServer(t)
		cfg := testConfig(srv)
		cfg.Provider, cfg.Ports, cfg.Mode, cfg.Timeout = tt.provider, tt.ports, ModeLoopback, 300*time.Millisecond
		_, _, done := startLogin(t, context.Background(), cfg)
		r := wait(t, done)
		if !errors.Is(r.err, ErrTimeout) {
			t.Fatalf("err = %v", r.err)
		}
		checkErrorSays(t, tt.provider, r.err, tt.want...)
		for _, w := range tt.wantNot {
			if strings.Contains(r.err.Error(), w) {
				t.Errorf("%s: %v\n(has %q)", tt.provider, r.err, w)
			}
		}
	}
}

func TestIssuerTrailingSlashNamesValue(t *testing.T) {
	srv := newFakeServer(t)
	_, err := Login(context.Background(), &Config{Issuer: srv.URL + "/", ClientID: "c", Output: newURLWriter()})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("to exactly %q, without the trailing slash", srv.URL)) {
		t.Fatalf("err = %v", err)
	}
}

// TestTenantIssuer: with Microsoft's {tenantid} issuer, an ID token is
// accepted from any tenant whose issuer matches its own tid, and refused
// when its tid names another tenant (forged) or is not a tenant ID.
func TestTenantIssuer(t *testing.T) {
	srv := newFakeServer(t)
	const a, b = "72f988bf-86f1-41af-91ab-2d7cd011db47", "9188040d-6c67-4c5b-b112-36a304b66dad"
	base := "https://login.microsoftonline.com/"
	for _, tt := range []struct {
		name, issuer, iss, tid string
		ok                     bool
	}{
		{"own tenant", base + "{tenantid}/v2.0", base + a + "/v2.0", a, true},
		{"another tenant", base + "{tenantid}/v2.0", base + b + "/v2.0", b, true},
		{"forged tid", base + "{tenantid}/v2.0", base + a + "/v2.0", b, false},
		{"tid rewriting the URL", base + "{tenantid}/v2.0", base + a + "/v2.0", a + "/../x", false},
		{"no tid", base + "{tenantid}/v2.0", base + a + "/v2.0", "", false},
		{"another issuer host", base + "{tenantid}/v2.0", "https://evil.example/" + a + "/v2.0", a, false},
		{"single tenant, token of another", base + a + "/v2.0", base + b + "/v2.0", b, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv.idClaims = func(c map[string]any) {
				c["iss"] = tt.iss
				if tt.tid != "" {
					c["tid"] = tt.tid
				}
			}
			tok := (&oauth2.Token{AccessToken: "x"}).WithExtra(map[string]any{"id_token": srv.idToken("n")})
			c := &idTokenCheck{idTokenVerifier: newIDTokenVerifier(tt.issuer, "test-client", srv.URL+"/jwks", nil, srv.Client()), nonce: "n"}
			_, err := c.verify(context.Background(), tok)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v", err)
			}
			if err != nil && !errors.Is(err, ErrIDToken) {
				t.Fatalf("err does not wrap ErrIDToken: %v", err)
			}
		})
	}
}

// TestLogoutCannotRevoke: Logout forgets the sign-in and says plainly
// that the token was not revoked and until when it stays valid.
func TestLogoutCannotRevoke(t *testing.T) {
	t.Run("no endpoint", func(t *testing.T) {
		srv := newFakeServer(t)
		cfg := testConfig(srv)
		cfg.Provider, cfg.Mode = "microsoft", ModeLoopback
		fakeSignIn(t, cfg)
		out := newURLWriter()
		cfg.Output = out
		if err := Logout(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"not revoked", "Microsoft Entra ID offers no token revocation endpoint", "stays valid until it expires in"} {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s\n(missing %q)", out, w)
			}
		}
		if list, _ := SignIns(cfg); len(list) != 0 {
			t.Fatal("still saved")
		}
	})
	t.Run("only confidential clients may revoke", func(t *testing.T) {
		srv := newFakeServer(t)
		rev := newDeviceAuthServer(t, 401, `{"error":"invalid_client","error_description":"client authentication required"}`)
		cfg := testConfig(srv)
		cfg.Mode, cfg.RevocationURL = ModeLoopback, rev.URL
		fakeSignIn(t, cfg)
		err := Logout(context.Background(), cfg)
		var te *TokenError
		if !errors.Is(err, ErrNotRevoked) || !errors.As(err, &te) || !strings.Contains(err.Error(), "only clients with a secret") || !strings.Contains(err.Error(), "stays valid until") {
			t.Fatalf("err = %v", err)
		}
		rev.mu.Lock()
		defer rev.mu.Unlock()
		if !strings.HasPrefix(rev.form.Get("token"), "refresh-") {
			t.Fatalf("revoked %q", rev.form.Get("token"))
		}
	})
}

// TestSignInsShowSentScopes: a server that does not say which scopes it
// granted: the status shows those sent, not the dropped defaults.
func TestSignInsShowSentScopes(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	cfg.Provider, cfg.Mode = "gitlab", ModeLoopback // defaults: openid profile email
	sess, _, _ := fakeSignIn(t, cfg)
	list, err := SignIns(cfg)
	if err != nil || len(list) != 1 {
		t.Fatalf("%v %v", list, err)
	}
	// The fake server grants "openid profile email offline_access".
	if !slices.Equal(list[0].Scopes, sess.Scopes) || !slices.Equal(list[0].Scopes, []string{"openid", "profile", "email", "offline_access"}) {
		t.Fatalf("status scopes %q, session %q", list[0].Scopes, sess.Scopes)
	}
}

// gitHubServer plays github.com's web flow as documented
// (https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps):
// form-encoded token answers unless JSON is asked for, errors with HTTP
// 200, the secret in the body, and GET /user.
func gitHubServer(t *testing.T, tokenBody string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {"gh-code"}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("/login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("client_secret") != "gh-secret" || r.PostForm.Get("code") != "gh-code" {
			fmt.Fprint(w, "error=incorrect_client_credentials&error_description=The+client_id+and%2For+client_secret+passed+are+incorrect.")
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		fmt.Fprint(w, tokenBody)
	})
	mux.HandleFunc("/api/v3/user", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer gho_token" || r.Header.Get("User-Agent") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"login": "octocat", "id": 1, "name": nil, "email": "octo@example.test"})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestGitHubWebFlow(t *testing.T) {
	gh := gitHubServer(t, "access_token=gho_token&scope=read%3Auser%2Cgist&token_type=bearer")
	cfg := &Config{Provider: "github", Issuer: gh.URL, ClientID: "gh-client", ClientSecret: "gh-secret", Mode: ModeLoopback, ConfigDir: t.TempDir()}
	sess, _, _ := fakeSignIn(t, cfg)
	if sess.Who() != "octocat <octo@example.test>" || !slices.Equal(sess.Scopes, []string{"read:user", "gist"}) {
		t.Fatalf("who %q scopes %q", sess.Who(), sess.Scopes)
	}
	list, _ := SignIns(cfg)
	if len(list) != 1 || list[0].Who != "octocat <octo@example.test>" {
		t.Fatalf("%+v", list)
	}

	// An error sent with HTTP 200, form-encoded.
	gh = gitHubServer(t, "error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.&error_uri=https%3A%2F%2Fdocs.github.com")
	cfg = &Config{Provider: "github", Issuer: gh.URL, ClientID: "gh-client", ClientSecret: "gh-secret", Mode: ModeLoopback, ConfigDir: t.TempDir()}
	_, link, done := startLogin(t, context.Background(), cfg)
	browse(t, link)
	var te *TokenError
	if r := wait(t, done); !errors.As(r.err, &te) || te.Code != "bad_verification_code" || !strings.Contains(te.Description, "incorrect or expired") {
		t.Fatalf("err = %v", r.err)
	}
}
