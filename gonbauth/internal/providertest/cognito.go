package providertest

import (
	"net/http"
	"net/url"
)

// Amazon Cognito user pool, an app client without a secret (public) by
// default. The issuer (cognito-idp.REGION.amazonaws.com/POOL_ID) and the
// user pool domain (where authorize, token, userInfo and revoke live) are
// different places: here the issuer is below /us-east-1_StandIn and the
// domain at the root of the same server.
//
// Sources:
//   - [fed] https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html
//     (the endpoints, and the discovery document on the issuer)
//   - [authorize] https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
//     (redirect_uri "must match" a callback URL; on a mismatch the user lands on
//     /error?error=redirect_mismatch)
//   - [client] https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-client-apps.html
//     (callback URLs: exact, https except http://localhost)
//   - [token] https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
//     (a refresh token with every authorization code; a refresh answers without a new one;
//     errors as {"error": "..."} with HTTP 400)
//   - [revoke] https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html
//   - [userinfo] https://docs.aws.amazon.com/cognito/latest/developerguide/userinfo-endpoint.html
func init() { profiles[Cognito] = cognitoProfile }

var cognitoScopes = []string{"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"}

func cognitoProfile(o Options) *profile {
	const pool = "/us-east-1_StandIn"
	return &profile{
		issuerPath: pool,
		// The discovery document's fields: no revocation_endpoint, no
		// code_challenge_methods_supported, no device endpoint.
		metadata: func(s *Server) map[string]any {
			return map[string]any{
				"authorization_endpoint":                s.URL + "/oauth2/authorize",
				"end_session_endpoint":                  s.URL + "/logout",
				"id_token_signing_alg_values_supported": []string{"RS256"},
				"issuer":                                s.Issuer,
				"jwks_uri":                              s.Issuer + "/.well-known/jwks.json",
				"response_types_supported":              []string{"code", "token"},
				"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
				"subject_types_supported":               []string{"public"},
				"token_endpoint":                        s.URL + "/oauth2/token",
				"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
				"userinfo_endpoint":                     s.URL + "/oauth2/userInfo",
			}
		},
		auth: "/oauth2/authorize", token: "/oauth2/token", userinfo: "/oauth2/userInfo", revoke: "/oauth2/revoke",
		jwks: pool + "/.well-known/jwks.json",

		clientID:  "1example23456789standin0ab",
		user:      User{Subject: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", Login: "ada", Name: "Ada Lovelace", Email: "ada@example.test"},
		expiresIn: 3600, // [token] example

		redirects:  []string{"http://localhost:8085/callback"},
		redirectOK: matchExact,
		refuseRedirect: func(s *Server, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, s.URL+"/error?"+url.Values{"error": {"redirect_mismatch"}, "client_id": {s.ClientID}}.Encode(), http.StatusFound)
		},
		// [authorize]: scopes the app client does not allow are refused.
		checkScope: onlyScopes(cognitoScopes, func(string) string { return "invalid_scope" }),
		checkClient: func(s *Server, c client, endpoint string) *oauthError {
			if c.id != s.ClientID || (s.ClientSecret != "" && c.secret != s.ClientSecret) || (s.ClientSecret == "" && c.secret != "") {
				return &oauthError{Status: 400, Code: "invalid_client"}
			}
			return nil
		},
		issueRefresh: func(s *Server, g *grant) bool { return true },
		idToken:      withScope("openid"),
		claims: func(s *Server, g *grant, c map[string]any) {
			c["cognito:username"] = s.User.Login
			c["token_use"] = "id"
			c["email_verified"] = true
			c["auth_time"] = c["iat"]
		},
		// [token]: errors carry only "error".
		writeError: func(w http.ResponseWriter, r *http.Request, e *oauthError) {
			writeJSON(w, cmpOr(e.Status, http.StatusBadRequest), map[string]string{"error": e.Code})
		},
		userAnswer: func(s *Server, g *grant) any {
			return map[string]any{"sub": s.User.Subject, "email_verified": "true", "email": s.User.Email, "username": s.User.Login}
		},
		routes: func(s *Server, mux *http.ServeMux) {
			mux.HandleFunc("GET /error", func(w http.ResponseWriter, r *http.Request) {
				errorPage(w, http.StatusBadRequest, "An error was encountered with the requested page. "+r.URL.Query().Get("error"))
			})
		},
	}
}
