package gonbauth

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/surface"
)

// Config holds the settings of a sign-in. Every field is optional: a zero
// field takes its value from the environment variable named in its
// comment, and failing that from its default. A notebook can therefore
// carry no settings at all and call Login(ctx, nil).
type Config struct {
	// Provider names the authorization server's kind, whose profile
	// supplies what its metadata does not say: "google", "microsoft",
	// "github", "gitlab", "okta", "auth0", "keycloak", "cognito", or
	// "generic" (standard OpenID Connect / OAuth 2.0 metadata only). Every
	// other setting, Issuer and the endpoints included, overrides the
	// profile's value.
	// Default: $GONBAUTH_PROVIDER, else inferred from the host of Issuer
	// (or AuthURL/TokenURL), else "generic".
	Provider string

	// Tenant is the Microsoft Entra ID tenant: "organizations", "common",
	// "consumers", a tenant ID or a domain. Only for Provider "microsoft".
	// Default: $GONBAUTH_TENANT, else the first path segment of Issuer
	// when one is set, else "organizations".
	Tenant string

	// ClientFile is a client JSON file as downloaded from the Google Cloud
	// console ({"installed": {...}} or {"web": {...}}). It supplies the
	// client ID, secret and endpoints, which other settings override.
	// Default: $GONBAUTH_CLIENT_FILE, else none.
	ClientFile string

	// Issuer is the authorization server's issuer identifier, such as
	// "https://login.example.com". Its metadata supplies every endpoint not
	// set below, and the "iss" parameter of the redirect must equal it. It
	// must use https, except on a loopback host (127.0.0.1, [::1],
	// localhost) for development servers.
	// Default: $GONBAUTH_ISSUER. Required unless AuthURL and TokenURL are set.
	Issuer string

	// ClientID is the OAuth client registered for this application.
	// Default: $GONBAUTH_CLIENT_ID. Required.
	ClientID string

	// ClientSecret is sent, with HTTP Basic authentication, only to servers
	// that insist on a secret even for native apps; it protects nothing in
	// a notebook that others can read.
	// Default: $GONBAUTH_CLIENT_SECRET, else none: a public client that
	// sends client_id in the token request body.
	ClientSecret string

	// ClientAuth is how the client authenticates at the token endpoint:
	// "basic" (HTTP Basic, RFC 6749 §2.3.1), "post" (client_id and
	// client_secret in the body), "none" (client_id in the body, no
	// secret), or "auto": the first of the metadata's
	// token_endpoint_auth_methods_supported, and the other one after an
	// invalid_client answer.
	// Default: $GONBAUTH_CLIENT_AUTH, else the provider's way, else
	// "basic" with a secret and "none" without.
	ClientAuth string

	// Scopes are the scopes to request.
	// Default: $GONBAUTH_SCOPES (separated by spaces or commas), else
	// "openid profile email offline_access", keeping only those the
	// server's metadata lists in scopes_supported when it lists any.
	Scopes []string

	// AuthURL and TokenURL set the endpoints explicitly, for servers
	// without metadata.
	// Default: $GONBAUTH_AUTH_URL and $GONBAUTH_TOKEN_URL, else the
	// issuer's metadata. With both set, metadata is fetched only to verify
	// ID tokens (when an Issuer is set and openid is requested); with no
	// Issuer, the default scopes are none.
	AuthURL, TokenURL string

	// DeviceAuthURL is the device authorization endpoint (RFC 8628).
	// Default: $GONBAUTH_DEVICE_URL, else the provider's, else the
	// metadata's device_authorization_endpoint.
	DeviceAuthURL string

	// RevocationURL is the token revocation endpoint (RFC 7009) used by
	// Logout.
	// Default: $GONBAUTH_REVOCATION_URL, else the provider's, else the
	// metadata's revocation_endpoint.
	RevocationURL string

	// AuthParams are extra authorization request parameters, such as
	// audience, prompt or login_hint. The parameters the flow itself sets
	// (client_id, redirect_uri, response_type, scope, state, nonce,
	// code_challenge, code_challenge_method) cannot be overridden, nor can
	// those that change how it works (response_mode, request, request_uri,
	// client_secret, dpop_jkt and the like), in any letter case.
	// Default: $GONBAUTH_AUTH_PARAMS as a query string
	// ("audience=api&login_hint=me@example.com"), else none; when
	// offline_access is requested and no prompt is given, prompt=consent is
	// added, as OpenID Connect requires for a refresh token.
	AuthParams url.Values

	// Ports are the loopback ports to try in order, for servers that
	// register exact redirect URIs. 0 means a port the OS chooses.
	// Default: $GONBAUTH_PORT ("8085" or "8085,8086"), else 0.
	Ports []int

	// RedirectHost is the host name of the loopback redirect URI:
	// "127.0.0.1", "localhost" or "[::1]", for servers that register one
	// of them exactly. The listener binds the loopback interface whatever
	// the name.
	// Default: $GONBAUTH_REDIRECT_HOST, else the provider's ("localhost"
	// for Microsoft), else "127.0.0.1" (RFC 8252 §7.3).
	RedirectHost string

	// CallbackPath is the path of the redirect URI.
	// Default: "/callback".
	CallbackPath string

	// Timeout bounds the wait for the user to sign in.
	// Default: $GONBAUTH_TIMEOUT (a Go duration such as "2m", or seconds),
	// else 5 minutes.
	Timeout time.Duration

	// NoBrowser stops Login from opening a browser outside a notebook; the
	// link is printed either way. Inside a notebook no browser is opened.
	// Default: $GONBAUTH_NO_BROWSER ("1" or "true"), else false.
	NoBrowser bool

	// ExpiryDelta is how long before its expiry a token is refreshed.
	// Default: 10 seconds.
	ExpiryDelta time.Duration

	// HTTPClient makes every request to the authorization server, and is
	// the base of Session.Client. Use it for a corporate proxy or CA.
	// Default: a client with a 30 second timeout that takes its proxy from
	// the environment (HTTPS_PROXY, NO_PROXY) and trusts the system CAs
	// (and SSL_CERT_FILE). TLS verification is never turned off by gonbauth.
	HTTPClient *http.Client

	// Output receives the sign-in's lines outside a notebook (nothing
	// when a saved sign-in is reused), and one-line warnings (about the
	// store) everywhere.
	// Default: os.Stderr.
	Output io.Writer

	// ConfigDir is where sign-ins are saved, so that later cells, kernels
	// and the CLI reuse them. It is created private (0700).
	// Default: $GONBAUTH_CONFIG_DIR, else "gonbauth" under the user's
	// configuration directory (os.UserConfigDir, e.g. ~/.config/gonbauth).
	ConfigDir string

	// Account names a saved sign-in, to keep several for the same server,
	// client and scopes (such as "work" and "personal").
	// Default: $GONBAUTH_ACCOUNT, else none.
	Account string

	// Force signs in afresh even when a saved sign-in is valid, and
	// replaces it.
	// Default: false.
	Force bool

	// Mode is how the browser's answer reaches the program: ModeLoopback,
	// ModePaste, ModeDevice or ModeHosted.
	// Default: $GONBAUTH_MODE, else ModeAuto: hosted when RedirectURL is
	// set; loopback when the kernel seems to run on the user's machine;
	// otherwise (a container, JupyterHub, SSH, WSL, Colab, a VS Code
	// remote) device when the server offers it, else paste. A mode
	// chosen for a remote machine is explained where the link is shown.
	Mode Mode

	// RedirectURL is the public redirect URI of ModeHosted, such as
	// "https://hub.example.com/user/me/proxy/{port}/callback": a URL that
	// forwards to the loopback listener, whose port replaces "{port}". It
	// must use https, except on a loopback host.
	// Default: $GONBAUTH_REDIRECT_URL, else none.
	RedirectURL string

	// Input is where ModePaste reads the pasted address outside a notebook
	// (in a notebook, the reply to an input box arrives on stdin).
	// Default: os.Stdin.
	Input io.Reader

	// NoInteractive makes Login fail with ErrInteractionRequired instead of
	// showing a sign-in link when no saved sign-in can be used or renewed.
	// Default: false.
	NoInteractive bool
}

// Environment variables read by Config.
const (
	EnvIssuer        = "GONBAUTH_ISSUER"
	EnvClientID      = "GONBAUTH_CLIENT_ID"
	EnvClientSecret  = "GONBAUTH_CLIENT_SECRET"
	EnvScopes        = "GONBAUTH_SCOPES"
	EnvAuthURL       = "GONBAUTH_AUTH_URL"
	EnvTokenURL      = "GONBAUTH_TOKEN_URL"
	EnvAuthParams    = "GONBAUTH_AUTH_PARAMS"
	EnvPort          = "GONBAUTH_PORT"
	EnvTimeout       = "GONBAUTH_TIMEOUT"
	EnvNoBrowser     = "GONBAUTH_NO_BROWSER"
	EnvConfigDir     = "GONBAUTH_CONFIG_DIR"
	EnvAccount       = "GONBAUTH_ACCOUNT"
	EnvMode          = "GONBAUTH_MODE"
	EnvRedirectURL   = "GONBAUTH_REDIRECT_URL"
	EnvProvider      = "GONBAUTH_PROVIDER"
	EnvTenant        = "GONBAUTH_TENANT"
	EnvClientFile    = "GONBAUTH_CLIENT_FILE"
	EnvRedirectHost  = "GONBAUTH_REDIRECT_HOST"
	EnvClientAuth    = "GONBAUTH_CLIENT_AUTH"
	EnvDeviceURL     = "GONBAUTH_DEVICE_URL"
	EnvRevocationURL = "GONBAUTH_REVOCATION_URL"
)

// DefaultTimeout is how long Login waits for the user when neither
// Config.Timeout nor GONBAUTH_TIMEOUT is set: the default of a program's
// own timeout flag.
const DefaultTimeout = 5 * time.Minute

// The other defaults, which Config's fields document.
const (
	defaultCallbackPath = "/callback"
	defaultExpiryDelta  = 10 * time.Second
)

// DefaultScopes returns the scopes requested when none are configured
// (minus those a server's metadata says it does not support, and unless
// the provider has its own): a new slice each time.
func DefaultScopes() []string { return []string{"openid", "profile", "email", "offline_access"} }

// reservedParams are set by the flow and cannot come from AuthParams.
var reservedParams = []string{
	"client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method",
}

// flowParams change how the flow works (how and where the answer comes
// back, a request object that overrides the other parameters, a client
// secret in a URL, DPoP-bound codes), so AuthParams cannot set them.
// prompt (none too), login_hint, max_age, acr_values, audience, claims and
// the like are allowed.
var flowParams = []string{
	"response_mode", "request", "request_uri", "client_secret", "client_assertion",
	"client_assertion_type", "code_verifier", "grant_type", "dpop_jkt", "iss",
}

// settings is a Config with every default applied and every value checked.
type settings struct {
	issuer, clientID, clientSecret string
	scopes                         []string
	scopesSet                      bool
	authURL, tokenURL              string
	authParams                     url.Values
	ports                          []int
	callbackPath                   string
	timeout, expiryDelta           time.Duration
	noBrowser                      bool
	httpClient                     *http.Client // bounded: for the server
	apiClient                      *http.Client // the caller's: for Session.Client
	output                         io.Writer
	configDir, account             string
	force, noInteractive           bool
	mode                           Mode
	redirectURL                    string
	input                          io.Reader

	// Providers (provider.go): prov is the resolved profile; the others
	// are the explicit settings, "" when unset.
	prov                     *profile
	tenant, clientFile       string
	redirectHost, clientAuth string
	deviceURL, revocationURL string
	where                    where // where messages are read, for naming settings
}

// resolve applies environment variables (through getenv) and defaults, and
// checks every value. Its errors name the setting and its variable.
func (c *Config) resolve(getenv func(string) string) (*settings, error) {
	return c.resolveIn(source{getenv: getenv}, whereTerminal)
}

// resolveIn is resolve with the fields left zero read from src, and errors
// worded for w: the command's flags, or Config fields and variables.
func (c *Config) resolveIn(src source, w where) (*settings, error) {
	if c == nil {
		c = &Config{}
	}
	s := c.read(src, w)
	var err error
	if err := s.applyClientFile(); err != nil {
		return nil, err
	}
	if s.scopes, s.scopesSet, err = resolveScopes(c.Scopes, src); err != nil {
		return nil, err
	}
	if s.authParams, err = resolveAuthParams(c.AuthParams, src.get("AuthParams"), w); err != nil {
		return nil, err
	}
	if s.ports, err = resolvePorts(c.Ports, src); err != nil {
		return nil, err
	}
	if err := s.applyProvider(pick(c.Provider, src.get("Provider"))); err != nil {
		return nil, err
	}
	if s.mode == ModeAuto {
		if s.mode, err = parseMode(src.get("Mode")); err != nil {
			return nil, src.bad("Mode", "is not a mode: use loopback, paste, device, hosted or auto")
		}
	} else if _, err := parseMode(string(s.mode)); err != nil {
		return nil, fmt.Errorf("gonbauth: Config.Mode %q is not a mode: use ModeLoopback, ModePaste, ModeDevice, ModeHosted or ModeAuto", s.mode)
	}
	if s.timeout == 0 {
		if s.timeout, err = parseTimeout(src); err != nil {
			return nil, err
		}
	}
	if !s.noBrowser {
		if s.noBrowser, err = parseBool(src, "NoBrowser"); err != nil {
			return nil, err
		}
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	s.applyDefaults()
	return s, nil
}

// resolveStore is resolve for what needs the store and, at most, a
// client: SignIns and LogoutAll. Sign-in settings are read, not required.
func (c *Config) resolveStore(src source, w where) (*settings, error) {
	if c == nil {
		c = &Config{}
	}
	s := c.read(src, w)
	if err := s.applyClientFile(); err != nil {
		return nil, err
	}
	s.applyDefaults()
	return s, nil
}

// source gives the text of a setting left zero in Config: the gonbauth
// command's flag when one was given (surface.WithFlags), else the
// setting's environment variable. Both are split and checked by the same
// code, so a value means the same in either, and in the Config field.
type source struct {
	getenv func(string) string
	flags  map[string]string // the command's, as typed, by Config field
}

// sourceFor is the source of ctx: the environment, and the command's flags
// when ctx comes from the command.
func sourceFor(ctx context.Context, getenv func(string) string) source {
	return source{getenv: getenv, flags: surface.Flags(ctx)}
}

// get returns the text of the Config field's flag or variable.
func (src source) get(field string) string {
	v, _, _ := src.lookup(field)
	return v
}

// lookup returns the text of the field's flag, when the command was given
// a non-empty one, else of its variable; and the name of the one it read.
func (src source) lookup(field string) (text, name string, isFlag bool) {
	flag, env := settingFlag(field)
	if v := src.flags[field]; v != "" {
		return v, flag, true
	}
	return src.getenv(env), env, false
}

// bad is the error about the text of a field's flag or variable, which it
// quotes: `gonbauth: --port="http" has "http", which is not a port ...`.
// About a flag, it is a usage error: the command exits 2.
func (src source) bad(field, problem string) error {
	v, name, isFlag := src.lookup(field)
	err := fmt.Errorf("gonbauth: %s=%q %s", name, v, problem)
	if isFlag {
		return &surface.UsageError{Err: err}
	}
	return err
}

// read takes each setting from c, else from its variable.
func (c *Config) read(src source, w where) *settings {
	return &settings{
		issuer:        pick(c.Issuer, src.get("Issuer")),
		clientID:      pick(c.ClientID, src.get("ClientID")),
		clientSecret:  pick(c.ClientSecret, src.get("ClientSecret")),
		authURL:       pick(c.AuthURL, src.get("AuthURL")),
		tokenURL:      pick(c.TokenURL, src.get("TokenURL")),
		callbackPath:  pick(c.CallbackPath, defaultCallbackPath),
		timeout:       c.Timeout,
		expiryDelta:   c.ExpiryDelta,
		noBrowser:     c.NoBrowser,
		httpClient:    c.HTTPClient,
		output:        c.Output,
		configDir:     pick(c.ConfigDir, src.get("ConfigDir")),
		account:       pick(c.Account, src.get("Account")),
		force:         c.Force,
		noInteractive: c.NoInteractive,
		mode:          c.Mode,
		redirectURL:   pick(c.RedirectURL, src.get("RedirectURL")),
		input:         c.Input,
		tenant:        pick(c.Tenant, src.get("Tenant")),
		clientFile:    pick(c.ClientFile, src.get("ClientFile")),
		redirectHost:  pick(c.RedirectHost, src.get("RedirectHost")),
		clientAuth:    strings.ToLower(pick(c.ClientAuth, src.get("ClientAuth"))),
		deviceURL:     pick(c.DeviceAuthURL, src.get("DeviceAuthURL")),
		revocationURL: pick(c.RevocationURL, src.get("RevocationURL")),
		where:         w,
	}
}

// applyDefaults gives the settings that are still zero their defaults.
func (s *settings) applyDefaults() {
	if s.expiryDelta == 0 {
		s.expiryDelta = defaultExpiryDelta
	}
	if s.httpClient == nil {
		s.httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	s.apiClient, s.httpClient = s.httpClient, boundedClient(s.httpClient)
	if s.output == nil {
		s.output = os.Stderr
	}
	if s.input == nil {
		s.input = os.Stdin
	}
}

func (s *settings) check() error {
	w := s.where
	explicit := s.authURL != "" && s.tokenURL != ""
	// Every missing setting at once: one run to fix them, not one each.
	if noIssuer := s.issuer == "" && !explicit; noIssuer || s.clientID == "" {
		return missingSettings(w, noIssuer, s.clientID == "")
	}
	if s.issuer != "" {
		if err := checkIssuer(s.issuer); err != nil {
			return fmt.Errorf("gonbauth: %s %w", w.setting("Issuer"), err)
		}
	}
	for _, e := range []struct{ field, env, val string }{
		{"AuthURL", EnvAuthURL, s.authURL},
		{"TokenURL", EnvTokenURL, s.tokenURL},
	} {
		if e.val == "" {
			continue
		}
		if err := checkEndpoint(e.val); err != nil {
			return fmt.Errorf("gonbauth: %s %w", w.setting(e.field), err)
		}
	}
	if s.issuer == "" && s.scopesSet && slices.Contains(s.scopes, "openid") {
		return fmt.Errorf("gonbauth: the openid scope needs %s, to verify the ID token's issuer and keys", w.setting("Issuer"))
	}
	if !isPrintable(s.account) || len(s.account) > maxPrintable {
		return fmt.Errorf("gonbauth: %s %s holds a control or format character, or is longer than %d bytes: use a short name such as work", w.setting("Account"), quoted(s.account), maxPrintable)
	}
	if (s.authURL == "") != (s.tokenURL == "") && s.issuer == "" {
		return fmt.Errorf("gonbauth: set both %s and %s, or %s", w.setting("AuthURL"), w.setting("TokenURL"), w.setting("Issuer"))
	}
	if s.redirectURL != "" {
		if err := checkEndpoint(strings.ReplaceAll(s.redirectURL, "{port}", "1")); err != nil {
			return fmt.Errorf("gonbauth: %s %w", w.setting("RedirectURL"), err)
		}
	}
	if needs := s.mode.rules().needs; needs != nil {
		if err := needs(s); err != nil {
			return err
		}
	}
	if !strings.HasPrefix(s.callbackPath, "/") || strings.ContainsAny(s.callbackPath, "?#") {
		return fmt.Errorf("gonbauth: Config.CallbackPath %q must start with / and hold no ? or #", s.callbackPath)
	}
	if s.timeout < 0 {
		return fmt.Errorf("gonbauth: Config.Timeout=%v %s", s.timeout, notADuration)
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.expiryDelta < 0 {
		return fmt.Errorf("gonbauth: Config.ExpiryDelta %v is negative", s.expiryDelta)
	}
	return nil
}

func pick(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// checkIssuer enforces https for everything but loopback hosts, and the
// RFC 8414 rule that an issuer has no query or fragment. Its error
// completes "<the issuer setting> ...".
func checkIssuer(issuer string) error {
	if err := checkEndpoint(issuer); err != nil {
		return err
	}
	u, _ := url.Parse(issuer)
	if u.RawQuery != "" || u.Fragment != "" || strings.Contains(issuer, "#") {
		return fmt.Errorf("%q must not have a query or fragment", issuer)
	}
	return nil
}

// checkEndpoint returns an error that completes "<the setting> ...".
// Endpoints follow the policy of links (linkProblem): the authorization
// endpoint becomes the link shown to the user.
func checkEndpoint(raw string) error {
	if err := linkProblem(raw); err != nil {
		return fmt.Errorf("%s %w: use a form like https://login.example.com (plain http only for loopback development servers)", quoted(raw), err)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func resolveScopes(cfg []string, src source) ([]string, bool, error) {
	if len(cfg) > 0 {
		for _, s := range cfg {
			if s == "" || strings.ContainsAny(s, " ,") {
				return nil, false, fmt.Errorf("gonbauth: Config.Scopes has %q: give each scope as its own element, without spaces or commas", s)
			}
			if err := checkScope(s); err != "" {
				return nil, false, fmt.Errorf("gonbauth: Config.Scopes has %s", err)
			}
		}
		return slices.Clone(cfg), true, nil
	}
	text := strings.TrimSpace(src.get("Scopes"))
	if text == "" {
		return DefaultScopes(), false, nil
	}
	scopes := splitScopes(text)
	for _, s := range scopes {
		if err := checkScope(s); err != "" {
			return nil, false, src.bad("Scopes", "has "+err)
		}
	}
	return scopes, true, nil
}

// checkScope says what is wrong with one scope, completing "... has ", or
// returns "".
func checkScope(s string) string {
	if strings.ContainsAny(s, "\"\\") {
		return fmt.Sprintf("the scope %q: scopes cannot hold quotes or backslashes", s)
	}
	return ""
}

// splitScopes splits a list separated by spaces, commas or both.
func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

func resolveAuthParams(cfg url.Values, env string, w where) (url.Values, error) {
	params := url.Values{}
	source := "Config.AuthParams"
	if len(cfg) > 0 {
		for k, v := range cfg {
			params[k] = slices.Clone(v)
		}
	} else if env = strings.TrimSpace(env); env != "" {
		var err error
		if params, err = url.ParseQuery(env); err != nil {
			return nil, fmt.Errorf("gonbauth: %s is not a query string such as \"audience=api&login_hint=me@example.com\": %w", EnvAuthParams, err)
		}
		source = EnvAuthParams
	}
	for k := range params {
		switch lk := strings.ToLower(strings.TrimSpace(k)); {
		case slices.Contains(reservedParams, lk):
			return nil, fmt.Errorf("gonbauth: %s sets %s, which the sign-in flow sets itself: remove it (use %s for scopes)", source, quoted(k), w.setting("Scopes"))
		case slices.Contains(flowParams, lk), strings.HasPrefix(lk, "code_challenge"):
			return nil, fmt.Errorf("gonbauth: %s sets %s, which would change how the sign-in works: remove it", source, quoted(k))
		}
	}
	return params, nil
}

func resolvePorts(cfg []int, src source) ([]int, error) {
	if len(cfg) > 0 {
		for _, p := range cfg {
			if p < 0 || p > 65535 {
				return nil, fmt.Errorf("gonbauth: Config.Ports has %d, which is %s", p, notAPort)
			}
		}
		return slices.Clone(cfg), nil
	}
	text := strings.TrimSpace(src.get("Ports"))
	if text == "" {
		return []int{0}, nil
	}
	var ports []int
	for _, f := range strings.Split(text, ",") {
		f = strings.TrimSpace(f)
		p, err := strconv.Atoi(f)
		if err != nil || p < 0 || p > 65535 {
			if f == text {
				return nil, src.bad("Ports", "is "+notAPort)
			}
			return nil, src.bad("Ports", fmt.Sprintf("has %q, which is %s", f, notAPort))
		}
		ports = append(ports, p)
	}
	return ports, nil
}

// notAPort completes an error about a port setting.
const notAPort = "not a port number: use numbers from 0 to 65535, separated by commas such as 8085,8086 (0 means any free port)"

// parseTimeout reads the Timeout's flag or variable: a Go duration, or a
// number of seconds; 0 when unset.
func parseTimeout(src source) (time.Duration, error) {
	text := strings.TrimSpace(src.get("Timeout"))
	if text == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(text); err == nil && n > 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(text)
	if err != nil || d <= 0 {
		return 0, src.bad("Timeout", notADuration)
	}
	return d, nil
}

// notADuration completes an error about a Timeout setting.
const notADuration = "is not a positive duration: use a form like 90s or 5m, or a number of seconds"

// parseBool reads a boolean field's flag or variable.
func parseBool(src source, field string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(src.get(field))) {
	case "":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, src.bad(field, "is not a boolean: use 1 or 0")
}
