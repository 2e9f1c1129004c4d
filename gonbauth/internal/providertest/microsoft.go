package providertest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Microsoft Entra ID (v2.0 endpoints), a "Mobile and desktop
// applications" public client by default (a secret makes it a confidential
// "Web" client).
//
// Sources:
//   - [oidc] https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc
//     ("Find your app's OpenID configuration document URI", "Sample response")
//   - [code] https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
//   - [device] https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
//   - [reply] https://learn.microsoft.com/entra/identity-platform/reply-url
//     ("Localhost exceptions")
//   - [claims] https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
//   - [refresh] https://learn.microsoft.com/entra/identity-platform/refresh-tokens
//   - [errors] https://learn.microsoft.com/entra/identity-platform/reference-error-codes
func init() { profiles[Microsoft] = microsoftProfile }

// Tenant IDs of the stand-in.
const (
	// HomeTenant is the tenant the app is registered in, and the default
	// user's.
	HomeTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	// OtherTenant is another organization's tenant, for multi-tenant sign-ins.
	OtherTenant = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
)

// multiTenant are the authorities whose metadata issuer is the
// {tenantid} template ([oidc] "Find your app's OpenID configuration
// document URI": common, organizations, consumers).
var multiTenant = []string{"common", "organizations", "consumers"}

func microsoftProfile(o Options) *profile {
	tenant := pickString(o.Tenant, "organizations")
	userTenant := pickString(o.UserTenant, HomeTenant)
	if !slices.Contains(multiTenant, tenant) && o.UserTenant == "" {
		userTenant = tenant
	}
	t := "/" + tenant
	return &profile{
		issuerPath: t + "/v2.0",
		// [oidc] "Sample response": the field set of the v2.0 document.
		// There is no revocation_endpoint and no
		// code_challenge_methods_supported.
		metadata: func(s *Server) map[string]any {
			issuer := s.Issuer
			if slices.Contains(multiTenant, tenant) {
				issuer = s.URL + "/{tenantid}/v2.0"
			}
			return map[string]any{
				"token_endpoint":                        s.URL + t + "/oauth2/v2.0/token",
				"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
				"jwks_uri":                              s.URL + t + "/discovery/v2.0/keys",
				"response_modes_supported":              []string{"query", "fragment", "form_post"},
				"subject_types_supported":               []string{"pairwise"},
				"id_token_signing_alg_values_supported": []string{"RS256"},
				"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
				"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
				"issuer":                                issuer,
				"request_uri_parameter_supported":       false,
				"userinfo_endpoint":                     s.URL + "/oidc/userinfo",
				"authorization_endpoint":                s.URL + t + "/oauth2/v2.0/authorize",
				"device_authorization_endpoint":         s.URL + t + "/oauth2/v2.0/devicecode",
				"http_logout_supported":                 true,
				"frontchannel_logout_supported":         true,
				"end_session_endpoint":                  s.URL + t + "/oauth2/v2.0/logout",
				"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
				"kerberos_endpoint":                     s.URL + t + "/kerberos",
				"tenant_region_scope":                   nil,
				"cloud_instance_name":                   "microsoftonline.com",
				"cloud_graph_host_name":                 "graph.windows.net",
				"msgraph_host":                          "graph.microsoft.com",
				"rbac_url":                              "https://pas.windows.net",
			}
		},
		auth: t + "/oauth2/v2.0/authorize", token: t + "/oauth2/v2.0/token", device: t + "/oauth2/v2.0/devicecode",
		verify: "/devicelogin", userinfo: "/oidc/userinfo", jwks: t + "/discovery/v2.0/keys",

		clientID: "4a1aa1d5-c567-49d0-ad0b-cd957a47f842",
		user:     User{Subject: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", Login: "ada@contoso.example", Name: "Ada Lovelace", Email: "ada@contoso.example"},
		interval: 5, expiresIn: 3599, // [device] and [code] sample answers

		// [reply] "Localhost exceptions": http is allowed for localhost
		// (and 127.0.0.1, added in the manifest); the port is ignored, the
		// host and path are not: a registered http://localhost/callback
		// refuses http://127.0.0.1:PORT/callback (AADSTS50011).
		redirects:  []string{"http://localhost/callback"},
		redirectOK: matchLoopbackAnyPort("localhost", "127.0.0.1"),
		refuseRedirect: func(s *Server, w http.ResponseWriter, r *http.Request) {
			errorPage(w, http.StatusBadRequest, "AADSTS50011: The redirect URI '"+r.Form.Get("redirect_uri")+"' specified in the request does not match the redirect URIs configured for the application '"+s.ClientID+"'.")
		},
		checkClient: func(s *Server, c client, endpoint string) *oauthError {
			if c.id != s.ClientID {
				return &oauthError{Status: 400, Code: "unauthorized_client", Desc: "AADSTS700016: Application with identifier '" + c.id + "' was not found in the directory."}
			}
			// [errors] AADSTS700025: a public client must not present a
			// secret; AADSTS7000218: a confidential one must.
			switch {
			case s.ClientSecret == "" && c.secret != "":
				return &oauthError{Status: 401, Code: "invalid_client", Desc: "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented."}
			case s.ClientSecret != "" && c.secret == "":
				return &oauthError{Status: 401, Code: "invalid_client", Desc: "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
			case s.ClientSecret != "" && c.secret != s.ClientSecret:
				return &oauthError{Status: 401, Code: "invalid_client", Desc: "AADSTS7000215: Invalid client secret provided."}
			}
			return nil
		},
		// [code] "Successful response": a refresh token only with
		// offline_access, no prompt needed. [refresh]: each refresh returns
		// a new refresh token; the old one is not revoked.
		issueRefresh: withScope("offline_access"),
		rotate:       true,
		idToken:      withScope("openid"),
		// [claims]: iss is https://login.microsoftonline.com/{tid}/v2.0 with
		// the user's own tenant, tid that tenant, ver 2.0.
		claims: func(s *Server, g *grant, c map[string]any) {
			c["iss"] = s.URL + "/" + userTenant + "/v2.0"
			c["tid"] = userTenant
			if s.Opts.ForgeTID {
				c["tid"] = OtherTenant
				if userTenant == OtherTenant {
					c["tid"] = HomeTenant
				}
			}
			c["oid"] = "00000000-0000-0000-66f3-3332eca7ea81"
			c["preferred_username"] = s.User.Login
			c["ver"] = "2.0"
			c["aio"] = "Df2UVXL1ix!lMCWMSOJBcFatzcGfvFGhjKv8q5g0x732dR5MB5BisvGQO7YWByjd8iQDLq!eGbIDakyp5mnOrcdqHeYSnltepQmRp6AIZ8jY"
		},
		// [code] "Successful response": scope lists what was granted,
		// ext_expires_in is added. With only OpenID Connect scopes the
		// access token is for Microsoft Graph, User.Read.
		tokenExtra: func(s *Server, g *grant, body map[string]any) {
			body["ext_expires_in"] = body["expires_in"]
			granted := []string{"User.Read"}
			for _, sc := range g.scopes {
				if sc != "offline_access" {
					granted = append(granted, sc)
				}
			}
			body["scope"] = strings.Join(granted, " ")
		},
		// [device] "Device authorization response": verification_uri and a
		// message, no verification_uri_complete.
		deviceAnswer: func(s *Server, d *deviceGrant, base map[string]any) map[string]any {
			link := s.URL + "/devicelogin"
			return map[string]any{"device_code": base["device_code"], "user_code": d.userCode, "verification_uri": link,
				"expires_in": 900, "interval": base["interval"],
				"message": fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", link, d.userCode)}
		},
		// "Allow public client flows" off in the registration.
		deviceRefused: refuseDeviceIfDisabled(oauthError{Status: 400, Code: "invalid_client", Desc: "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}),
		// [errors] "Error response": error, error_description (with the
		// AADSTS code), error_codes, timestamp, trace_id, correlation_id.
		writeError: func(w http.ResponseWriter, r *http.Request, e *oauthError) {
			body := errorBody(e)
			code := 0
			fmt.Sscanf(strings.TrimPrefix(e.Desc, "AADSTS"), "%d", &code)
			if code == 0 {
				code = map[string]int{"invalid_grant": 70008, "authorization_pending": 70016, "expired_token": 70020}[e.Code]
				body["error_description"] = fmt.Sprintf("AADSTS%d: %s", code, e.Desc)
			}
			body["error_description"] = fmt.Sprint(body["error_description"], "\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: ", time.Now().UTC().Format("2006-01-02 15:04:05Z"))
			body["error_codes"] = []int{code}
			body["timestamp"] = time.Now().UTC().Format("2006-01-02 15:04:05Z")
			body["trace_id"] = "0000aaaa-11bb-cccc-dd22-eeeeee333333"
			body["correlation_id"] = "aaaa0000-bb11-2222-33cc-444444dddddd"
			body["error_uri"] = "https://login.microsoftonline.com/error?code=" + fmt.Sprint(code)
			writeJSON(w, cmpOr(e.Status, http.StatusBadRequest), body)
		},
		// Microsoft Graph's OpenID Connect userinfo ([oidc] "Find your
		// app's OpenID configuration document URI", userinfo_endpoint).
		userAnswer: func(s *Server, g *grant) any {
			return map[string]any{"sub": s.User.Subject, "name": s.User.Name, "family_name": "Lovelace", "given_name": "Ada", "email": s.User.Email}
		},
	}
}
