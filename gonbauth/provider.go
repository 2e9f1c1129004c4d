package gonbauth

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Provider names, for Config.Provider.
const (
	ProviderGeneric   = "generic"
	ProviderGoogle    = "google"
	ProviderMicrosoft = "microsoft"
	ProviderGitHub    = "github"
	ProviderGitLab    = "gitlab"
	ProviderOkta      = "okta"
	ProviderAuth0     = "auth0"
	ProviderKeycloak  = "keycloak"
	ProviderCognito   = "cognito"
)

// defaultTenant is the Microsoft Entra ID tenant used when none is set:
// work and school accounts of any organization.
const defaultTenant = "organizations"

// Client authentication methods, for Config.ClientAuth.
const (
	ClientAuthBasic = "basic" // HTTP Basic (client_secret_basic)
	ClientAuthPost  = "post"  // in the request body (client_secret_post)
	ClientAuthNone  = "none"  // client_id only, no secret
	ClientAuthAuto  = "auto"  // the metadata's first, the other after invalid_client
)

// profile is what gonbauth knows of a provider beyond its metadata. Every
// explicit setting overrides it.
type profile struct {
	name, title string
	// issuer is the default issuer ("" when the user must give one);
	// "{tenant}" is replaced by the tenant (Microsoft).
	issuer string
	// issuerHelp tells what issuer to set when it is required.
	issuerHelp string
	// noDiscovery: no metadata; the endpoints hang off the issuer, a base
	// URL (GitHub).
	noDiscovery bool
	// scopes replace DefaultScopes() when set (nil: DefaultScopes()).
	scopes []string
	// offlineParams are authorization parameters that obtain a refresh
	// token, added unless set in AuthParams.
	offlineParams url.Values
	// consentForOffline adds prompt=consent when offline_access is
	// requested (OpenID Connect Core §11); some providers advise against.
	consentForOffline bool
	clientAuth        string // default Config.ClientAuth
	redirectHost      string // default Config.RedirectHost
	// secretRequired: the token endpoint refuses a code without the
	// secret, even for native apps. secretHelp says where to find it.
	secretRequired bool
	secretHelp     string
	// deviceWithoutSecret: the device grant works without the secret
	// (GitHub: only the code exchange needs it).
	deviceWithoutSecret bool
	// noAutoDevice: the automatic mode never picks the device grant.
	noAutoDevice bool
	// exactPorts: registered redirect URIs must match the port.
	exactPorts bool
	// tenantIssuer: the metadata's issuer may be the {tenantid} template
	// (or name a tenant ID in place of the configured alias).
	tenantIssuer bool
	// devicePath is the device endpoint below the issuer, for providers
	// whose metadata omits it.
	devicePath string
	// revocationPath is the revocation endpoint on the token endpoint's
	// host, for providers whose metadata omits it.
	revocationPath string
	// revocationHelp says how to end the sign-in at the server when it
	// cannot be revoked by gonbauth.
	revocationHelp string
	// userAPI: "signed in as" comes from this provider's user API when
	// there is no ID token ("github").
	userAPI string
}

// profiles is the table of providers. Each fact cites its documentation.
var profiles = map[string]*profile{
	ProviderGeneric: {name: ProviderGeneric, title: "the authorization server", consentForOffline: true},

	// https://developers.google.com/identity/protocols/oauth2/native-app
	// Google's metadata (https://accounts.google.com/.well-known/openid-configuration)
	// lists only "openid email profile": offline access is
	// access_type=offline, and prompt=consent makes Google issue a refresh
	// token again on a repeated sign-in (google-auth-oauthlib does the
	// same: InstalledAppFlow passes access_type=offline). The secret of a
	// "Desktop app" client is required at the token endpoint ("client_secret:
	// The client secret obtained from the Credentials page"), sent in the
	// body as Google's examples do. The device grant is only for clients of
	// type "TVs and Limited Input devices" and a few scopes
	// (https://developers.google.com/identity/protocols/oauth2/limited-input-device),
	// so it is never picked automatically.
	ProviderGoogle: {
		name: ProviderGoogle, title: "Google", issuer: "https://accounts.google.com",
		scopes:         []string{"openid", "email", "profile"},
		offlineParams:  url.Values{"access_type": {"offline"}, "prompt": {"consent"}},
		clientAuth:     ClientAuthPost,
		secretRequired: true,
		secretHelp: "Google requires the client secret even for a Desktop app client (it is not secret there, but its token endpoint refuses a code without it): " +
			"find it in the Google Cloud console under APIs & Services > Credentials > your OAuth client, and set Config.ClientSecret or " + EnvClientSecret +
			", or set Config.ClientFile (" + EnvClientFile + ", --client-file) to the client JSON downloaded there",
		noAutoDevice: true,
	},

	// https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc
	// The multi-tenant authorities' metadata names the issuer
	// "https://login.microsoftonline.com/{tenantid}/v2.0"; the ID token's
	// iss is that with its own tid (MSAL validates it the same way).
	// Refresh tokens come with offline_access alone, and prompt=consent
	// sends users of tenants without user consent to "Need admin approval"
	// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow).
	// The portal registers http://localhost redirect URIs; Entra ignores
	// their port (https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions).
	// There is no revocation endpoint: sessions are revoked by the user or
	// an administrator
	// (https://learn.microsoft.com/entra/identity-platform/refresh-tokens#token-revocation).
	ProviderMicrosoft: {
		name: ProviderMicrosoft, title: "Microsoft Entra ID", issuer: "https://login.microsoftonline.com/{tenant}/v2.0",
		redirectHost: "localhost", tenantIssuer: true,
		revocationHelp: "Microsoft Entra ID offers no token revocation endpoint: to end the sign-in at Microsoft, sign out of all sessions at https://mysignins.microsoft.com/security-info (or an administrator revokes your sessions)",
	},

	// https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
	// No metadata; GitHub Enterprise Server serves the same paths below
	// its base URL. The web flow's token request needs client_secret in
	// the body; the device flow does not. "Signed in as" comes from
	// GET /user (https://docs.github.com/rest/users/users#get-the-authenticated-user).
	// OAuth App tokens are revoked through the REST API with the client
	// secret, not RFC 7009.
	ProviderGitHub: {
		name: ProviderGitHub, title: "GitHub", issuer: "https://github.com", noDiscovery: true,
		scopes:         []string{},
		clientAuth:     ClientAuthPost,
		secretRequired: true, deviceWithoutSecret: true,
		secretHelp: "GitHub requires the client secret to exchange the code: generate one on your OAuth App's page (Settings > Developer settings > OAuth Apps) and set Config.ClientSecret or " +
			EnvClientSecret + ", or use the device mode (" + EnvMode + "=device), which needs no secret once the app enables the device flow",
		userAPI:        ProviderGitHub,
		revocationHelp: "GitHub offers no token revocation endpoint for apps without their secret: revoke the app's access at https://github.com/settings/applications",
	},

	// https://docs.gitlab.com/api/oauth2/ : PKCE for public apps; the
	// device grant (GitLab 17.2+) is at /oauth/authorize_device, which
	// the metadata does not list. GitLab issues refresh tokens without
	// offline_access.
	ProviderGitLab: {
		name: ProviderGitLab, title: "GitLab", issuer: "https://gitlab.com",
		scopes:     []string{"openid", "profile", "email"},
		devicePath: "/oauth/authorize_device",
	},

	// https://developer.okta.com/docs/guides/implement-grant-type/authcodepkce/main/
	// Redirect URIs are matched exactly, port included; refresh tokens
	// need offline_access (and the app's Refresh Token grant).
	ProviderOkta: {
		name: ProviderOkta, title: "Okta", exactPorts: true,
		issuerHelp: "your Okta authorization server, such as https://dev-123456.okta.com/oauth2/default (or https://dev-123456.okta.com for the org server)",
	},

	// https://auth0.com/docs/get-started/authentication-and-authorization-flow/authorization-code-flow-with-pkce
	// The issuer ends with "/"; callback URLs are matched exactly;
	// offline_access gives a refresh token when the API allows offline
	// access; an API is chosen with the audience parameter.
	ProviderAuth0: {
		name: ProviderAuth0, title: "Auth0", exactPorts: true,
		issuerHelp: "your Auth0 domain with its trailing slash, such as https://dev-abc123.us.auth0.com/",
	},

	// https://www.keycloak.org/docs/latest/securing_apps/#_oidc : one
	// issuer per realm, https://host/realms/NAME, with full metadata
	// (device and revocation endpoints included). Refresh tokens are
	// issued without offline_access, which asks for an offline token.
	ProviderKeycloak: {
		name: ProviderKeycloak, title: "Keycloak",
		issuerHelp: "your realm's issuer, such as https://keycloak.example.com/realms/myrealm",
	},

	// https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
	// The issuer is https://cognito-idp.REGION.amazonaws.com/POOL_ID; the
	// endpoints sit on the user pool domain. Callback URLs are matched
	// exactly and must be https except http://localhost
	// (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-app-idp-settings.html).
	// Refresh tokens come without offline_access. The metadata lists no
	// revocation endpoint, but the domain serves /oauth2/revoke
	// (https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html).
	// No device grant.
	ProviderCognito: {
		name: ProviderCognito, title: "Amazon Cognito", exactPorts: true,
		scopes:         []string{"openid", "profile", "email"},
		redirectHost:   "localhost",
		revocationPath: "/oauth2/revoke",
		issuerHelp:     "your user pool's issuer, https://cognito-idp.REGION.amazonaws.com/POOL_ID",
	},
}

// providerNames lists the valid Config.Provider values, for messages.
const providerNames = "google, microsoft, github, gitlab, okta, auth0, keycloak, cognito or generic"

// inferProvider names the provider from the host (and path) of the
// issuer or an endpoint, "" when none is recognised.
func inferProvider(rawURLs ...string) string {
	for _, raw := range rawURLs {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			continue
		}
		h := strings.ToLower(u.Hostname())
		switch {
		case h == "accounts.google.com" || h == "oauth2.googleapis.com":
			return ProviderGoogle
		case h == "login.microsoftonline.com":
			return ProviderMicrosoft
		case h == "github.com" || h == "api.github.com":
			return ProviderGitHub
		case h == "gitlab.com":
			return ProviderGitLab
		case strings.HasSuffix(h, ".okta.com") || strings.HasSuffix(h, ".oktapreview.com") || strings.HasSuffix(h, ".okta-emea.com"):
			return ProviderOkta
		case strings.HasSuffix(h, ".auth0.com"):
			return ProviderAuth0
		case strings.HasPrefix(h, "cognito-idp.") && strings.HasSuffix(h, ".amazonaws.com"), strings.HasSuffix(h, ".amazoncognito.com"):
			return ProviderCognito
		case strings.Contains(u.Path, "/realms/"):
			return ProviderKeycloak
		}
	}
	return ""
}

// applyProvider resolves the provider and fills in what the user left
// unset from its profile. It runs after the other settings are read, so
// that every explicit one wins.
func (s *settings) applyProvider(name string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" && s.clientFile != "" {
		name = ProviderGoogle // only Google's console downloads client files
	}
	if name == "" {
		name = inferProvider(s.issuer, s.authURL, s.tokenURL)
	}
	if name == "" {
		name = ProviderGeneric
	}
	p, ok := profiles[name]
	if !ok {
		return fmt.Errorf("gonbauth: %s %q is not a provider: use %s", s.where.setting("Provider"), name, providerNames)
	}
	s.prov = p
	if p.name == ProviderMicrosoft {
		s.applyTenant()
	} else if s.tenant != "" {
		return fmt.Errorf("gonbauth: %s is only for Microsoft Entra ID: for %s, put the tenant, domain or realm in %s", s.where.setting("Tenant"), p.title, s.where.setting("Issuer"))
	}
	if s.issuer == "" && s.authURL == "" && s.tokenURL == "" {
		if p.issuer == "" && p.issuerHelp != "" {
			return fmt.Errorf("gonbauth: %s is not set: for %s, set it to %s", s.where.setting("Issuer"), p.title, p.issuerHelp)
		}
		s.issuer = strings.ReplaceAll(p.issuer, "{tenant}", s.tenant)
	}
	if p.noDiscovery && s.issuer != "" {
		s.applyBase()
	}
	if !s.scopesSet && p.scopes != nil {
		s.scopes = slices.Clone(p.scopes)
	}
	for k, v := range p.offlineParams {
		if !s.authParams.Has(k) {
			s.authParams[k] = slices.Clone(v)
		}
	}
	if s.redirectHost == "" {
		s.redirectHost = pick(p.redirectHost, "127.0.0.1")
	}
	switch s.redirectHost {
	case "127.0.0.1", "localhost", "[::1]":
	case "::1":
		s.redirectHost = "[::1]"
	default:
		return fmt.Errorf("gonbauth: %s %q is not a loopback host name: use 127.0.0.1, localhost or [::1]", s.where.setting("RedirectHost"), s.redirectHost)
	}
	if s.clientAuth == "" {
		s.clientAuth = p.clientAuth
	}
	if s.clientAuth == ClientAuthNone {
		s.clientSecret = "" // a public client: nothing to send
	}
	switch s.clientAuth {
	case "", ClientAuthBasic, ClientAuthPost, ClientAuthNone, ClientAuthAuto:
	default:
		return fmt.Errorf("gonbauth: %s %q is not a client authentication: use basic, post, none or auto", s.where.setting("ClientAuth"), s.clientAuth)
	}
	for _, e := range []struct{ field, val string }{
		{"DeviceAuthURL", s.deviceURL},
		{"RevocationURL", s.revocationURL},
	} {
		if e.val == "" {
			continue
		}
		if err := checkEndpoint(e.val); err != nil {
			return fmt.Errorf("gonbauth: %s %w", s.where.setting(e.field), err)
		}
	}
	return nil
}

// applyTenant settles the Microsoft tenant: the setting, else the
// issuer's first path segment, else defaultTenant.
func (s *settings) applyTenant() {
	if s.tenant != "" {
		return
	}
	if u, err := url.Parse(s.issuer); err == nil && s.issuer != "" {
		if seg, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/"); seg != "" {
			s.tenant = seg
			return
		}
	}
	s.tenant = defaultTenant
}

// applyBase fills in the endpoints of a provider without metadata from
// its base URL (the issuer): GitHub's, also served by GitHub Enterprise
// Server below its base URL.
func (s *settings) applyBase() {
	base := strings.TrimSuffix(s.issuer, "/")
	if s.authURL == "" {
		s.authURL = base + "/login/oauth/authorize"
	}
	if s.tokenURL == "" {
		s.tokenURL = base + "/login/oauth/access_token"
	}
	if s.deviceURL == "" {
		s.deviceURL = base + "/login/device/code"
	}
}

// userAPIURL is the "who am I" endpoint of providers without ID tokens.
func (s *settings) userAPIURL() string {
	if s.prov.userAPI != ProviderGitHub {
		return ""
	}
	u, err := url.Parse(s.issuer)
	if err != nil {
		return ""
	}
	if strings.EqualFold(u.Hostname(), "github.com") {
		return "https://api.github.com/user"
	}
	// GitHub Enterprise Server: https://docs.github.com/enterprise-server/rest/quickstart
	return strings.TrimSuffix(s.issuer, "/") + "/api/v3/user"
}

// acceptsIssuer tells whether the metadata may name mdIssuer for the
// configured issuer: for Microsoft, the {tenantid} template or a tenant
// ID in place of the tenant alias ("organizations", a domain).
func (s *settings) acceptsIssuer(mdIssuer string) bool {
	if s.prov == nil || !s.prov.tenantIssuer {
		return false
	}
	got, err1 := url.Parse(mdIssuer)
	want, err2 := url.Parse(s.issuer)
	if err1 != nil || err2 != nil || got.Scheme != want.Scheme || got.Host != want.Host {
		return false
	}
	gSeg, gRest, _ := strings.Cut(strings.TrimPrefix(got.Path, "/"), "/")
	_, wRest, _ := strings.Cut(strings.TrimPrefix(want.Path, "/"), "/")
	return gRest == wRest && (gSeg == tenantTemplate || isTenantID(gSeg))
}

// tenantTemplate stands for the tenant in Microsoft's multi-tenant issuer.
const tenantTemplate = "{tenantid}"

// isTenantID tells whether s is a tenant ID: a GUID in its 8-4-4-4-12
// hexadecimal form.
func isTenantID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", r):
			return false
		}
	}
	return true
}

// tenantIssuer is the issuer an ID token with the tenant ID tid must
// name when the metadata's issuer is the {tenantid} template, as MSAL
// and Microsoft's docs check it
// (https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-issuer).
// tid must be a GUID, so that it cannot rewrite the rest of the URL.
func tenantIssuer(template, tid string) (string, error) {
	if !isTenantID(tid) {
		return "", fmt.Errorf("its tid claim %q is not a tenant ID", printable(tid))
	}
	return strings.ReplaceAll(template, tenantTemplate, tid), nil
}

// completeEndpoints fills in what the provider knows and its metadata
// omits: GitLab's device endpoint, Cognito's revocation endpoint.
func (s *settings) completeEndpoints(ep *endpoints) {
	p := s.prov
	if p == nil {
		return
	}
	if ep.device == "" && p.devicePath != "" && s.issuer != "" {
		ep.device = strings.TrimSuffix(s.issuer, "/") + p.devicePath
	}
	if ep.revocation == "" && p.revocationPath != "" && ep.token != "" {
		if u, err := url.Parse(ep.token); err == nil {
			ep.revocation = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: p.revocationPath}).String()
		}
	}
}

// checkTenant checks a verified ID token's iss against the {tenantid}
// template filled with the token's own tid: a token whose tid names
// another tenant than its issuer is refused.
func checkTenant(template string, idt *oidc.IDToken) error {
	var c struct {
		TID string `json:"tid"`
	}
	if err := idt.Claims(&c); err != nil {
		return idTokenRefused(fromOutside(err))
	}
	want, err := tenantIssuer(template, c.TID)
	if err != nil {
		return idTokenRefused(err)
	}
	if idt.Issuer != want {
		return idTokenRefused(fmt.Errorf("it was issued by %q, but its tenant (tid) makes the issuer %q", printable(idt.Issuer), printable(want)))
	}
	return nil
}

// providerOf is the profile of the settings, else of the saved sign-in's
// issuer: a sign-out may be asked with no provider set.
func providerOf(s *settings, e *entry) *profile {
	if s.prov != nil && s.prov != profiles[ProviderGeneric] {
		return s.prov
	}
	if name := inferProvider(e.Issuer, e.TokenURL); name != "" {
		return profiles[name]
	}
	return profiles[ProviderGeneric]
}
