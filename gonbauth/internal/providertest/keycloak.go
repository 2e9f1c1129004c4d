package providertest

import (
	"net/http"
	"slices"
	"strings"
)

// Keycloak, realm "demo", a public OpenID Connect client ("Client
// authentication" off) by default.
//
// Sources:
//   - [oidc] https://www.keycloak.org/docs/latest/securing_apps/#_oidc ("Endpoints": the
//     /realms/{realm}/protocol/openid-connect/* paths and the discovery document)
//   - [admin] https://www.keycloak.org/docs/latest/server_admin/#_oidc_clients ("Valid redirect URIs":
//     wildcards only at the end; "OAuth 2.0 Device Authorization Grant"; "Revoke Refresh Token")
//   - [redirect] Keycloak's RedirectUtils (verifyRedirectUri, matchesRedirects): a
//     redirect URI matches a registered one exactly, or a registered one ending in "*" as
//     a prefix; failing that, one starting with http://localhost or http://127.0.0.1
//     (Constants.INSTALLED_APP_URL, INSTALLED_APP_LOOPBACK) is matched again without its
//     port. [::1] gets no such exception.
//     https://github.com/keycloak/keycloak/blob/main/services/src/main/java/org/keycloak/protocol/oidc/utils/RedirectUtils.java
//   - [iss] Keycloak 15.1 and later send RFC 9207's iss and advertise it
//     (https://www.keycloak.org/docs/latest/release_notes/#oauth-2-0-authorization-server-issuer-identification)
func init() { profiles[Keycloak] = keycloakProfile }

var keycloakScopes = []string{"openid", "offline_access", "profile", "email", "address", "phone", "roles", "web-origins", "acr", "microprofile-jwt", "basic", "organization"}

func keycloakProfile(o Options) *profile {
	const realm = "/realms/demo"
	const oc = realm + "/protocol/openid-connect"
	return &profile{
		issuerPath: realm,
		metadata: func(s *Server) map[string]any {
			b := s.URL + oc
			return map[string]any{
				"issuer":                                         s.Issuer,
				"authorization_endpoint":                         b + "/auth",
				"token_endpoint":                                 b + "/token",
				"introspection_endpoint":                         b + "/token/introspect",
				"userinfo_endpoint":                              b + "/userinfo",
				"end_session_endpoint":                           b + "/logout",
				"frontchannel_logout_session_supported":          true,
				"frontchannel_logout_supported":                  true,
				"jwks_uri":                                       b + "/certs",
				"check_session_iframe":                           b + "/login-status-iframe.html",
				"grant_types_supported":                          []string{"authorization_code", "client_credentials", "implicit", "password", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:uma-ticket", "urn:openid:params:grant-type:ciba"},
				"acr_values_supported":                           []string{"0", "1"},
				"response_types_supported":                       []string{"code", "none", "id_token", "token", "id_token token", "code id_token", "code token", "code id_token token"},
				"subject_types_supported":                        []string{"public", "pairwise"},
				"id_token_signing_alg_values_supported":          []string{"PS384", "RS384", "EdDSA", "ES384", "HS256", "HS512", "ES256", "RS256", "HS384", "ES512", "PS256", "PS512", "RS512"},
				"userinfo_signing_alg_values_supported":          []string{"PS384", "RS384", "EdDSA", "ES384", "HS256", "HS512", "ES256", "RS256", "HS384", "ES512", "PS256", "PS512", "RS512", "none"},
				"response_modes_supported":                       []string{"query", "fragment", "form_post", "query.jwt", "fragment.jwt", "form_post.jwt", "jwt"},
				"registration_endpoint":                          s.URL + realm + "/clients-registrations/openid-connect",
				"token_endpoint_auth_methods_supported":          []string{"private_key_jwt", "client_secret_basic", "client_secret_post", "tls_client_auth", "client_secret_jwt"},
				"claims_supported":                               []string{"aud", "sub", "iss", "auth_time", "name", "given_name", "family_name", "preferred_username", "email", "acr"},
				"claim_types_supported":                          []string{"normal"},
				"claims_parameter_supported":                     true,
				"scopes_supported":                               keycloakScopes,
				"request_parameter_supported":                    true,
				"request_uri_parameter_supported":                true,
				"require_request_uri_registration":               true,
				"code_challenge_methods_supported":               []string{"plain", "S256"},
				"tls_client_certificate_bound_access_tokens":     true,
				"revocation_endpoint":                            b + "/revoke",
				"revocation_endpoint_auth_methods_supported":     []string{"private_key_jwt", "client_secret_basic", "client_secret_post", "tls_client_auth", "client_secret_jwt"},
				"backchannel_logout_supported":                   true,
				"backchannel_logout_session_supported":           true,
				"device_authorization_endpoint":                  b + "/auth/device",
				"backchannel_token_delivery_modes_supported":     []string{"poll", "ping"},
				"backchannel_authentication_endpoint":            b + "/ext/ciba/auth",
				"require_pushed_authorization_requests":          false,
				"pushed_authorization_request_endpoint":          b + "/ext/par/request",
				"authorization_response_iss_parameter_supported": true,
			}
		},
		auth: oc + "/auth", token: oc + "/token", device: oc + "/auth/device", verify: realm + "/device",
		userinfo: oc + "/userinfo", revoke: oc + "/revoke", jwks: oc + "/certs",

		clientID: "notebook",
		user:     User{Subject: "3f8e2a4c-5d6b-4e7f-9a1b-2c3d4e5f6a7b", Login: "ada", Name: "Ada Lovelace", Email: "ada@example.test"},
		interval: 5, expiresIn: 300, // Keycloak's defaults: access tokens 5 minutes, device polling 5 s

		redirects: []string{"http://127.0.0.1/callback"},
		redirectOK: func(s *Server, got string) bool {
			if keycloakMatch(s.RedirectURIs, got) {
				return true
			}
			stripped, ok := keycloakStripPort(got)
			return ok && keycloakMatch(s.RedirectURIs, stripped)
		},
		// Keycloak's error page: "Invalid parameter: redirect_uri".
		refuseRedirect: func(s *Server, w http.ResponseWriter, r *http.Request) {
			errorPage(w, http.StatusBadRequest, "We are sorry... Invalid parameter: redirect_uri")
		},
		sendIss:    true,
		checkScope: onlyScopes(keycloakScopes, func(sc string) string { return "Invalid scopes: " + sc }),
		checkClient: func(s *Server, c client, endpoint string) *oauthError {
			if c.id != s.ClientID {
				return &oauthError{Status: 401, Code: "invalid_client", Desc: "Invalid client or Invalid client credentials"}
			}
			if s.ClientSecret != "" && c.secret != s.ClientSecret {
				return &oauthError{Status: 401, Code: "unauthorized_client", Desc: "Invalid client or Invalid client credentials"}
			}
			return nil
		},
		// [oidc]: a refresh token always (an offline one with
		// offline_access); [admin] "Revoke Refresh Token" is off by default,
		// so the used one keeps working.
		issueRefresh: func(s *Server, g *grant) bool { return true },
		rotate:       true,
		idToken:      withScope("openid"),
		claims: func(s *Server, g *grant, c map[string]any) {
			c["typ"] = "ID"
			c["azp"] = s.ClientID
			c["preferred_username"] = s.User.Login
			c["email_verified"] = true
		},
		tokenExtra: func(s *Server, g *grant, body map[string]any) {
			body["refresh_expires_in"] = 1800
			if slices.Contains(g.scopes, "offline_access") {
				body["refresh_expires_in"] = 0
			}
			body["not-before-policy"] = 0
			body["session_state"] = "9d3c0b4e-standin-session"
		},
		// [admin] "OAuth 2.0 Device Authorization Grant" is a client switch.
		deviceRefused: refuseDeviceIfDisabled(oauthError{Status: 400, Code: "unauthorized_client", Desc: "Client is not allowed to initiate OAuth 2.0 Device Authorization Grant. The flow is disabled for the client."}),
		deviceAnswer:  deviceExpiresIn(600),
		userAnswer: func(s *Server, g *grant) any {
			return map[string]any{"sub": s.User.Subject, "email_verified": true, "name": s.User.Name, "preferred_username": s.User.Login,
				"given_name": "Ada", "family_name": "Lovelace", "email": s.User.Email}
		},
	}
}

// keycloakMatch is RedirectUtils.matchesRedirects: exact, or a prefix for
// a registration ending in "*" (whose query is then ignored).
func keycloakMatch(valid []string, r string) bool {
	for _, v := range valid {
		if strings.HasSuffix(v, "*") && !strings.Contains(v, "?") {
			rr, _, _ := strings.Cut(r, "?")
			prefix := strings.TrimSuffix(v, "*")
			if strings.HasPrefix(rr, prefix) || (len(prefix) > 1 && strings.TrimSuffix(prefix, "/") == rr) {
				return true
			}
		} else if v == r {
			return true
		}
	}
	return false
}

// keycloakStripPort drops the port of an http://localhost or
// http://127.0.0.1 redirect URI, as RedirectUtils.verifyRedirectUri does
// (looking for the ':' from the 16th character, the length of
// "http://localhost").
func keycloakStripPort(r string) (string, bool) {
	if (!strings.HasPrefix(r, "http://localhost") && !strings.HasPrefix(r, "http://127.0.0.1")) || len(r) < 16 {
		return "", false
	}
	i := strings.Index(r[16:], ":")
	if i < 0 {
		return "", false
	}
	i += 16
	out := r[:i]
	if j := strings.Index(r[i:], "/"); j >= 0 {
		out += r[i+j:]
	}
	return out, true
}
