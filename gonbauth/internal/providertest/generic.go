package providertest

// Generic is a plain RFC 8414 authorization server, of the kind issue 9
// describes: its metadata lists no scopes_supported, and it refuses the
// profile and email scopes with invalid_scope (RFC 6749 section 4.1.2.1).
// It has no device or revocation endpoint.
func init() { profiles[Generic] = genericProfile }

func genericProfile(o Options) *profile {
	return &profile{
		wellKnown: "/.well-known/oauth-authorization-server",
		// RFC 8414 section 2: the required fields and PKCE's.
		metadata: func(s *Server) map[string]any {
			return map[string]any{
				"issuer":                                s.Issuer,
				"authorization_endpoint":                s.URL + "/authorize",
				"token_endpoint":                        s.URL + "/token",
				"jwks_uri":                              s.URL + "/jwks",
				"response_types_supported":              []string{"code"},
				"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
				"token_endpoint_auth_methods_supported": []string{"none"},
				"code_challenge_methods_supported":      []string{"S256"},
			}
		},
		auth: "/authorize", token: "/token", jwks: "/jwks",
		clientID:   "generic-client",
		user:       User{Subject: "ada", Login: "ada", Name: "Ada Lovelace", Email: "ada@example.test"},
		expiresIn:  3600,
		redirects:  []string{"http://127.0.0.1/callback"},
		redirectOK: matchLoopbackAnyPort("127.0.0.1", "::1", "localhost"),
		checkScope: func(s *Server, scopes []string, device bool) *oauthError {
			for _, sc := range scopes {
				if sc == "profile" || sc == "email" {
					return &oauthError{Code: "invalid_scope", Desc: "unknown scope " + sc}
				}
			}
			return nil
		},
		issueRefresh: withScope("offline_access"),
		rotate:       true, revokeOld: true,
		idToken: withScope("openid"),
	}
}
