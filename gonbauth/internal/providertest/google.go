package providertest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Google: an OAuth client of type "Desktop app" by default.
//
// Sources:
//   - [disco] https://accounts.google.com/.well-known/openid-configuration, as
//     described in https://developers.google.com/identity/openid-connect/openid-connect#discovery
//   - [native] https://developers.google.com/identity/protocols/oauth2/native-app
//   - [web] https://developers.google.com/identity/protocols/oauth2/web-server
//   - [device] https://developers.google.com/identity/protocols/oauth2/limited-input-device
func init() { profiles[Google] = googleProfile }

// googleScopes are what the stand-in knows; anything else, offline_access
// included, is refused as Google refuses unknown scopes
// ([web] "Step 1: Set authorization parameters", scope; Google answers
// "Error 400: invalid_scope" on its own page, without redirecting).
var googleScopes = []string{"openid", "email", "profile",
	"https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/userinfo.profile",
	"https://www.googleapis.com/auth/drive.file", "https://www.googleapis.com/auth/bigquery"}

// googleDeviceScopes are the few the device grant allows ([device]
// "Allowed scopes").
var googleDeviceScopes = []string{"openid", "email", "profile",
	"https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/userinfo.profile",
	"https://www.googleapis.com/auth/drive.file"}

func googleProfile(o Options) *profile {
	return &profile{
		issuerPath: "",
		// [disco]: the field set of Google's document, paths on one server.
		metadata: func(s *Server) map[string]any {
			return map[string]any{
				"issuer":                                s.Issuer,
				"authorization_endpoint":                s.URL + "/o/oauth2/v2/auth",
				"device_authorization_endpoint":         s.URL + "/device/code",
				"token_endpoint":                        s.URL + "/token",
				"userinfo_endpoint":                     s.URL + "/v1/userinfo",
				"revocation_endpoint":                   s.URL + "/revoke",
				"jwks_uri":                              s.URL + "/oauth2/v3/certs",
				"response_types_supported":              []string{"code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none"},
				"subject_types_supported":               []string{"public"},
				"id_token_signing_alg_values_supported": []string{"RS256"},
				"scopes_supported":                      []string{"openid", "email", "profile"},
				"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
				"claims_supported":                      []string{"aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub"},
				"code_challenge_methods_supported":      []string{"plain", "S256"},
				"grant_types_supported":                 []string{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
			}
		},
		auth: "/o/oauth2/v2/auth", token: "/token", device: "/device/code", verify: "/device",
		userinfo: "/v1/userinfo", revoke: "/revoke", jwks: "/oauth2/v3/certs",

		clientID:     "123456789012-desktop.apps.googleusercontent.com",
		clientSecret: "GOCSPX-standin-desktop-secret",
		user:         User{Subject: "108234567890123456789", Login: "ada", Name: "Ada Lovelace", Email: "ada@example.test"},
		interval:     5,    // [device] "Step 2": interval, 5 in the example
		expiresIn:    3599, // [native] "Step 5": expires_in 3599 in the example

		// [native] "Loopback IP address (macOS, Linux, Windows desktop)":
		// a Desktop client registers no redirect URI; http://127.0.0.1:port,
		// http://[::1]:port (and localhost) are accepted on any port, with any path.
		redirects: []string{"http://localhost"}, // as the downloaded client JSON lists
		redirectOK: func(s *Server, got string) bool {
			u, err := url.Parse(got)
			return err == nil && u.Scheme == "http" && slices.Contains([]string{"127.0.0.1", "::1", "localhost"}, u.Hostname()) && u.Port() != ""
		},
		scopeErrorPage: true,
		checkScope: func(s *Server, scopes []string, device bool) *oauthError {
			allowed := googleScopes
			if device {
				allowed = googleDeviceScopes
			}
			for _, sc := range scopes {
				if !slices.Contains(allowed, sc) {
					if device {
						// [device] "Step 1": invalid_scope for scopes the flow does not allow.
						return &oauthError{Status: 400, Code: "invalid_scope", Desc: "Invalid device flow scope: " + sc}
					}
					return &oauthError{Code: "invalid_scope", Desc: "Some requested scopes were invalid. {invalid=[" + sc + "]}"}
				}
			}
			return nil
		},
		checkClient: func(s *Server, c client, endpoint string) *oauthError {
			if endpoint == "revoke" {
				return nil // [native] "Revoking a token": only the token is sent
			}
			if c.id != s.ClientID {
				return &oauthError{Status: 401, Code: "invalid_client", Desc: "The OAuth client was not found."}
			}
			if endpoint == "device" {
				return nil
			}
			// [native] "Step 5: Exchange authorization code for refresh and
			// access tokens": client_secret is a required parameter, even
			// for a Desktop client; both methods of the metadata work.
			if c.secret == "" {
				return &oauthError{Status: 400, Code: "invalid_request", Desc: "client_secret is missing."}
			}
			if c.secret != s.ClientSecret {
				return &oauthError{Status: 401, Code: "invalid_client", Desc: "Unauthorized"}
			}
			return nil
		},
		// [device] "Step 1: Request device and user codes": a client that
		// is not of type "TVs and Limited Input devices" is refused with
		// invalid_client ("Invalid client type").
		deviceRefused: func(s *Server) *oauthError {
			if s.Opts.ClientType != "tv" || s.Opts.DeviceDisabled {
				return &oauthError{Status: 401, Code: "invalid_client", Desc: "Invalid client type."}
			}
			return nil
		},
		// [web] "Refresh the access token (offline access)": a refresh token
		// only with access_type=offline. Google does not rotate it: a
		// refresh answer carries none ([native] "Refreshing an access token").
		issueRefresh: func(s *Server, g *grant) bool {
			return g.params.Get("access_type") == "offline" || isDeviceGrant(g)
		},
		idToken: withScope("openid"),
		claims: func(s *Server, g *grant, c map[string]any) {
			c["azp"] = s.ClientID
			c["email_verified"] = true
			c["given_name"], c["family_name"] = "Ada", "Lovelace"
		},
		// [device] "Step 2: Handle the authorization server response":
		// Google names the field verification_url, not RFC 8628's
		// verification_uri, and sends no verification_uri_complete.
		deviceAnswer: func(s *Server, d *deviceGrant, base map[string]any) map[string]any {
			return map[string]any{"device_code": base["device_code"], "user_code": d.userCode, "expires_in": 1800,
				"interval": base["interval"], "verification_url": s.URL + "/device"}
		},
		// [device] "Step 6: Poll Google's authorization server": while the
		// user has not answered, HTTP 428 authorization_pending.
		writeError: func(w http.ResponseWriter, r *http.Request, e *oauthError) {
			status := cmpOr(e.Status, http.StatusBadRequest)
			if e.Code == "authorization_pending" {
				status = http.StatusPreconditionRequired
			}
			writeJSON(w, status, errorBody(e))
		},
		userAnswer: func(s *Server, g *grant) any {
			return map[string]any{"sub": s.User.Subject, "name": s.User.Name, "given_name": "Ada", "family_name": "Lovelace",
				"email": s.User.Email, "email_verified": true, "picture": s.URL + "/photo.jpg"}
		},
		// [native] "Revoking a token": POST token=...; 200 on success, 400
		// invalid_token for an unknown one.
		revokeHandler: func(s *Server, w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			s.record("revoke", r, clientOf(r))
			tok := r.Form.Get("token")
			s.mu.Lock()
			_, isRefresh := s.refresh[tok]
			_, isAccess := s.access[tok]
			s.mu.Unlock()
			if !isRefresh && !isAccess {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_token", "error_description": "Token expired or revoked"})
				return
			}
			s.revokeToken(tok)
			writeJSON(w, http.StatusOK, map[string]any{})
		},
	}
}

// isDeviceGrant says whether g came from the device grant (its params
// are the device authorization request's, which has no redirect_uri).
func isDeviceGrant(g *grant) bool {
	return g.redirectURI == "" && !strings.HasPrefix(g.params.Get("response_type"), "code")
}

// ClientFile writes the client JSON the Google Cloud console downloads for
// a "Desktop app" client of s into a temporary folder, and returns its path
// (https://developers.google.com/identity/protocols/oauth2/native-app#creatingcred).
func (s *Server) ClientFile(t testing.TB) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "client_secret_"+s.ClientID+".json")
	data, _ := json.Marshal(map[string]any{"installed": map[string]any{
		"client_id": s.ClientID, "project_id": "notebook-demo-4711",
		"auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"client_secret":               s.ClientSecret, "redirect_uris": []string{"http://localhost"},
	}})
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
