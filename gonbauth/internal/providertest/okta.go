package providertest

import "net/http"

// Okta, a custom authorization server ("default") and a Native app
// integration (public client, PKCE) by default.
//
// Sources:
//   - [disco] https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/CustomAS/#tag/CustomAS/operation/getWellKnownOpenIDConfigurationCustomAS
//   - [pkce] https://developer.okta.com/docs/guides/implement-grant-type/authcodepkce/main/
//   - [redirect] https://developer.okta.com/docs/guides/sign-into-mobile-app-redirect/ ("Sign-in redirect URIs"
//     must match exactly) and the error page text of
//     https://support.okta.com/help/s/article/The-redirect-uri-parameter-must-be-an-absolute-URI
//   - [refresh] https://developer.okta.com/docs/guides/refresh-tokens/main/ ("Get a refresh token",
//     "Refresh token rotation")
//   - [device] https://developer.okta.com/docs/guides/device-authorization-grant/main/
//   - [errors] https://developer.okta.com/docs/reference/error-codes/ and RFC 6749 section 5.2
//   - [revoke] https://developer.okta.com/docs/guides/revoke-tokens/main/
func init() { profiles[Okta] = oktaProfile }

func oktaProfile(o Options) *profile {
	const as = "/oauth2/default"
	return &profile{
		issuerPath: as,
		// [disco]: the field set of a custom authorization server.
		metadata: func(s *Server) map[string]any {
			b := s.Issuer
			return map[string]any{
				"issuer":                                                          b,
				"authorization_endpoint":                                          b + "/v1/authorize",
				"token_endpoint":                                                  b + "/v1/token",
				"userinfo_endpoint":                                               b + "/v1/userinfo",
				"registration_endpoint":                                           s.URL + "/oauth2/v1/clients",
				"jwks_uri":                                                        b + "/v1/keys",
				"response_types_supported":                                        []string{"code", "id_token", "code id_token", "code token", "id_token token", "code id_token token"},
				"response_modes_supported":                                        []string{"query", "fragment", "form_post", "okta_post_message"},
				"grant_types_supported":                                           []string{"authorization_code", "implicit", "refresh_token", "password", "urn:ietf:params:oauth:grant-type:device_code"},
				"subject_types_supported":                                         []string{"public"},
				"id_token_signing_alg_values_supported":                           []string{"RS256"},
				"scopes_supported":                                                []string{"openid", "profile", "email", "address", "phone", "offline_access", "device_sso"},
				"token_endpoint_auth_methods_supported":                           []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"},
				"claims_supported":                                                []string{"iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp", "nonce", "name", "nickname", "preferred_username", "given_name", "middle_name", "family_name", "email", "email_verified", "profile", "zoneinfo", "locale", "address", "phone_number", "picture", "website", "gender", "birthdate", "updated_at", "at_hash", "c_hash"},
				"code_challenge_methods_supported":                                []string{"S256"},
				"introspection_endpoint":                                          b + "/v1/introspect",
				"introspection_endpoint_auth_methods_supported":                   []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"},
				"revocation_endpoint":                                             b + "/v1/revoke",
				"revocation_endpoint_auth_methods_supported":                      []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"},
				"end_session_endpoint":                                            b + "/v1/logout",
				"request_parameter_supported":                                     true,
				"request_object_signing_alg_values_supported":                     []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"},
				"device_authorization_endpoint":                                   b + "/v1/device/authorize",
				"dpop_signing_alg_values_supported":                               []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"},
				"authorization_response_iss_parameter_supported":                  false,
				"pushed_authorization_request_endpoint":                           b + "/v1/par",
				"backchannel_token_delivery_modes_supported":                      []string{"poll"},
				"backchannel_authentication_request_signing_alg_values_supported": []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"},
			}
		},
		auth: as + "/v1/authorize", token: as + "/v1/token", device: as + "/v1/device/authorize", verify: "/activate",
		userinfo: as + "/v1/userinfo", revoke: as + "/v1/revoke", jwks: as + "/v1/keys",

		clientID: "0oa1standinnative5d7",
		user:     User{Subject: "00u1standin0ada5d7", Login: "ada@example.test", Name: "Ada Lovelace", Email: "ada@example.test"},
		interval: 5, expiresIn: 3600, // [device] interval 5; access tokens last an hour by default

		// [redirect]: exact match, port included.
		redirects:  []string{"http://127.0.0.1:8085/callback"},
		redirectOK: matchExact,
		refuseRedirect: func(s *Server, w http.ResponseWriter, r *http.Request) {
			errorPage(w, http.StatusBadRequest, "Identity Provider: Unknown. Error Code: invalid_request. Description: The 'redirect_uri' parameter must be a Login redirect URI in the client app settings: "+s.URL+"/admin/app/oidc_client/instance/"+s.ClientID+"#tab-general")
		},
		checkScope: onlyScopes([]string{"openid", "profile", "email", "address", "phone", "offline_access", "device_sso"}, func(string) string {
			return "One or more scopes are not configured for the authorization server resource."
		}),
		checkClient: func(s *Server, c client, endpoint string) *oauthError {
			if c.id != s.ClientID || (s.ClientSecret != "" && c.secret != s.ClientSecret) || (s.ClientSecret == "" && c.secret != "") {
				return &oauthError{Status: 401, Code: "invalid_client", Desc: "Client authentication failed. Either the client or the client credentials are invalid."}
			}
			return nil
		},
		// [refresh]: a refresh token only with offline_access; rotation
		// ("Rotate token after every use") issues a new one and the old one
		// stops working after the grace period.
		issueRefresh: withScope("offline_access"),
		rotate:       true, revokeOld: true,
		idToken: withScope("openid"),
		claims: func(s *Server, g *grant, c map[string]any) {
			c["ver"] = 1
			c["preferred_username"] = s.User.Login
			c["amr"] = []string{"pwd"}
			c["idp"] = "00o1standinidp5d7"
		},
		// [device]: the app's "Device Authorization" grant type must be on.
		deviceRefused: refuseDeviceIfDisabled(oauthError{Status: 400, Code: "unauthorized_client", Desc: "The client is not authorized to use the provided grant type. Configured grant types: [authorization_code, refresh_token]."}),
		// [device]: verification_uri https://{domain}/activate, with the complete form.
		deviceAnswer: deviceExpiresIn(600),
		userAnswer: func(s *Server, g *grant) any {
			return map[string]any{"sub": s.User.Subject, "name": s.User.Name, "email": s.User.Email, "email_verified": true,
				"preferred_username": s.User.Login, "given_name": "Ada", "family_name": "Lovelace"}
		},
	}
}
