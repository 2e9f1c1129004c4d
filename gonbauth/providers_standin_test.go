package gonbauth

// End-to-end tests of Login against local stand-ins of each provider
// (internal/providertest), set up with only what a user sets: the
// provider, the client ID (and secret where the provider insists), and
// the stand-in's address. The test browser follows only the link Login
// printed. Pure Go: they run in plain `go test`.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	pt "github.com/gonbauth/gonbauth/gonbauth/internal/providertest"
)

// exactPortHost is the redirect host a provider that matches ports
// exactly is registered with (Cognito allows http only for localhost).
var exactPortHost = map[pt.Name]string{pt.Okta: "127.0.0.1", pt.Auth0: "127.0.0.1", pt.Cognito: "localhost"}

// hasDevice lists the providers with a device grant.
var hasDevice = map[pt.Name]bool{pt.Google: true, pt.Microsoft: true, pt.GitHub: true, pt.GitLab: true, pt.Okta: true, pt.Auth0: true, pt.Keycloak: true}

// canRevoke lists the providers whose tokens gonbauth can revoke.
var canRevoke = map[pt.Name]bool{pt.Google: true, pt.GitLab: true, pt.Okta: true, pt.Auth0: true, pt.Keycloak: true, pt.Cognito: true}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startStandIn starts a provider's stand-in, registered as a user would
// register gonbauth: for exact-port providers, with a free port.
func startStandIn(t *testing.T, name pt.Name, opts pt.Options) *pt.Server {
	t.Helper()
	if host, ok := exactPortHost[name]; ok && opts.RedirectURIs == nil {
		opts.RedirectURIs = []string{fmt.Sprintf("http://%s:%d/callback", host, freePort(t))}
	}
	if opts.Interval == 0 {
		opts.Interval = 1 // the documented 5 s would only slow the tests
	}
	return pt.Start(t, name, opts)
}

// registeredPort is the port of an exact-port registration, else 0.
func registeredPort(s *pt.Server) int {
	u, err := url.Parse(s.RedirectURIs[0])
	if err != nil || u.Port() == "" {
		return 0
	}
	var p int
	fmt.Sscan(u.Port(), &p)
	return p
}

// needsSecret: the providers whose token endpoint insists on the secret.
func needsSecret(name pt.Name) bool { return name == pt.Google || name == pt.GitHub }

// providerConfig is everything a user sets for s: provider, issuer (or
// base URL), client ID, the secret where needed, and the registered port.
func providerConfig(t *testing.T, s *pt.Server) *Config {
	cfg := &Config{Provider: string(s.Name), Issuer: s.Issuer, ClientID: s.ClientID,
		Mode: ModeLoopback, Timeout: 30 * time.Second, ConfigDir: t.TempDir()}
	if needsSecret(s.Name) {
		cfg.ClientSecret = s.ClientSecret
	}
	if p := registeredPort(s); p != 0 {
		cfg.Ports = []int{p}
	}
	return cfg
}

// browseTo follows the printed link to the end, the loopback listener
// included, and returns the page the browser shows.
func browseTo(t *testing.T, link string) *pt.Page {
	t.Helper()
	p, err := pt.Browse(link)
	if err != nil {
		t.Fatalf("following the printed link %s: %v", link, err)
	}
	return p
}

// userAPI calls the stand-in's user endpoint with client and returns
// the HTTP status.
func userAPI(t *testing.T, s *pt.Server, client *http.Client) int {
	t.Helper()
	resp, err := client.Get(s.Endpoint("user"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func lastForm(t *testing.T, s *pt.Server, endpoint string) pt.Request {
	t.Helper()
	reqs := s.Requests(endpoint)
	if len(reqs) == 0 {
		t.Fatalf("the stand-in received no %s request", endpoint)
	}
	return reqs[len(reqs)-1]
}

var userCodeRE = regexp.MustCompile(`confirm the code (\S+?)\.?\s*$`)

// deviceSignIn approves a device sign-in from what Login printed: the
// verification link and the code.
func deviceSignIn(t *testing.T, out *urlWriter, link string) {
	t.Helper()
	var code string
	deadline := time.Now().Add(10 * time.Second)
	for code == "" {
		for _, l := range strings.Split(out.String(), "\n") {
			if m := userCodeRE.FindStringSubmatch(l); m != nil {
				code = m[1]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no user code printed:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := pt.ApproveDevice(link, code); err != nil {
		t.Fatal(err)
	}
}

// TestProvidersE2E signs in to each provider's stand-in, refreshes, signs
// in with the device grant where the provider has one, and signs out.
func TestProvidersE2E(t *testing.T) {
	for _, name := range pt.All {
		t.Run(string(name), func(t *testing.T) {
			s := startStandIn(t, name, pt.Options{})
			cfg := providerConfig(t, s)

			// Sign in through the printed link.
			out, link, done := startLogin(t, context.Background(), cfg)
			page := browseTo(t, link)
			r := wait(t, done)
			if r.err != nil {
				t.Fatalf("Login: %v\n%s\nbrowser ended on %s: %s", r.err, out, page.URL, page.Body)
			}
			if who := r.sess.Who(); !strings.Contains(who, s.User.Name) && !strings.Contains(who, s.User.Login) {
				t.Errorf("signed in as %q, want %s", who, s.User.Name)
			}
			checkAuthorizeRequest(t, s, lastForm(t, s, "authorize"))
			checkTokenRequest(t, s, lastForm(t, s, "token"))
			if userAPI(t, s, r.sess.Client()) != http.StatusOK {
				t.Fatal("the user endpoint refused the signed-in client")
			}

			// Refresh: the token expires, the client renews it.
			tok, err := r.sess.Token()
			if err != nil {
				t.Fatal(err)
			}
			if tok.RefreshToken == "" {
				t.Fatalf("no refresh token from %s: the sign-in would die when the access token expires", name)
			}
			expireSession(r.sess)
			if userAPI(t, s, r.sess.Client()) != http.StatusOK || s.Grants("refresh_token") != 1 {
				t.Fatalf("refresh: %d refresh grants", s.Grants("refresh_token"))
			}
			// The next program refreshes from the store: a rotated refresh
			// token must have been saved (GitHub, GitLab, Okta and Auth0
			// refuse the old one).
			expireSaved(t, cfg)
			sess, qout, err := loginQuiet(t, cfg)
			if err != nil {
				t.Fatalf("Login from the store after expiry: %v\n%s", err, qout)
			}
			if s.Grants("refresh_token") != 2 || userAPI(t, s, sess.Client()) != http.StatusOK {
				t.Fatalf("the saved sign-in was not refreshed: %d refresh grants", s.Grants("refresh_token"))
			}
			// Both refreshes' ID tokens (where the provider sends one) pass
			// the same checks as the sign-in's, Entra's tenant issuer included.
			for _, said := range []string{out.String(), qout} {
				if strings.Contains(said, "ID token") {
					t.Errorf("a refreshed ID token was refused:\n%s", said)
				}
			}

			// Sign out.
			last, _ := sess.Token()
			said, err := logout(cfg)
			if err != nil {
				t.Fatalf("Logout: %v", err)
			}
			if canRevoke[name] {
				if len(s.Revoked()) == 0 || s.TokenValid(last.AccessToken) {
					t.Fatalf("Logout did not revoke the sign-in at %s (revoked %d tokens)", name, len(s.Revoked()))
				}
				if strings.Contains(said, "not revoked") {
					t.Fatalf("Logout revoked, but says it did not:\n%s", said)
				}
			} else {
				checkNotRevokedSaid(t, said)
			}
			if list, _ := SignIns(cfg); len(list) != 0 {
				t.Fatalf("still saved after Logout: %+v", list)
			}
		})
	}
}

// checkAuthorizeRequest checks what each provider needs in the
// authorization request to give a refresh token without bothering users.
func checkAuthorizeRequest(t *testing.T, s *pt.Server, req pt.Request) {
	t.Helper()
	f := req.Form
	scopes := strings.Fields(f.Get("scope"))
	redirect, _ := url.Parse(f.Get("redirect_uri"))
	switch s.Name {
	case pt.Google:
		if f.Get("access_type") != "offline" || slices.Contains(scopes, "offline_access") {
			t.Errorf("Google needs access_type=offline, not offline_access: %v", f)
		}
	case pt.Microsoft:
		if f.Get("prompt") == "consent" {
			t.Error("prompt=consent sent to Entra ID: users without consent rights see \"Need admin approval\"")
		}
		if redirect.Hostname() != "localhost" {
			t.Errorf("Entra ID registers http://localhost; sent %s", redirect)
		}
	case pt.GitLab, pt.Cognito:
		if slices.Contains(scopes, "offline_access") {
			t.Errorf("%s does not list offline_access: %v", s.Name, scopes)
		}
	case pt.Okta, pt.Auth0:
		if !slices.Contains(scopes, "offline_access") {
			t.Errorf("%s gives refresh tokens only for offline_access: %v", s.Name, scopes)
		}
	}
	if p := registeredPort(s); p != 0 && f.Get("redirect_uri") != s.RedirectURIs[0] {
		t.Errorf("redirect_uri %s, registered %s", f.Get("redirect_uri"), s.RedirectURIs[0])
	}
}

func checkTokenRequest(t *testing.T, s *pt.Server, req pt.Request) {
	t.Helper()
	switch s.Name {
	case pt.GitHub:
		if req.ClientAuth != "post" {
			t.Errorf("GitHub reads the secret from the body; sent with %q", req.ClientAuth)
		}
	case pt.Google:
		if req.ClientAuth == "none" {
			t.Error("Google's token request had no client secret")
		}
	}
}

// TestProvidersDeviceE2E signs in with the device grant on each provider
// that has one (Google: a "TVs and Limited Input devices" client).
func TestProvidersDeviceE2E(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	for _, name := range pt.All {
		if !hasDevice[name] {
			continue
		}
		t.Run(string(name), func(t *testing.T) {
			t.Parallel()
			opts := pt.Options{}
			if name == pt.Google {
				opts.ClientType = "tv"
			}
			s := startStandIn(t, name, opts)
			cfg := providerConfig(t, s)
			cfg.Mode = ModeDevice
			out, link, done := startLogin(t, context.Background(), cfg)
			if !strings.HasPrefix(link, s.URL) {
				t.Fatalf("device link %q is not the stand-in's verification page", link)
			}
			deviceSignIn(t, out, link)
			r := wait(t, done)
			if r.err != nil {
				t.Fatalf("device sign-in: %v\n%s", r.err, out)
			}
			if len(s.Requests("device")) != 1 || s.Grants("urn:ietf:params:oauth:grant-type:device_code") != 1 {
				t.Fatalf("device requests %d", len(s.Requests("device")))
			}
			if userAPI(t, s, r.sess.Client()) != http.StatusOK {
				t.Fatal("the device sign-in's token is refused")
			}
		})
	}
}

// TestProviderGoogleNoSecret: a Desktop client without its secret gets an
// error that says what the secret is and where it goes.
func TestProviderGoogleNoSecret(t *testing.T) {
	s := startStandIn(t, pt.Google, pt.Options{})
	cfg := providerConfig(t, s)
	cfg.ClientSecret = ""
	t.Setenv(EnvClientSecret, "")
	err := loginMaybeBrowsing(t, cfg)
	if err == nil {
		t.Fatal("signed in to Google without the client secret")
	}
	if !strings.Contains(err.Error(), EnvClientSecret) {
		t.Fatalf("the error does not say where the secret goes: %v", err)
	}
}

// loginMaybeBrowsing runs Login and, if it shows a link, follows it; it
// returns Login's error.
func loginMaybeBrowsing(t *testing.T, cfg *Config) error {
	t.Helper()
	out := newURLWriter()
	cfg.Output, cfg.NoBrowser = out, true
	done := make(chan error, 1)
	go func() { _, err := Login(context.Background(), cfg); done <- err }()
	select {
	case err := <-done:
		return err
	case link := <-out.urls:
		pt.Browse(link)
	case <-time.After(20 * time.Second):
		t.Fatal("Login neither failed nor showed a link")
	}
	select {
	case err := <-done:
		return err
	case <-time.After(40 * time.Second):
		t.Fatal("Login did not return")
	}
	return nil
}

// TestProviderGoogleClientFile: the client JSON as downloaded from the
// console gives the client ID and secret.
func TestProviderGoogleClientFile(t *testing.T) {
	s := startStandIn(t, pt.Google, pt.Options{})
	file := s.ClientFile(t)
	// Only the file and the stand-in's address (in place of Google's).
	cfg := &Config{ClientFile: file, Issuer: s.Issuer, Mode: ModeLoopback, Timeout: 30 * time.Second, ConfigDir: t.TempDir()}
	t.Setenv(EnvClientSecret, "")
	t.Setenv(EnvClientID, "")
	signInThrough(t, cfg, browseTo)
	if f := lastForm(t, s, "authorize").Form; f.Get("client_id") != s.ClientID || f.Get("access_type") != "offline" {
		t.Fatalf("authorization request %v", f)
	}
	if req := lastForm(t, s, "token"); req.ClientAuth == "none" {
		t.Fatal("the file's secret was not sent")
	}
}

// TestProviderGoogleRemoteKernel: on a remote kernel the automatic mode
// does not pick the device grant, which Google refuses for a Desktop
// client; the paste mode signs in.
func TestProviderGoogleRemoteKernel(t *testing.T) {
	t.Setenv(EnvMode, "")
	t.Setenv("SSH_CONNECTION", "192.0.2.1 51234 192.0.2.2 22")
	s := startStandIn(t, pt.Google, pt.Options{})
	cfg := providerConfig(t, s)
	cfg.Mode = ModeAuto
	paste := pasteInput(t, cfg)
	out, link, done := startLogin(t, context.Background(), cfg)
	if len(s.Requests("device")) != 0 || strings.HasPrefix(link, s.URL+"/device") {
		t.Fatalf("the automatic mode tried the device grant for a Desktop client:\n%s", out)
	}
	if !strings.Contains(out.String(), "paste") {
		t.Fatalf("the status does not offer paste:\n%s", out)
	}
	pasteSignIn(t, link, paste, out, done)
}

// pasteSignIn follows link in a browser that cannot reach the listener,
// pastes the address it ends on, and wants Login to succeed.
func pasteSignIn(t *testing.T, link string, paste io.Writer, out *urlWriter, done <-chan loginResult) {
	t.Helper()
	p, err := pt.BrowseUnreachable(link)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(paste, p.URL)
	if r := wait(t, done); r.err != nil {
		t.Fatalf("the pasted sign-in: %v\n%s", r.err, out)
	}
}

// TestProviderEntraCommonOtherTenant: with the common authority, a user
// of another organization signs in; the metadata's issuer is the
// {tenantid} template and the ID token's is that user's tenant.
func TestProviderEntraCommonOtherTenant(t *testing.T) {
	s := startStandIn(t, pt.Microsoft, pt.Options{Tenant: "common", UserTenant: pt.OtherTenant})
	cfg := providerConfig(t, s)
	sess, _, _ := signInThrough(t, cfg, browseTo)
	if sess.Claims["tid"] != pt.OtherTenant {
		t.Fatalf("tid %v", sess.Claims["tid"])
	}
	// Status shows the scopes granted, not defaults that were dropped.
	list, err := SignIns(cfg)
	if err != nil || len(list) != 1 || !slices.Contains(list[0].Scopes, "User.Read") {
		t.Fatalf("saved scopes %+v (%v): want those granted, with User.Read", list, err)
	}
}

// TestProviderEntraForgedTID: an ID token whose tid is not the tenant in
// its iss is refused.
func TestProviderEntraForgedTID(t *testing.T) {
	s := startStandIn(t, pt.Microsoft, pt.Options{Tenant: "common", UserTenant: pt.OtherTenant, ForgeTID: true})
	cfg := providerConfig(t, s)
	_, link, done := startLogin(t, context.Background(), cfg)
	browseTo(t, link)
	r := wait(t, done)
	if r.err == nil {
		t.Fatalf("an ID token with a forged tid was accepted: tid %v", r.sess.Claims["tid"])
	}
	if !strings.Contains(r.err.Error(), pt.OtherTenant) && !strings.Contains(r.err.Error(), "tid") {
		t.Fatalf("refused, but not for its issuer and tid: %v", r.err)
	}
	if list, _ := SignIns(cfg); len(list) != 0 {
		t.Fatal("the forged sign-in was saved")
	}
}

// TestProviderLocalhostRegistration: Entra ID registers http://localhost;
// gonbauth redirects there by default, and the listener still binds
// 127.0.0.1. Redirecting to 127.0.0.1 instead is refused as Entra does.
func TestProviderLocalhostRegistration(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	s := startStandIn(t, pt.Microsoft, pt.Options{RedirectURIs: []string{"http://localhost/callback"}})
	cfg := providerConfig(t, s)
	out, link, done := startLogin(t, context.Background(), cfg)
	ru, _ := url.Parse(lastFormOf(link, "redirect_uri"))
	if ru.Hostname() != "localhost" {
		t.Fatalf("redirect_uri %s", ru)
	}
	// The listener is on the loopback interface only.
	if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", ru.Port()), time.Second); err != nil {
		t.Fatalf("no listener on 127.0.0.1:%s: %v", ru.Port(), err)
	} else {
		c.Close()
	}
	browseTo(t, link)
	if r := wait(t, done); r.err != nil {
		t.Fatalf("%v\n%s", r.err, out)
	}

	cfg = providerConfig(t, s)
	cfg.RedirectHost, cfg.Timeout = "127.0.0.1", 2*time.Second
	_, link, done = startLogin(t, context.Background(), cfg)
	if p := browseTo(t, link); !strings.Contains(p.Body, "AADSTS50011") {
		t.Fatalf("a 127.0.0.1 redirect was not refused: %s %s", p.URL, p.Body)
	}
	if r := wait(t, done); !errors.Is(r.err, ErrTimeout) {
		t.Fatalf("err = %v", r.err)
	}
}

func lastFormOf(link, key string) string {
	u, _ := url.Parse(link)
	return u.Query().Get(key)
}

// TestProviderExactPort: servers that match the port exactly refuse the
// free port the system picks; the timeout then names GONBAUTH_PORT, and
// with the registered port set the sign-in works.
func TestProviderExactPort(t *testing.T) {
	// Not parallel with the other tests: the stand-ins that match ports
	// exactly register a free port picked in advance, which the many
	// connections of other tests could take meanwhile. The subtests wait
	// together.
	for _, name := range []pt.Name{pt.Okta, pt.Auth0, pt.Cognito} {
		t.Run(string(name), func(t *testing.T) {
			t.Parallel()
			s := startStandIn(t, name, pt.Options{})
			cfg := providerConfig(t, s)
			cfg.Ports, cfg.Timeout = nil, 2*time.Second
			_, link, done := startLogin(t, context.Background(), cfg)
			if p := browseTo(t, link); strings.Contains(p.URL, "code=") {
				t.Fatalf("%s accepted an unregistered port: %s", name, p.URL)
			}
			r := wait(t, done)
			if !errors.Is(r.err, ErrTimeout) || !strings.Contains(r.err.Error(), EnvPort) {
				t.Fatalf("the timeout does not name %s: %v", EnvPort, r.err)
			}

			// With Ports: the registered one.
			signInThrough(t, providerConfig(t, s), browseTo)
		})
	}
}

// TestProviderGitHubFormEncoded: GitHub answers the token request
// form-encoded unless asked for JSON; either way the sign-in works, the
// expiring GitHub App token included, and "signed in as" comes from the
// user API.
func TestProviderGitHubFormEncoded(t *testing.T) {
	for _, clientType := range []string{"github-app", "oauth-app"} {
		t.Run(clientType, func(t *testing.T) {
			s := startStandIn(t, pt.GitHub, pt.Options{ClientType: clientType})
			sess, _, _ := signInThrough(t, providerConfig(t, s), browseTo)
			tok, _ := sess.Token()
			if (clientType == "github-app") != (tok.RefreshToken != "") || (clientType == "github-app") == tok.Expiry.IsZero() {
				t.Fatalf("%s: refresh token %v, expiry %v", clientType, tok.RefreshToken != "", tok.Expiry)
			}
			if !strings.Contains(sess.Who(), "octocat") && !strings.Contains(sess.Who(), "Octocat") {
				t.Fatalf("who: %q", sess.Who())
			}
			accept := lastForm(t, s, "token").Header.Get("Accept")
			t.Logf("token request Accept %q: answered %s", accept, map[bool]string{true: "JSON", false: "form-encoded"}[strings.Contains(accept, "json")])
		})
	}
}

// TestProviderGitHubErrorsWithStatus200: GitHub's errors come with HTTP
// 200; they must read as the errors they are, not as a token.
func TestProviderGitHubErrorsWithStatus200(t *testing.T) {
	s := startStandIn(t, pt.GitHub, pt.Options{})
	cfg := providerConfig(t, s)
	cfg.ClientSecret = "not-the-secret"
	err := loginMaybeBrowsing(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "incorrect_client_credentials") {
		t.Fatalf("a wrong secret: %v", err)
	}

	// A refresh token GitHub no longer accepts: bad_refresh_token.
	sess, _, _ := signInThrough(t, providerConfig(t, s), browseTo)
	tok, _ := sess.Token()
	req, _ := http.NewRequest("POST", s.Endpoint("token"), strings.NewReader(url.Values{
		"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}, "grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err == nil { // rotate it behind the session's back
		resp.Body.Close()
	}
	expireSession(sess)
	_, err = sess.Token()
	var te *TokenError
	if !errors.As(err, &te) || te.Code != "bad_refresh_token" {
		t.Fatalf("refresh with a used token: %v", err)
	}
}

// TestProviderDeviceFallbackToPaste: on a remote kernel the automatic mode
// picks the device grant; when the server refuses it for this client
// (Keycloak and Okta: unauthorized_client; GitHub: an error with HTTP 200
// and no device code), the sign-in falls back to paste and says why.
func TestProviderDeviceFallbackToPaste(t *testing.T) {
	t.Setenv(EnvMode, "")
	t.Setenv("SSH_CONNECTION", "192.0.2.1 51234 192.0.2.2 22")
	for _, tt := range []struct {
		name pt.Name
		why  string
	}{
		{pt.Keycloak, "unauthorized_client"},
		{pt.Okta, "unauthorized_client"},
		{pt.GitHub, "device flow"},
	} {
		t.Run(string(tt.name), func(t *testing.T) {
			s := startStandIn(t, tt.name, pt.Options{DeviceDisabled: true})
			cfg := providerConfig(t, s)
			cfg.Mode = ModeAuto
			paste := pasteInput(t, cfg)
			out, link, done := startLogin(t, context.Background(), cfg)
			if len(s.Requests("device")) != 1 || !strings.HasPrefix(link, s.Endpoint("authorize")) {
				t.Fatalf("no fallback to the authorization link: %s\n%s", link, out)
			}
			if low := strings.ToLower(out.String()); !strings.Contains(low, "paste") || !strings.Contains(low, tt.why) {
				t.Fatalf("the fallback does not say why (%s) or what to do (paste):\n%s", tt.why, out)
			}
			pasteSignIn(t, link, paste, out, done)
		})
	}
}

// TestProviderInvalidScope: a server that lists no scopes but refuses
// profile and email: the error names the scopes sent and how to choose.
func TestProviderInvalidScope(t *testing.T) {
	s := startStandIn(t, pt.Generic, pt.Options{})
	cfg := &Config{Issuer: s.Issuer, ClientID: s.ClientID, Mode: ModeLoopback, Timeout: 30 * time.Second, ConfigDir: t.TempDir()}
	t.Setenv(EnvScopes, "")
	_, link, done := startLogin(t, context.Background(), cfg)
	browseTo(t, link)
	r := wait(t, done)
	if r.err == nil {
		t.Fatal("signed in with refused scopes")
	}
	for _, want := range []string{"invalid_scope", "profile", EnvScopes} {
		if !strings.Contains(r.err.Error(), want) {
			t.Errorf("the error lacks %q: %v", want, r.err)
		}
	}
}

// TestProviderAuth0TrailingSlash: an Auth0 issuer typed without its
// trailing "/" is accepted, or refused with the exact value to set.
func TestProviderAuth0TrailingSlash(t *testing.T) {
	s := startStandIn(t, pt.Auth0, pt.Options{})
	cfg := providerConfig(t, s)
	cfg.Issuer = strings.TrimSuffix(s.Issuer, "/")
	err := loginMaybeBrowsing(t, cfg)
	if err != nil && !strings.Contains(err.Error(), `"`+s.Issuer+`"`) {
		t.Fatalf("refused without naming the issuer to set (%s): %v", s.Issuer, err)
	}
}

// TestProviderAuth0DeviceAudience: the audience of the extra parameters
// goes to the device authorization request too.
func TestProviderAuth0DeviceAudience(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	s := startStandIn(t, pt.Auth0, pt.Options{})
	cfg := providerConfig(t, s)
	cfg.Mode, cfg.AuthParams = ModeDevice, url.Values{"audience": {"https://api.example.test"}}
	out, link, done := startLogin(t, context.Background(), cfg)
	deviceSignIn(t, out, link)
	if r := wait(t, done); r.err != nil {
		t.Fatalf("%v\n%s", r.err, out)
	}
	if got := lastForm(t, s, "device").Form.Get("audience"); got != "https://api.example.test" {
		t.Fatalf("device request audience %q", got)
	}
}

// logout runs Logout and returns what it wrote on Config.Output.
func logout(cfg *Config) (string, error) {
	var out strings.Builder
	c := *cfg
	c.Output = &out
	err := Logout(context.Background(), &c)
	return out.String(), err
}

// checkNotRevokedSaid: a sign-out the server cannot revoke says so, once,
// and until when the token stays valid.
func checkNotRevokedSaid(t *testing.T, said string) {
	t.Helper()
	low := strings.ToLower(said)
	if strings.Count(low, "not revoked") != 1 || !strings.Contains(low, "valid until") {
		t.Fatalf("Logout does not say, once, that the token was not revoked and until when it stays valid:\n%s", said)
	}
}

// TestProviderLogoutWithoutRevocation: Entra ID has no revocation
// endpoint, and GitHub revokes only through its REST API with the client
// secret: Logout forgets the sign-in, and says it could not revoke it and
// until when the token stays valid.
func TestProviderLogoutWithoutRevocation(t *testing.T) {
	for _, name := range []pt.Name{pt.Microsoft, pt.GitHub} {
		t.Run(string(name), func(t *testing.T) {
			s := startStandIn(t, name, pt.Options{})
			cfg := providerConfig(t, s)
			signInThrough(t, cfg, browseTo)
			said, err := logout(cfg)
			if err != nil {
				t.Fatalf("Logout: %v", err)
			}
			checkNotRevokedSaid(t, said)
			if list, _ := SignIns(cfg); len(list) != 0 {
				t.Fatal("the sign-in is still saved")
			}
		})
	}
}

// TestProviderGoogleRefreshWithoutSecret: a saved Google sign-in whose
// token has expired, in a program that lacks the secret, is kept and the
// missing secret is explained: the refresh would be refused, the saved
// sign-in lost with it, and no new sign-in could succeed either.
func TestProviderGoogleRefreshWithoutSecret(t *testing.T) {
	s := startStandIn(t, pt.Google, pt.Options{})
	cfg := providerConfig(t, s)
	signInThrough(t, cfg, browseTo)
	expireSaved(t, cfg)
	t.Setenv(EnvClientSecret, "")
	noSecret := *cfg
	noSecret.ClientSecret = ""
	if _, text, err := loginQuiet(t, &noSecret); err == nil || !strings.Contains(err.Error(), EnvClientSecret) {
		t.Fatalf("err = %v\n%s", err, text)
	}
	if n := s.Grants("refresh_token"); n != 0 {
		t.Errorf("%d refreshes sent without the secret", n)
	}
	if list, _ := SignIns(cfg); len(list) != 1 {
		t.Fatal("the saved sign-in was lost")
	}
	// With the secret back, the saved sign-in is refreshed.
	if _, text, err := loginQuiet(t, cfg); err != nil || s.Grants("refresh_token") != 1 {
		t.Fatalf("%v, %d refreshes\n%s", err, s.Grants("refresh_token"), text)
	}
}
