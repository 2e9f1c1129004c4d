package providertest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// GitHub, served below a base URL as GitHub Enterprise Server is: a
// GitHub App with expiring user tokens by default, or an OAuth App
// (Options.ClientType "oauth-app"), whose tokens never expire.
//
// Sources:
//   - [oauth] https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
//     ("1. Request a user's GitHub identity", "2. Users are redirected back
//     to your site by GitHub", "Device flow", "Redirect URLs", "Loopback
//     redirect urls")
//   - [app] https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
//   - [refresh] https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
//   - [authz-errors] https://docs.github.com/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-authorization-request-errors
//   - [token-errors] https://docs.github.com/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors
//   - [user] https://docs.github.com/rest/users/users#get-the-authenticated-user
//   - [revoke] https://docs.github.com/rest/apps/oauth-applications#delete-an-app-token
//   - [ghes] https://docs.github.com/enterprise-server/rest/quickstart (the API at BASE/api/v3)
func init() { profiles[GitHub] = githubProfile }

// githubScopes are OAuth App scopes
// (https://docs.github.com/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps);
// GitHub drops the ones it does not know from what it grants.
var githubScopes = []string{"repo", "repo:status", "public_repo", "read:org", "user", "read:user", "user:email", "gist", "notifications", "workflow"}

// githubErrors maps the core's error codes to GitHub's ([token-errors],
// [oauth] "Error codes for the device flow", [refresh]).
var githubErrors = map[string]string{
	"invalid_client": "incorrect_client_credentials",
	"invalid_grant":  "bad_verification_code",
}

var githubErrorText = map[string]string{
	"incorrect_client_credentials": "The client_id and/or client_secret passed are incorrect.",
	"bad_verification_code":        "The code passed is incorrect or expired.",
	"redirect_uri_mismatch":        "The redirect_uri MUST match the registered callback URL for this application.",
	"bad_refresh_token":            "The refresh token passed is incorrect or expired.",
	"authorization_pending":        "The authorization request is still pending.",
	"incorrect_device_code":        "The device_code provided is not valid.",
	"device_flow_disabled":         "Device Flow must be explicitly enabled for this App",
}

func githubProfile(o Options) *profile {
	oauthApp := o.ClientType == "oauth-app"
	clientID := "Iv23liStandInGitHubApp"
	if oauthApp {
		clientID = "Ov23liStandInOAuthApp"
	}
	return &profile{
		issuerPath: "", // no metadata: GitHub publishes none
		auth:       "/login/oauth/authorize", token: "/login/oauth/access_token",
		device: "/login/device/code", verify: "/login/device", userinfo: "/api/v3/user",
		revoke: "DELETE /api/v3/applications/{client_id}/token",

		clientID: clientID, clientSecret: "standin-github-client-secret",
		user:     User{Subject: "583231", Login: "octocat", Name: "The Octocat", Email: "octocat@example.test"},
		interval: 5, expiresIn: 28800, // [oauth] "Device flow" step 1; [app] expires_in 28800

		// [oauth] "Redirect URLs": the host and port must match the
		// callback URL, and the path be it or a subdirectory of it;
		// "Loopback redirect urls": for a loopback callback the port need
		// not match.
		redirects: []string{"http://127.0.0.1/callback"},
		redirectOK: func(s *Server, got string) bool {
			gu, err := url.Parse(got)
			if err != nil {
				return false
			}
			for _, reg := range s.RedirectURIs {
				ru, err := url.Parse(reg)
				if err != nil || ru.Scheme != gu.Scheme || ru.Hostname() != gu.Hostname() {
					continue
				}
				loop := slices.Contains([]string{"127.0.0.1", "::1", "localhost"}, gu.Hostname())
				if ru.Port() != gu.Port() && !loop {
					continue
				}
				rp := strings.TrimSuffix(ru.Path, "/")
				if gu.Path == ru.Path || gu.Path == rp || strings.HasPrefix(gu.Path, rp+"/") {
					return true
				}
			}
			return false
		},
		// [authz-errors] "Redirect URI mismatch": GitHub redirects to the
		// registered callback URL (its own port, not the program's) with
		// error=redirect_uri_mismatch.
		refuseRedirect: func(s *Server, w http.ResponseWriter, r *http.Request) {
			v := url.Values{"error": {"redirect_uri_mismatch"}, "error_description": {githubErrorText["redirect_uri_mismatch"]},
				"error_uri": {"https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch"},
				"state":     {r.Form.Get("state")}}
			http.Redirect(w, r, s.RedirectURIs[0]+"?"+v.Encode(), http.StatusFound)
		},
		checkClient: func(s *Server, c client, endpoint string) *oauthError {
			// [oauth] "Device flow": client_id only, no secret.
			if endpoint == "device" || c.grant == "urn:ietf:params:oauth:grant-type:device_code" {
				if c.id != s.ClientID {
					return &oauthError{Code: "incorrect_client_credentials"}
				}
				return nil
			}
			// [oauth] step 2 and [refresh] document client_id and
			// client_secret only as parameters of the POST; the stand-in reads
			// them only there, so a client relying on HTTP Basic (which the
			// documentation never mentions) fails here. x/oauth2's
			// endpoints.GitHub leaves AuthStyle to auto-detection, which
			// retries in the body after such a refusal.
			if c.method != "post" || c.id != s.ClientID || c.secret != s.ClientSecret {
				return &oauthError{Code: "incorrect_client_credentials"}
			}
			return nil
		},
		// [app]: an expiring user token comes with a refresh token
		// (refresh_token_expires_in 15897600); [refresh]: a refresh returns
		// a new pair and the old refresh token stops working. OAuth App
		// tokens do not expire and have no refresh token.
		issueRefresh: func(s *Server, g *grant) bool { return !oauthApp },
		rotate:       true, revokeOld: true,
		tokenExtra: func(s *Server, g *grant, body map[string]any) {
			body["token_type"] = "bearer"
			if oauthApp {
				delete(body, "expires_in")
				var granted []string
				for _, sc := range g.scopes {
					if slices.Contains(githubScopes, sc) {
						granted = append(granted, sc)
					}
				}
				body["scope"] = strings.Join(granted, ",")
			} else {
				body["scope"] = "" // GitHub Apps have no scopes
				if _, ok := body["refresh_token"]; ok {
					body["refresh_token_expires_in"] = 15897600
				}
			}
		},
		deviceRefused: refuseDeviceIfDisabled(oauthError{Code: "device_flow_disabled"}),
		// [oauth] "Device flow" step 1: verification_uri, no complete form.
		deviceAnswer: func(s *Server, d *deviceGrant, base map[string]any) map[string]any {
			return map[string]any{"device_code": base["device_code"], "user_code": d.userCode,
				"verification_uri": s.URL + "/login/device", "expires_in": 900, "interval": base["interval"]}
		},
		// [oauth] step 2: "By default, the response takes the following
		// form: access_token=...&scope=...&token_type=bearer"; with
		// Accept: application/json, JSON; with application/xml, XML.
		writeToken: githubWrite,
		// [token-errors]: errors come with HTTP 200, in the same format.
		writeError: func(w http.ResponseWriter, r *http.Request, e *oauthError) {
			code := e.Code
			if g, ok := githubErrors[code]; ok {
				code = g
			}
			if code == "bad_verification_code" && r.PostForm.Get("grant_type") == "refresh_token" {
				code = "bad_refresh_token"
			}
			if code == "bad_verification_code" && strings.Contains(e.Desc, "redirect_uri") {
				code = "redirect_uri_mismatch"
			}
			if code == "bad_verification_code" && r.PostForm.Get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code" {
				code = "incorrect_device_code"
			}
			body := map[string]any{"error": code, "error_description": pickString(githubErrorText[code], e.Desc),
				"error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#" + strings.ReplaceAll(code, "_", "-")}
			if code == "slow_down" {
				body["interval"] = 10
			}
			githubWrite(w, r, body)
		},
		// [user], served at BASE/api/v3/user as on [ghes].
		userAnswer: func(s *Server, g *grant) any {
			return map[string]any{"login": s.User.Login, "id": 583231, "node_id": "MDQ6VXNlcjU4MzIzMQ==", "type": "User",
				"name": s.User.Name, "email": s.User.Email, "html_url": s.URL + "/" + s.User.Login}
		},
		// [revoke]: DELETE /applications/{client_id}/token with Basic
		// client_id:client_secret and {"access_token": ...}: 204.
		revokeHandler: func(s *Server, w http.ResponseWriter, r *http.Request) {
			c := clientOf(r)
			s.record("revoke", r, c)
			var body struct {
				AccessToken string `json:"access_token"`
			}
			json.NewDecoder(r.Body).Decode(&body)
			if c.method != "basic" || c.id != s.ClientID || c.secret != s.ClientSecret || r.PathValue("client_id") != s.ClientID {
				writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found", "documentation_url": "https://docs.github.com/rest/apps/oauth-applications#delete-an-app-token"})
				return
			}
			s.revokeToken(body.AccessToken)
			w.WriteHeader(http.StatusNoContent)
		},
	}
}

// githubWrite writes a token endpoint answer in the format the Accept
// header asks for: form-encoded by default.
func githubWrite(w http.ResponseWriter, r *http.Request, body map[string]any) {
	accept := r.Header.Get("Accept")
	switch {
	case strings.Contains(accept, "application/json"):
		writeJSON(w, http.StatusOK, body)
	case strings.Contains(accept, "application/xml"):
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		type kv struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		}
		var items []kv
		for _, k := range sortedKeys(body) {
			items = append(items, kv{XMLName: xml.Name{Local: k}, Value: fmt.Sprint(body[k])})
		}
		xml.NewEncoder(w).Encode(struct {
			XMLName xml.Name `xml:"OAuth"`
			Items   []kv
		}{Items: items})
	default:
		v := url.Values{}
		for k, val := range body {
			v.Set(k, fmt.Sprint(val))
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, v.Encode())
	}
}

func sortedKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
