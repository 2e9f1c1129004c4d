package providertest

import (
	"net/http"
	"time"
)

// GitLab (gitlab.com, or self-managed below a base URL), a
// non-confidential application by default (a secret makes it
// confidential).
//
// Sources:
//   - [api] https://docs.gitlab.com/api/oauth2/ ("Authorization code with
//     Proof Key for Code Exchange (PKCE)", "Device authorization grant
//     flow", "Access token expiration", "Retrieve the token information")
//   - [oidc] https://docs.gitlab.com/integration/openid_connect_provider/
//     (the discovery document, scopes and claims)
//   - [disco] https://gitlab.com/.well-known/openid-configuration
//   - [doorkeeper] GitLab's OAuth server is Doorkeeper: redirect URIs match
//     exactly except a loopback IP literal's port (RFC 8252 section 7.3),
//     https://github.com/doorkeeper-gem/doorkeeper/blob/main/lib/doorkeeper/oauth/helpers/uri_checker.rb
//     (URIChecker.matches? and loopback_uri?); errors are
//     https://github.com/doorkeeper-gem/doorkeeper/blob/main/config/locales/en.yml
func init() { profiles[GitLab] = gitlabProfile }

// gitlabScopes is [disco]'s scopes_supported: offline_access is not
// among them.
var gitlabScopes = []string{"api", "read_api", "read_user", "create_runner", "manage_runner", "k8s_proxy", "self_rotate",
	"read_repository", "write_repository", "read_registry", "write_registry", "read_virtual_registry", "write_virtual_registry",
	"read_observability", "write_observability", "ai_features", "sudo", "admin_mode", "read_service_ping", "openid", "profile", "email"}

func gitlabProfile(o Options) *profile {
	return &profile{
		issuerPath: "",
		// [disco]: the field set; no device_authorization_endpoint although
		// [api] documents /oauth/authorize_device.
		metadata: func(s *Server) map[string]any {
			return map[string]any{
				"issuer":                                s.Issuer,
				"authorization_endpoint":                s.URL + "/oauth/authorize",
				"token_endpoint":                        s.URL + "/oauth/token",
				"revocation_endpoint":                   s.URL + "/oauth/revoke",
				"introspection_endpoint":                s.URL + "/oauth/introspect",
				"userinfo_endpoint":                     s.URL + "/oauth/userinfo",
				"jwks_uri":                              s.URL + "/oauth/discovery/keys",
				"scopes_supported":                      gitlabScopes,
				"response_types_supported":              []string{"code"},
				"response_modes_supported":              []string{"query", "fragment", "form_post"},
				"grant_types_supported":                 []string{"authorization_code", "password", "client_credentials", "device_code", "refresh_token"},
				"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
				"subject_types_supported":               []string{"public"},
				"id_token_signing_alg_values_supported": []string{"RS256"},
				"claim_types_supported":                 []string{"normal"},
				"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "sub_legacy", "name", "nickname", "preferred_username", "email", "email_verified", "website", "profile", "picture", "groups", "groups_direct", "https://gitlab.org/claims/groups/owner", "https://gitlab.org/claims/groups/maintainer", "https://gitlab.org/claims/groups/developer"},
				"code_challenge_methods_supported":      []string{"plain", "S256"},
			}
		},
		auth: "/oauth/authorize", token: "/oauth/token", device: "/oauth/authorize_device", verify: "/oauth/device",
		userinfo: "/oauth/userinfo", revoke: "/oauth/revoke", jwks: "/oauth/discovery/keys",

		clientID: "7f3c1c5b0d9e4a6f8b2a1c3d5e7f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f",
		user:     User{Subject: "1234567", Login: "ada", Name: "Ada Lovelace", Email: "ada@example.test"},
		interval: 5, expiresIn: 7200, // [api] "Access token expiration": two hours

		redirects:  []string{"http://127.0.0.1/callback"},
		redirectOK: matchLoopbackAnyPort("127.0.0.1", "::1"), // [doorkeeper]: IP literals only, not localhost
		// [doorkeeper] invalid_redirect_uri is shown on a page, not redirected.
		refuseRedirect: func(s *Server, w http.ResponseWriter, r *http.Request) {
			errorPage(w, http.StatusBadRequest, "The redirect URI included is not valid.")
		},
		// [doorkeeper] invalid_scope, redirected.
		checkScope: onlyScopes(gitlabScopes, func(string) string { return "The requested scope is invalid, unknown, or malformed." }),
		checkClient: func(s *Server, c client, endpoint string) *oauthError {
			bad := &oauthError{Status: 401, Code: "invalid_client", Desc: "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."}
			if c.id != s.ClientID || (c.secret != "" && c.secret != s.ClientSecret) || (s.ClientSecret != "" && c.secret == "" && endpoint != "device") {
				return bad
			}
			return nil
		},
		// [api] "Authorization code with PKCE": a refresh token always; a
		// refresh answers with a new one and revokes the one used.
		issueRefresh: func(s *Server, g *grant) bool { return true },
		rotate:       true, revokeOld: true,
		idToken: withScope("openid"),
		claims: func(s *Server, g *grant, c map[string]any) {
			c["sub_legacy"] = "2ee5a9b8e4cd1e9bd4b8fc1fa7b2fa3b2f41c4b6bb9b7c1f1e49d7c5e29a3c71"
			c["nickname"], c["preferred_username"] = s.User.Login, s.User.Login
			c["email_verified"] = true
			c["auth_time"] = time.Now().Unix()
		},
		// [api] token answers carry created_at.
		tokenExtra:    func(s *Server, g *grant, body map[string]any) { body["created_at"] = time.Now().Unix() },
		deviceRefused: refuseDeviceIfDisabled(oauthError{Status: 401, Code: "invalid_client", Desc: "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."}),
		// [api] "Device authorization grant flow": the answer, with
		// verification_uri_complete, expires_in 300.
		deviceAnswer: deviceExpiresIn(300),
		userAnswer: func(s *Server, g *grant) any {
			return map[string]any{"sub": s.User.Subject, "sub_legacy": "2ee5a9b8e4cd1e9bd4b8fc1fa7b2fa3b2f41c4b6bb9b7c1f1e49d7c5e29a3c71",
				"name": s.User.Name, "nickname": s.User.Login, "preferred_username": s.User.Login, "email": s.User.Email, "email_verified": true,
				"profile": s.URL + "/" + s.User.Login, "groups": []string{}}
		},
		// RFC 7009 at /oauth/revoke ([disco] revocation_endpoint); Doorkeeper
		// answers 200 {} whatever the token.
		revokeHandler: func(s *Server, w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			c := clientOf(r)
			s.record("revoke", r, c)
			if c.id != s.ClientID {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": "unauthorized_client", "error_description": "You are not authorized to revoke this token"})
				return
			}
			s.revokeToken(r.Form.Get("token"))
			writeJSON(w, http.StatusOK, map[string]any{})
		},
	}
}
