package gonbauth

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/surface"
)

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigFromEnvironment(t *testing.T) {
	s, err := (*Config)(nil).resolve(envFrom(map[string]string{
		EnvIssuer:     "https://login.example.com",
		EnvClientID:   "cid",
		EnvScopes:     "openid, email  api:read",
		EnvPort:       "8085, 8086",
		EnvTimeout:    "90",
		EnvNoBrowser:  "true",
		EnvAuthParams: "audience=api&login_hint=me%40example.com",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if s.issuer != "https://login.example.com" || s.clientID != "cid" {
		t.Fatalf("issuer/client: %q %q", s.issuer, s.clientID)
	}
	if !slices.Equal(s.scopes, []string{"openid", "email", "api:read"}) || !s.scopesSet {
		t.Fatalf("scopes = %q", s.scopes)
	}
	if !slices.Equal(s.ports, []int{8085, 8086}) {
		t.Fatalf("ports = %v", s.ports)
	}
	if s.timeout != 90*time.Second || !s.noBrowser {
		t.Fatalf("timeout %v noBrowser %v", s.timeout, s.noBrowser)
	}
	if s.authParams.Get("login_hint") != "me@example.com" || s.authParams.Get("audience") != "api" {
		t.Fatalf("auth params = %v", s.authParams)
	}
}

// TestSettingErrorsInTheUsersWords: an error about a setting names it as
// the user sets it: its flag in the command, its Config field and
// variable in a program.
func TestSettingErrorsInTheUsersWords(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		env      map[string]string
		cli, lib string
	}{
		{"unknown provider", Config{Provider: "bogus", ClientID: "c"}, nil,
			`--provider "bogus" is not a provider`, `Config.Provider (GONBAUTH_PROVIDER) "bogus" is not a provider`},
		{"tenant outside Microsoft", Config{Provider: ProviderGoogle, Tenant: "x", ClientID: "c"}, nil,
			"--tenant is only for Microsoft Entra ID: for Google, put the tenant, domain or realm in --issuer",
			"Config.Tenant (GONBAUTH_TENANT) is only for Microsoft Entra ID: for Google, put the tenant, domain or realm in Config.Issuer (GONBAUTH_ISSUER)"},
		{"provider without its issuer", Config{Provider: ProviderOkta, ClientID: "c"}, nil,
			"--issuer is not set: for Okta, set it to", "Config.Issuer (GONBAUTH_ISSUER) is not set: for Okta, set it to"},
		{"missing client file", Config{ClientFile: "/nonexistent/client.json"}, nil,
			"--client-file: open /nonexistent/client.json", "Config.ClientFile (GONBAUTH_CLIENT_FILE): open /nonexistent/client.json"},
		{"redirect host", Config{Issuer: "https://i.example", ClientID: "c", RedirectHost: "example.com"}, nil,
			`--redirect-host "example.com" is not a loopback host name`, `Config.RedirectHost (GONBAUTH_REDIRECT_HOST) "example.com" is not`},
		{"client authentication", Config{Issuer: "https://i.example", ClientID: "c", ClientAuth: "jwt"}, nil,
			`--client-auth "jwt" is not a client authentication`, `Config.ClientAuth (GONBAUTH_CLIENT_AUTH) "jwt" is not`},
		{"device endpoint", Config{Issuer: "https://i.example", ClientID: "c", DeviceAuthURL: "http://d.example/device"}, nil,
			`--device-url "http://d.example/device"`, `Config.DeviceAuthURL (GONBAUTH_DEVICE_URL) "http://d.example/device"`},
		{"scope in the parameters", Config{Issuer: "https://i.example", ClientID: "c"}, map[string]string{EnvAuthParams: "scope=x"},
			"(use --scopes for scopes)", "(use Config.Scopes (GONBAUTH_SCOPES) for scopes)"},
	}
	for _, tt := range tests {
		for w, want := range map[where]string{whereCLI: tt.cli, whereNotebook: tt.lib} {
			_, err := tt.cfg.resolveIn(source{getenv: envFrom(tt.env)}, w)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s (%v): err = %v, want it to say %q", tt.name, w, err, want)
			} else if w == whereCLI && strings.Contains(err.Error(), "Config.") {
				t.Errorf("%s: the command speaks of a Config field: %v", tt.name, err)
			}
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	s, err := (&Config{Issuer: "https://login.example.com", ClientID: "cid"}).resolve(envFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.timeout != DefaultTimeout || s.callbackPath != "/callback" || s.expiryDelta != defaultExpiryDelta {
		t.Fatalf("defaults: %v %q %v", s.timeout, s.callbackPath, s.expiryDelta)
	}
	if !slices.Equal(s.ports, []int{0}) || !slices.Equal(s.scopes, DefaultScopes()) || s.scopesSet {
		t.Fatalf("ports %v scopes %v", s.ports, s.scopes)
	}
	if s.httpClient == nil || s.httpClient.Timeout == 0 || s.output == nil {
		t.Fatal("no default HTTP client or output")
	}
}

func TestConfigFieldsWinOverEnvironment(t *testing.T) {
	s, err := (&Config{Issuer: "https://a.example", ClientID: "a", Ports: []int{9000}, Timeout: time.Minute}).resolve(envFrom(map[string]string{
		EnvIssuer: "https://b.example", EnvClientID: "b", EnvPort: "1", EnvTimeout: "bogus",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if s.issuer != "https://a.example" || s.clientID != "a" || s.ports[0] != 9000 || s.timeout != time.Minute {
		t.Fatalf("got %q %q %v %v", s.issuer, s.clientID, s.ports, s.timeout)
	}
}

func TestConfigErrors(t *testing.T) {
	base := map[string]string{EnvIssuer: "https://login.example.com", EnvClientID: "cid"}
	tests := []struct {
		name string
		cfg  Config
		env  map[string]string
		want []string // every one must appear in the error
	}{
		{"no client id", Config{}, map[string]string{EnvIssuer: "https://x.example"}, []string{"ClientID", EnvClientID}},
		{"no issuer", Config{}, map[string]string{EnvClientID: "c"}, []string{"Issuer", EnvIssuer}},
		{"issuer not a URL", Config{Issuer: "login.example.com"}, base, []string{"Issuer", EnvIssuer, "not an absolute"}},
		{"plain http issuer", Config{Issuer: "http://login.example.com"}, base, []string{EnvIssuer, "plain http"}},
		{"issuer with query", Config{Issuer: "https://login.example.com/?a=b"}, base, []string{EnvIssuer, "query"}},
		{"issuer with credentials", Config{Issuer: "https://u:p@login.example.com"}, base, []string{"user name or password"}},
		{"bad token URL", Config{}, with(base, EnvTokenURL, "ftp://x"), []string{"TokenURL", EnvTokenURL}},
		{"bad port", Config{}, with(base, EnvPort, "80a"), []string{EnvPort, "80a"}},
		{"port out of range", Config{}, with(base, EnvPort, "70000"), []string{EnvPort}},
		{"negative config port", Config{Ports: []int{-1}}, base, []string{"Config.Ports"}},
		{"bad timeout", Config{}, with(base, EnvTimeout, "soon"), []string{EnvTimeout, "soon"}},
		{"negative timeout", Config{Timeout: -time.Second}, base, []string{"Timeout"}},
		{"bad boolean", Config{}, with(base, EnvNoBrowser, "maybe"), []string{EnvNoBrowser}},
		{"bad auth params", Config{}, with(base, EnvAuthParams, "a=%zz"), []string{EnvAuthParams}},
		{"reserved auth param", Config{AuthParams: url.Values{"state": {"x"}}}, base, []string{`"state"`, "sets itself"}},
		{"reserved env auth param", Config{}, with(base, EnvAuthParams, "redirect_uri=http://evil"), []string{EnvAuthParams, "redirect_uri"}},
		{"scope with space", Config{Scopes: []string{"a b"}}, base, []string{"Config.Scopes"}},
		{"bad callback path", Config{CallbackPath: "cb"}, base, []string{"CallbackPath"}},
		{"half explicit endpoints", Config{AuthURL: "https://x.example/auth"}, map[string]string{EnvClientID: "c"}, []string{"Issuer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.cfg.resolve(envFrom(tt.env))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "gonbauth: ") {
				t.Fatalf("error %q does not start with the package name", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func with(m map[string]string, k, v string) map[string]string {
	c := map[string]string{}
	for a, b := range m {
		c[a] = b
	}
	c[k] = v
	return c
}

func TestConfigAcceptsLoopbackHTTPAndExplicitEndpoints(t *testing.T) {
	for _, iss := range []string{"http://127.0.0.1:9000", "http://[::1]:9000/realm", "http://localhost"} {
		if _, err := (&Config{Issuer: iss, ClientID: "c"}).resolve(envFrom(nil)); err != nil {
			t.Errorf("%s: %v", iss, err)
		}
	}
	if _, err := (&Config{ClientID: "c", AuthURL: "https://x.example/a", TokenURL: "https://x.example/t"}).resolve(envFrom(nil)); err != nil {
		t.Errorf("explicit endpoints without issuer: %v", err)
	}
}

// Authorization parameters that change how the flow works are refused,
// from Config and from the environment, in any letter case; the ones
// that only shape the sign-in pass.
func TestAuthParamsThatChangeTheFlow(t *testing.T) {
	for _, tt := range []struct {
		params string
		bad    string // "" when allowed
	}{
		{"response_mode=form_post", "response_mode"},
		{"response_mode=fragment", "response_mode"},
		{"request=eyJhbGciOiJub25lIn0.e30.", "request"},
		{"request_uri=urn:example:req", "request_uri"},
		{"Response_Mode=query", "Response_Mode"},
		{"client_secret=s3cret", "client_secret"},
		{"dpop_jkt=abc", "dpop_jkt"},
		{"code_challenge_methods=plain", "code_challenge_methods"},
		{"RESPONSE_TYPE=token", "RESPONSE_TYPE"},
		{"prompt=none", ""},
		{"prompt=login&max_age=0&login_hint=me%40example.com&audience=api&acr_values=mfa", ""},
	} {
		base := map[string]string{EnvIssuer: "https://login.example.com", EnvClientID: "c"}
		q, _ := url.ParseQuery(tt.params)
		for _, c := range []struct {
			cfg *Config
			env map[string]string
		}{
			{&Config{AuthParams: q}, base},
			{&Config{}, map[string]string{EnvIssuer: base[EnvIssuer], EnvClientID: "c", EnvAuthParams: tt.params}},
		} {
			_, err := c.cfg.resolve(envFrom(c.env))
			switch {
			case tt.bad == "" && err != nil:
				t.Errorf("%s refused: %v", tt.params, err)
			case tt.bad != "" && (err == nil || !strings.Contains(err.Error(), tt.bad)):
				t.Errorf("%s: err %v, want one naming %s", tt.params, err, tt.bad)
			}
		}
	}
}

func TestAccountMustBePrintable(t *testing.T) {
	for _, acct := range []string{"work\x1b[2J", "a\u202eb", "x\u0085y", strings.Repeat("a", 1000)} {
		_, err := (&Config{Account: acct}).resolve(envFrom(map[string]string{EnvIssuer: "https://login.example.com", EnvClientID: "c"}))
		if err == nil || !strings.Contains(err.Error(), EnvAccount) {
			t.Errorf("account %.20q: %v", acct, err)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x1b\u202e\u0085") {
			t.Errorf("the error repeats the control characters: %q", err)
		}
	}
}

// The gonbauth command hands its flags over as typed (surface.WithFlags):
// a text means the same in a flag, in the variable and, where the field
// can hold it, in the Config field, and bad text gets the same error, each
// naming where it was set.
func TestFlagsMeanWhatVariablesMean(t *testing.T) {
	base := map[string]string{EnvIssuer: "https://login.example.com", EnvClientID: "cid"}
	type got struct {
		Scopes    []string
		Ports     []int
		Timeout   time.Duration
		NoBrowser bool
		Mode      Mode
	}
	tests := []struct {
		field, text string
		cfg         *Config // the same value as a Config field; nil when it cannot hold it
		want        got     // with the other settings at their defaults
		err         string  // the error after the name of the flag, variable or field
	}{
		{"Scopes", "openid, email  api:read", &Config{Scopes: []string{"openid", "email", "api:read"}}, got{Scopes: []string{"openid", "email", "api:read"}}, ""},
		{"Scopes", "openid\temail,,", &Config{Scopes: []string{"openid", "email"}}, got{Scopes: []string{"openid", "email"}}, ""},
		{"Scopes", `openid a"b`, &Config{Scopes: []string{"openid", `a"b`}}, got{}, ` has the scope "a\"b": scopes cannot hold quotes or backslashes`},
		{"Ports", "8085, 8086", &Config{Ports: []int{8085, 8086}}, got{Ports: []int{8085, 8086}}, ""},
		{"Ports", "0", nil, got{Ports: []int{0}}, ""},
		{"Ports", "8085,70000", &Config{Ports: []int{8085, 70000}}, got{}, `, which is not a port number: use numbers from 0 to 65535, separated by commas such as 8085,8086 (0 means any free port)`},
		{"Ports", "http", nil, got{}, ` is not a port number: use numbers from 0 to 65535, separated by commas such as 8085,8086 (0 means any free port)`},
		{"Timeout", "90", &Config{Timeout: 90 * time.Second}, got{Timeout: 90 * time.Second}, ""},
		{"Timeout", "2m", &Config{Timeout: 2 * time.Minute}, got{Timeout: 2 * time.Minute}, ""},
		{"Timeout", "-1s", &Config{Timeout: -time.Second}, got{}, ` is not a positive duration: use a form like 90s or 5m, or a number of seconds`},
		{"Timeout", "0", nil, got{}, ` is not a positive duration: use a form like 90s or 5m, or a number of seconds`},
		{"NoBrowser", "true", &Config{NoBrowser: true}, got{NoBrowser: true}, ""},
		{"NoBrowser", "yes", &Config{NoBrowser: true}, got{NoBrowser: true}, ""},
		{"NoBrowser", "0", nil, got{}, ""},
		{"NoBrowser", "maybe", nil, got{}, ` is not a boolean: use 1 or 0`},
		{"Mode", " Device ", &Config{Mode: ModeDevice}, got{Mode: ModeDevice}, ""},
		{"Mode", "oob", nil, got{}, ` is not a mode: use loopback, paste, device, hosted or auto`},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.text, func(t *testing.T) {
			flag, env := settingFlag(tt.field)
			sources := map[string]struct {
				cfg *Config
				src source
			}{
				flag: {&Config{}, source{getenv: envFrom(base), flags: map[string]string{tt.field: tt.text}}},
				env:  {&Config{}, source{getenv: envFrom(with(base, env, tt.text))}},
			}
			if tt.cfg != nil {
				sources["Config."+tt.field] = struct {
					cfg *Config
					src source
				}{tt.cfg, source{getenv: envFrom(base)}}
			}
			for name, in := range sources {
				s, err := in.cfg.resolveIn(in.src, whereTerminal)
				if tt.err != "" {
					if err == nil || !strings.HasPrefix(err.Error(), "gonbauth: "+name) || !strings.HasSuffix(err.Error(), tt.err) {
						t.Errorf("%s: error %v, want one naming %s and ending %q", name, err, name, tt.err)
					}
					var usage *surface.UsageError
					if errors.As(err, &usage) != (name == flag) {
						t.Errorf("%s: usage error %v: only a flag's text is the command's usage error", name, usage != nil)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				want := tt.want
				if want.Scopes == nil {
					want.Scopes = DefaultScopes()
				}
				if want.Ports == nil {
					want.Ports = []int{0}
				}
				if want.Timeout == 0 {
					want.Timeout = DefaultTimeout
				}
				if g := (got{s.scopes, s.ports, s.timeout, s.noBrowser, s.mode}); !reflect.DeepEqual(g, want) {
					t.Errorf("%s: got %+v, want %+v", name, g, want)
				}
			}
		})
	}
}

// A flag wins over its variable, and an empty one falls back to it.
func TestFlagsWinOverVariables(t *testing.T) {
	env := envFrom(map[string]string{EnvIssuer: "https://login.example.com", EnvClientID: "env", EnvPort: "1"})
	s, err := (&Config{}).resolveIn(source{getenv: env, flags: map[string]string{"ClientID": "flag", "Ports": "2", "Issuer": ""}}, whereCLI)
	if err != nil {
		t.Fatal(err)
	}
	if s.clientID != "flag" || s.ports[0] != 2 || s.issuer != "https://login.example.com" {
		t.Fatalf("client %q ports %v issuer %q", s.clientID, s.ports, s.issuer)
	}
}
