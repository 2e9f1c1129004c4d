package providertest

import "net/http"

// Auth0, a Native application by default. The issuer is the tenant's
// domain with a trailing slash.
//
// Sources:
//   - [disco] https://{tenant}.auth0.com/.well-known/openid-configuration, described at
//     https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery
//   - [pkce] https://auth0.com/docs/get-started/authentication-and-authorization-flow/authorization-code-flow-with-pkce/call-your-api-using-the-authorization-code-flow-with-pkce
//   - [api] https://auth0.com/docs/api/authentication ("Authorization Code Flow with PKCE",
//     "Device Authorization Flow", "Revoke Refresh Token", "Standard Error Responses")
//   - [callback] https://auth0.com/docs/get-started/applications/application-settings ("Allowed Callback URLs")
//     and https://auth0.com/docs/troubleshoot/basic-issues/callback-url-mismatch
//   - [rotation] https://auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation
//   - [device] https://auth0.com/docs/get-started/authentication-and-authorization-flow/device-authorization-flow/call-your-api-using-the-device-authorization-flow
func init() { profiles[Auth0] = auth0Profile }

var auth0Scopes = []string{"openid", "profile", "offline_access", "name", "given_name", "family_name", "nickname", "email",
	"email_verified", "picture", "created_at", "identities", "phone", "address"}

func auth0Profile(o Options) *profile {
	return &profile{
		issuerPath: "/",
		// [disco]: the field set; the issuer ends with "/".
		metadata: func(s *Server) map[string]any {
			b := s.URL
			return map[string]any{
				"issuer":                                s.Issuer,
				"authorization_endpoint":                b + "/authorize",
				"token_endpoint":                        b + "/oauth/token",
				"device_authorization_endpoint":         b + "/oauth/device/code",
				"userinfo_endpoint":                     b + "/userinfo",
				"mfa_challenge_endpoint":                b + "/mfa/challenge",
				"jwks_uri":                              b + "/.well-known/jwks.json",
				"registration_endpoint":                 b + "/oidc/register",
				"revocation_endpoint":                   b + "/oauth/revoke",
				"scopes_supported":                      auth0Scopes,
				"response_types_supported":              []string{"code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token"},
				"code_challenge_methods_supported":      []string{"S256", "plain"},
				"response_modes_supported":              []string{"query", "fragment", "form_post"},
				"subject_types_supported":               []string{"public"},
				"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
				"claims_supported":                      []string{"aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name", "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number", "picture", "sub"},
				"request_uri_parameter_supported":       false,
				"request_parameter_supported":           false,
				"id_token_signing_alg_values_supported": []string{"HS256", "RS256", "PS256"},
				"end_session_endpoint":                  b + "/oidc/logout",
				"backchannel_logout_supported":          true,
				"backchannel_logout_session_supported":  true,
			}
		},
		auth: "/authorize", token: "/oauth/token", device: "/oauth/device/code", verify: "/activate",
		userinfo: "/userinfo", revoke: "/oauth/revoke", jwks: "/.well-known/jwks.json",

		clientID: "Zx8tStandInNativeAppClientId01",
		user:     User{Subject: "auth0|6543210fedcba9876543210f", Login: "ada", Name: "Ada Lovelace", Email: "ada@example.test"},
		interval: 5, expiresIn: 86400, // [device] interval 5; the API's default token lifetime is 86400 s

		// [callback]: the redirect_uri must be one of the Allowed Callback
		// URLs, exactly; otherwise Auth0 shows "Callback URL mismatch".
		redirects:  []string{"http://127.0.0.1:8085/callback"},
		redirectOK: matchExact,
		refuseRedirect: func(s *Server, w http.ResponseWriter, r *http.Request) {
			errorPage(w, http.StatusBadRequest, "Callback URL mismatch. The provided redirect_uri is not in the list of allowed callback URLs. Please go to the Application Settings page and make sure you are sending a valid callback url from your application.")
		},
		checkScope: func(s *Server, scopes []string, device bool) *oauthError {
			return nil // Auth0 ignores scopes it does not know
		},
		checkClient: func(s *Server, c client, endpoint string) *oauthError {
			if c.id != s.ClientID || (s.ClientSecret != "" && c.secret != s.ClientSecret) {
				return &oauthError{Status: 401, Code: "access_denied", Desc: "Unauthorized"}
			}
			return nil
		},
		// [pkce] a refresh token with offline_access (when the API allows
		// offline access); [rotation] each use returns a new one and the
		// used one is invalid (reuse is detected).
		issueRefresh: withScope("offline_access"),
		rotate:       true, revokeOld: true,
		idToken: withScope("openid"),
		claims: func(s *Server, g *grant, c map[string]any) {
			c["nickname"] = s.User.Login
			c["email_verified"] = true
			c["sid"] = "standin-session"
		},
		// [device]: the application's Device Code grant must be enabled.
		deviceRefused: refuseDeviceIfDisabled(oauthError{Status: 403, Code: "unauthorized_client", Desc: "Grant type 'urn:ietf:params:oauth:grant-type:device_code' not allowed for the client."}),
		deviceAnswer: func(s *Server, d *deviceGrant, base map[string]any) map[string]any {
			base["verification_uri"] = s.URL + "/activate"
			return base
		},
		// [api] "Standard Error Responses" and [device] "Token responses":
		// invalid_grant, access_denied, authorization_pending and
		// expired_token are 403; slow_down is 429.
		writeError: func(w http.ResponseWriter, r *http.Request, e *oauthError) {
			status := cmpOr(e.Status, http.StatusBadRequest)
			switch e.Code {
			case "invalid_grant", "access_denied", "authorization_pending", "expired_token", "unauthorized_client":
				status = http.StatusForbidden
			case "slow_down":
				status = http.StatusTooManyRequests
			}
			body := errorBody(e)
			if e.Code == "invalid_grant" && r.PostForm.Get("grant_type") == "refresh_token" {
				body["error_description"] = "Unknown or invalid refresh token."
			} else if e.Code == "invalid_grant" {
				body["error_description"] = "Invalid authorization code"
			}
			writeJSON(w, status, body)
		},
		userAnswer: func(s *Server, g *grant) any {
			return map[string]any{"sub": s.User.Subject, "nickname": s.User.Login, "name": s.User.Name, "email": s.User.Email, "email_verified": true,
				"picture": s.URL + "/avatar.png", "updated_at": "2026-12-01T12:00:00.000Z"}
		},
	}
}
