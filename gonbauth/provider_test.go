package gonbauth

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestInferProvider(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://accounts.google.com", ProviderGoogle},
		{"https://oauth2.googleapis.com/token", ProviderGoogle},
		{"https://login.microsoftonline.com/common/v2.0", ProviderMicrosoft},
		{"https://github.com", ProviderGitHub},
		{"https://gitlab.com", ProviderGitLab},
		{"https://dev-123456.okta.com/oauth2/default", ProviderOkta},
		{"https://acme.oktapreview.com", ProviderOkta},
		{"https://dev-abc.us.auth0.com/", ProviderAuth0},
		{"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC", ProviderCognito},
		{"https://pool.auth.eu-west-1.amazoncognito.com/oauth2/token", ProviderCognito},
		{"https://sso.example.com/realms/lab", ProviderKeycloak},
		{"https://login.example.com", ""},
		{"https://okta.com.evil.example", ""}, // a suffix, not a host match
		{"https://evilokta.com", ""},
		{"not a url", ""},
	} {
		if got := inferProvider(tt.url); got != tt.want {
			t.Errorf("inferProvider(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

// TestProviderProfiles: with only a client ID (and the issuer where the
// provider has no default), each provider fills in its issuer, scopes,
// parameters, redirect host and client authentication.
func TestProviderProfiles(t *testing.T) {
	for _, tt := range []struct {
		name         string
		cfg          Config
		issuer       string
		scopes       []string
		params       url.Values
		redirectHost string
		clientAuth   string
		authURL      string
	}{
		{name: "generic", cfg: Config{Issuer: "https://login.example.com"}, issuer: "https://login.example.com",
			scopes: DefaultScopes(), params: url.Values{}, redirectHost: "127.0.0.1"},
		{name: "google", cfg: Config{Provider: "google"}, issuer: "https://accounts.google.com",
			scopes: []string{"openid", "email", "profile"}, params: url.Values{"access_type": {"offline"}, "prompt": {"consent"}},
			redirectHost: "127.0.0.1", clientAuth: "post"},
		{name: "google inferred", cfg: Config{Issuer: "https://accounts.google.com"}, issuer: "https://accounts.google.com",
			scopes: []string{"openid", "email", "profile"}, params: url.Values{"access_type": {"offline"}, "prompt": {"consent"}},
			redirectHost: "127.0.0.1", clientAuth: "post"},
		{name: "microsoft default tenant", cfg: Config{Provider: "Microsoft"}, issuer: "https://login.microsoftonline.com/organizations/v2.0",
			scopes: DefaultScopes(), params: url.Values{}, redirectHost: "localhost"},
		{name: "microsoft tenant", cfg: Config{Provider: "microsoft", Tenant: "common"}, issuer: "https://login.microsoftonline.com/common/v2.0",
			scopes: DefaultScopes(), params: url.Values{}, redirectHost: "localhost"},
		{name: "github", cfg: Config{Provider: "github"}, issuer: "https://github.com", scopes: []string{},
			params: url.Values{}, redirectHost: "127.0.0.1", clientAuth: "post", authURL: "https://github.com/login/oauth/authorize"},
		{name: "github enterprise", cfg: Config{Provider: "github", Issuer: "https://ghe.example.com/"}, issuer: "https://ghe.example.com/", scopes: []string{},
			params: url.Values{}, redirectHost: "127.0.0.1", clientAuth: "post", authURL: "https://ghe.example.com/login/oauth/authorize"},
		{name: "gitlab", cfg: Config{Provider: "gitlab"}, issuer: "https://gitlab.com", scopes: []string{"openid", "profile", "email"},
			params: url.Values{}, redirectHost: "127.0.0.1"},
		{name: "cognito", cfg: Config{Issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"}, issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
			scopes: []string{"openid", "profile", "email"}, params: url.Values{}, redirectHost: "localhost"},
		// Every explicit setting wins over the profile.
		{name: "overrides", cfg: Config{Provider: "google", Issuer: "http://127.0.0.1:9/google", Scopes: []string{"openid", "drive"},
			AuthParams: url.Values{"prompt": {"select_account"}}, RedirectHost: "localhost", ClientAuth: "basic", AuthURL: "http://127.0.0.1:9/auth"},
			issuer: "http://127.0.0.1:9/google", scopes: []string{"openid", "drive"}, params: url.Values{"access_type": {"offline"}, "prompt": {"select_account"}},
			redirectHost: "localhost", clientAuth: "basic", authURL: "http://127.0.0.1:9/auth"},
		{name: "github overrides", cfg: Config{Provider: "github", Issuer: "http://127.0.0.1:9", AuthURL: "http://127.0.0.1:9/a", ClientAuth: "none", ClientSecret: "dropped"},
			issuer: "http://127.0.0.1:9", scopes: []string{}, params: url.Values{}, redirectHost: "127.0.0.1", clientAuth: "none", authURL: "http://127.0.0.1:9/a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.ClientID = "cid"
			s, err := tt.cfg.resolve(envFrom(nil))
			if err != nil {
				t.Fatal(err)
			}
			if s.issuer != tt.issuer || !slices.Equal(s.scopes, tt.scopes) || s.redirectHost != tt.redirectHost || s.clientAuth != tt.clientAuth {
				t.Errorf("issuer %q scopes %q redirect host %q client auth %q", s.issuer, s.scopes, s.redirectHost, s.clientAuth)
			}
			if s.authParams.Encode() != tt.params.Encode() {
				t.Errorf("auth params %q, want %q", s.authParams.Encode(), tt.params.Encode())
			}
			if tt.authURL != "" && s.authURL != tt.authURL {
				t.Errorf("auth URL %q", s.authURL)
			}
			if tt.clientAuth == "none" && s.clientSecret != "" {
				t.Error("client auth none still sends the secret")
			}
		})
	}
}

func TestProviderFromEnvironment(t *testing.T) {
	s, err := (*Config)(nil).resolve(envFrom(map[string]string{
		EnvClientID: "cid", EnvProvider: "microsoft", EnvTenant: "consumers", EnvRedirectHost: "::1",
		EnvClientAuth: "AUTO", EnvDeviceURL: "https://login.example.com/device", EnvRevocationURL: "https://login.example.com/revoke",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if s.prov.name != ProviderMicrosoft || s.issuer != "https://login.microsoftonline.com/consumers/v2.0" || s.redirectHost != "[::1]" ||
		s.clientAuth != "auto" || s.deviceURL != "https://login.example.com/device" || s.revocationURL != "https://login.example.com/revoke" {
		t.Fatalf("%+v", s)
	}
	// The tenant comes from the issuer when one is set.
	s, err = (&Config{ClientID: "c", Provider: "microsoft", Issuer: "http://127.0.0.1:1/common/v2.0"}).resolve(envFrom(nil))
	if err != nil || s.tenant != "common" {
		t.Fatalf("tenant %q, %v", s.tenant, err)
	}
}

func TestProviderErrors(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want []string
	}{
		{Config{Provider: "azure"}, []string{"GONBAUTH_PROVIDER", `"azure"`, "google, microsoft"}},
		{Config{Provider: "okta"}, []string{"GONBAUTH_ISSUER", "Okta", "okta.com/oauth2/default"}},
		{Config{Provider: "auth0"}, []string{"GONBAUTH_ISSUER", "trailing slash"}},
		{Config{Provider: "keycloak"}, []string{"/realms/"}},
		{Config{Provider: "google", Tenant: "x"}, []string{"GONBAUTH_TENANT", "only for Microsoft"}},
		{Config{Issuer: "https://login.example.com", RedirectHost: "example.com"}, []string{"GONBAUTH_REDIRECT_HOST", "127.0.0.1, localhost or [::1]"}},
		{Config{Issuer: "https://login.example.com", ClientAuth: "jwt"}, []string{"GONBAUTH_CLIENT_AUTH", "basic, post, none or auto"}},
		{Config{Issuer: "https://login.example.com", DeviceAuthURL: "http://login.example.com/d"}, []string{"Config.DeviceAuthURL", "GONBAUTH_DEVICE_URL", "https"}},
		{Config{Issuer: "https://login.example.com", RevocationURL: "revoke"}, []string{"Config.RevocationURL", "GONBAUTH_REVOCATION_URL"}},
	} {
		tt.cfg.ClientID = "cid"
		_, err := tt.cfg.resolve(envFrom(nil))
		checkErrorSays(t, fmt.Sprintf("%+v", tt.cfg), err, tt.want...)
	}
}

// checkErrorSays wants an error whose message holds each of words; what
// names the case in the failures.
func checkErrorSays(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error; want one that says %q", what, words)
		return
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %v\n(missing %q)", what, err, w)
		}
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "client_secret.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A client file as the Google Cloud console downloads it for a Desktop
// app (the format google-auth-oauthlib reads).
const googleClientFile = `{"installed":{"client_id":"123-abc.apps.googleusercontent.com","project_id":"p","auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token","auth_provider_x509_cert_url":"https://www.googleapis.com/oauth2/v1/certs","client_secret":"GOCSPX-file-secret","redirect_uris":["http://localhost"]}}`

func TestClientFile(t *testing.T) {
	t.Run("installed", func(t *testing.T) {
		s, err := (&Config{ClientFile: writeFile(t, googleClientFile)}).resolve(envFrom(nil))
		if err != nil {
			t.Fatal(err)
		}
		if s.prov.name != ProviderGoogle || s.clientID != "123-abc.apps.googleusercontent.com" || s.clientSecret != "GOCSPX-file-secret" ||
			s.issuer != "https://accounts.google.com" || s.authURL != "" {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("web, from the environment, explicit settings win", func(t *testing.T) {
		p := writeFile(t, `{"web":{"client_id":"w","client_secret":"ws","auth_uri":"http://127.0.0.1:9/auth","token_uri":"http://127.0.0.1:9/token"}}`)
		s, err := (&Config{ClientID: "explicit"}).resolve(envFrom(map[string]string{EnvClientFile: p}))
		if err != nil {
			t.Fatal(err)
		}
		if s.clientID != "explicit" || s.clientSecret != "ws" || s.authURL != "http://127.0.0.1:9/auth" || s.tokenURL != "http://127.0.0.1:9/token" {
			t.Fatalf("%+v", s)
		}
		// An explicit issuer wins over the file's endpoints.
		s, err = (&Config{ClientFile: p, Issuer: "http://127.0.0.1:8"}).resolve(envFrom(nil))
		if err != nil || s.authURL != "" || s.issuer != "http://127.0.0.1:8" {
			t.Fatalf("%+v %v", s, err)
		}
	})
	for _, tt := range []struct {
		name, content string
		want          []string
	}{
		{"not JSON", `{"installed":`, []string{"not valid JSON", "Download JSON"}},
		{"a service account key", `{"type":"service_account","client_id":"1","private_key":"k"}`, []string{`neither an "installed" nor a "web"`, "service account", "Desktop app"}},
		{"both", `{"installed":{"client_id":"a"},"web":{"client_id":"b"}}`, []string{"both"}},
		{"no client_id", `{"installed":{"client_secret":"s"}}`, []string{"no client_id"}},
		{"wrong type", `{"installed":"x"}`, []string{"not a client file"}},
		{"plain http endpoint", `{"installed":{"client_id":"a","token_uri":"http://evil.example/token"}}`, []string{"plain http"}},
		{"too large", `{"installed":{"client_id":"` + strings.Repeat("a", maxClientFileBytes) + `"}}`, []string{"larger than"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&Config{ClientFile: writeFile(t, tt.content)}).resolve(envFrom(nil))
			if err == nil {
				t.Fatal("no error")
			}
			checkErrorSays(t, "client file", err, append(tt.want, "GONBAUTH_CLIENT_FILE")...)
			if strings.Contains(err.Error(), `"s"`) {
				t.Errorf("the error repeats the file's secret: %v", err)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		_, err := (&Config{ClientFile: filepath.Join(t.TempDir(), "nope.json")}).resolve(envFrom(nil))
		if err == nil || !strings.Contains(err.Error(), "no such file") || !strings.Contains(err.Error(), "Download JSON") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestAcceptsIssuer(t *testing.T) {
	ms := &settings{issuer: "https://login.microsoftonline.com/organizations/v2.0", prov: profiles[ProviderMicrosoft]}
	generic := &settings{issuer: "https://login.microsoftonline.com/organizations/v2.0", prov: profiles[ProviderGeneric]}
	for _, tt := range []struct {
		s    *settings
		md   string
		want bool
	}{
		{ms, "https://login.microsoftonline.com/{tenantid}/v2.0", true},
		{ms, "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0", true},
		{ms, "https://login.microsoftonline.com/{tenantid}/v2.0/extra", false},
		{ms, "https://evil.example/{tenantid}/v2.0", false},
		{ms, "http://login.microsoftonline.com/{tenantid}/v2.0", false},
		{ms, "https://login.microsoftonline.com/not-a-guid/v2.0", false},
		{ms, "https://login.microsoftonline.com/{tenantid}/v1.0", false},
		{generic, "https://login.microsoftonline.com/{tenantid}/v2.0", false},
	} {
		if got := tt.s.acceptsIssuer(tt.md); got != tt.want {
			t.Errorf("%s accepts %q = %v", tt.s.prov.name, tt.md, got)
		}
	}
}

func TestCompleteEndpoints(t *testing.T) {
	gl := &settings{issuer: "https://gitlab.example.com/", prov: profiles[ProviderGitLab]}
	ep := &endpoints{token: "https://gitlab.example.com/oauth/token"}
	gl.completeEndpoints(ep)
	if ep.device != "https://gitlab.example.com/oauth/authorize_device" || ep.revocation != "" {
		t.Fatalf("gitlab: %+v", ep)
	}
	cg := &settings{issuer: "https://cognito-idp.eu-west-1.amazonaws.com/pool", prov: profiles[ProviderCognito]}
	ep = &endpoints{token: "https://pool.auth.eu-west-1.amazoncognito.com/oauth2/token"}
	cg.completeEndpoints(ep)
	if ep.revocation != "https://pool.auth.eu-west-1.amazoncognito.com/oauth2/revoke" || ep.device != "" {
		t.Fatalf("cognito: %+v", ep)
	}
	// What the metadata or the settings give is kept.
	ep = &endpoints{token: "https://x.example/t", device: "https://x.example/d", revocation: "https://x.example/r"}
	gl.completeEndpoints(ep)
	cg.completeEndpoints(ep)
	if ep.device != "https://x.example/d" || ep.revocation != "https://x.example/r" {
		t.Fatalf("overwritten: %+v", ep)
	}
}

func TestShownScopes(t *testing.T) {
	e := &entry{entryKey: entryKey{Scopes: []string{"email", "offline_access", "openid", "profile"}}}
	e.Token.Scope = "openid email profile"
	if got := e.shownScopes(); !slices.Equal(got, []string{"openid", "email", "profile"}) {
		t.Fatalf("granted: %q", got)
	}
	e.Token.Scope = ""
	if got := e.shownScopes(); !slices.Equal(got, e.Scopes) {
		t.Fatalf("fallback: %q", got)
	}
}
