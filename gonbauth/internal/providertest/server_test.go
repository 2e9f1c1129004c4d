package providertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/gonbauth/gonbauth/gonbauth/internal/testparallel"
	"golang.org/x/oauth2"
)

func TestMain(m *testing.M) {
	testparallel.Raise() // TestDeviceGrant waits on timers
	os.Exit(m.Run())
}

// redirectFor is a redirect URI each stand-in accepts by default, on port.
func redirectFor(s *Server, port int) string {
	reg, _ := url.Parse(s.RedirectURIs[0])
	host := reg.Hostname()
	if s.Name == Google {
		host = "127.0.0.1"
	}
	if reg.Port() != "" {
		return s.RedirectURIs[0]
	}
	return fmt.Sprintf("http://%s/callback", net.JoinHostPort(host, fmt.Sprint(port)))
}

// oauthConfig is a plain x/oauth2 client of s, sending its credentials in
// the body (GitHub reads them only there).
func oauthConfig(s *Server, redirect string) *oauth2.Config {
	return &oauth2.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{AuthURL: s.Endpoint("authorize"), TokenURL: s.Endpoint("token"), DeviceAuthURL: s.Endpoint("device"), AuthStyle: oauth2.AuthStyleInParams}}
}

func scopesFor(n Name) []string {
	switch n {
	case GitHub:
		return []string{"read:user"}
	case Google, Cognito, GitLab:
		return []string{"openid", "email"}
	case Generic:
		return []string{"openid", "offline_access"}
	}
	return []string{"openid", "email", "offline_access"}
}

// TestCodeFlow runs the authorization code flow with PKCE against every
// stand-in with x/oauth2, stopping the browser at the redirect, and
// checks the refusals every one makes.
func TestCodeFlow(t *testing.T) {
	for _, name := range append(All, Generic) {
		t.Run(string(name), func(t *testing.T) {
			s := Start(t, name, Options{Interval: 1})
			redirect := redirectFor(s, 49152)
			conf := oauthConfig(s, redirect)
			conf.Scopes = scopesFor(name)
			verifier := oauth2.GenerateVerifier()
			params := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
			if name == Google {
				params = append(params, oauth2.AccessTypeOffline)
			}
			link := conf.AuthCodeURL("st", params...)

			p, err := BrowseUnreachable(link)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p.URL, redirect+"?") {
				t.Fatalf("the browser ended on %q (HTTP %d %s), not the redirect URI %s", p.URL, p.Status, p.Body, redirect)
			}
			got, _ := url.Parse(p.URL)
			if got.Query().Get("state") != "st" || got.Query().Get("code") == "" {
				t.Fatalf("redirect %s", p.URL)
			}
			if (got.Query().Get("iss") != "") != (name == Keycloak) {
				t.Fatalf("iss in the redirect: %q", got.Query().Get("iss"))
			}

			// A wrong verifier is refused; the right one works once.
			ctx := context.Background()
			if _, err := conf.Exchange(ctx, got.Query().Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
				t.Fatal("a wrong code_verifier was accepted")
			}
			link = conf.AuthCodeURL("st", params...)
			p, _ = BrowseUnreachable(link)
			got, _ = url.Parse(p.URL)
			tok, err := conf.Exchange(ctx, got.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if _, err := conf.Exchange(ctx, got.Query().Get("code"), oauth2.VerifierOption(verifier)); err == nil {
				t.Fatal("a code was redeemed twice")
			}
			if !s.TokenValid(tok.AccessToken) {
				t.Fatal("the access token is not known to the stand-in")
			}
			if name != GitHub && name != Generic {
				if _, ok := tok.Extra("id_token").(string); !ok {
					t.Fatal("no ID token")
				}
			}
			if tok.RefreshToken != "" {
				tok.Expiry = tok.Expiry.Add(-100 * 24 * 3600e9)
				nt, err := conf.TokenSource(ctx, tok).Token()
				if err != nil {
					t.Fatalf("refresh: %v", err)
				}
				if nt.AccessToken == tok.AccessToken {
					t.Fatal("refresh returned the same access token")
				}
				if s.p.revokeOld {
					if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
						t.Fatal("a rotated refresh token still works")
					}
				}
			}
		})
	}
}

// TestAuthorizeRefusals: no PKCE, plain PKCE, and a redirect host or port
// the provider does not accept are refused: never a code.
func TestAuthorizeRefusals(t *testing.T) {
	for _, name := range append(All, Generic) {
		t.Run(string(name), func(t *testing.T) {
			s := Start(t, name, Options{})
			good := redirectFor(s, 49152)
			conf := oauthConfig(s, good)
			conf.Scopes = scopesFor(name)
			v := oauth2.GenerateVerifier()
			noCode := func(what, link string) {
				t.Helper()
				p, err := BrowseUnreachable(link)
				if err != nil {
					return // nowhere to go: refused
				}
				if u, _ := url.Parse(p.URL); u.Query().Get("code") != "" {
					t.Fatalf("%s: a code was issued: %s", what, p.URL)
				}
			}
			noCode("no PKCE", conf.AuthCodeURL("st"))
			noCode("plain PKCE", conf.AuthCodeURL("st", oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)), oauth2.SetAuthURLParam("code_challenge_method", "plain")))
			gu, _ := url.Parse(good)
			for _, bad := range wrongRedirects(name, gu) {
				c := oauthConfig(s, bad)
				c.Scopes = conf.Scopes
				noCode("redirect "+bad, c.AuthCodeURL("st", oauth2.S256ChallengeOption(v)))
			}
		})
	}
}

// wrongRedirects are redirect URIs the provider refuses.
func wrongRedirects(name Name, good *url.URL) []string {
	other := "localhost"
	if good.Hostname() == "localhost" {
		other = "127.0.0.1"
	}
	out := []string{
		"http://evil.example:" + good.Port() + good.Path,
		"http://" + net.JoinHostPort(good.Hostname(), good.Port()) + "/elsewhere",
	}
	switch name {
	case Google: // any loopback host and path are fine for a Desktop client
		return out[:1]
	case Okta, Auth0, Cognito: // exact: another port is refused
		out = append(out, "http://"+net.JoinHostPort(good.Hostname(), "49999")+good.Path)
	}
	if name != GitHub { // GitHub treats localhost as loopback too
		out = append(out, "http://"+net.JoinHostPort(other, good.Port())+good.Path)
	}
	return out
}

// TestDeviceGrant approves a device sign-in on each provider with one,
// through the link and code as displayed. x/oauth2 polls once a second
// at best: the providers run in parallel.
func TestDeviceGrant(t *testing.T) {
	for _, name := range []Name{Google, Microsoft, GitHub, GitLab, Okta, Auth0, Keycloak} {
		t.Run(string(name), func(t *testing.T) {
			t.Parallel()
			opts := Options{Interval: 1}
			if name == Google {
				opts.ClientType = "tv"
			}
			s := Start(t, name, opts)
			conf := oauthConfig(s, "")
			conf.Scopes = scopesFor(name)
			ctx := context.Background()
			da, err := conf.DeviceAuth(ctx)
			if err != nil {
				t.Fatal(err)
			}
			link := da.VerificationURIComplete
			if link == "" {
				link = da.VerificationURI
			}
			if name == Google {
				// x/oauth2 reads Google's verification_url into VerificationURI.
				if da.VerificationURIComplete != "" {
					t.Fatal("Google sends no verification_uri_complete")
				}
			}
			if link == "" {
				t.Fatal("no verification address")
			}
			if _, err := ApproveDevice(link, da.UserCode); err != nil {
				t.Fatal(err)
			}
			tok, err := conf.DeviceAccessToken(ctx, da)
			if err != nil {
				t.Fatal(err)
			}
			if !s.TokenValid(tok.AccessToken) {
				t.Fatal("unknown access token")
			}
		})
	}
}

func TestDeviceRefused(t *testing.T) {
	for _, tt := range []struct {
		name Name
		opts Options
		code string
	}{
		{Google, Options{}, "invalid_client"}, // a Desktop client
		{Okta, Options{DeviceDisabled: true}, "unauthorized_client"},
		{Keycloak, Options{DeviceDisabled: true}, "unauthorized_client"},
		{Auth0, Options{DeviceDisabled: true}, "unauthorized_client"},
	} {
		s := Start(t, tt.name, tt.opts)
		_, err := oauthConfig(s, "").DeviceAuth(context.Background())
		if err == nil || !strings.Contains(err.Error(), tt.code) {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
}

// TestGitHubAnswers: form-encoded by default, JSON on request, errors
// with HTTP 200.
func TestGitHubAnswers(t *testing.T) {
	s := Start(t, GitHub, Options{})
	post := func(accept string, form url.Values) (*http.Response, string) {
		req, _ := http.NewRequest("POST", s.Endpoint("token"), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp, b.String()
	}
	form := url.Values{"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}, "code": {"nope"}, "grant_type": {"authorization_code"}}
	resp, body := post("", form)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Fatalf("HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if v, _ := url.ParseQuery(body); v.Get("error") != "bad_verification_code" {
		t.Fatalf("form answer %q", body)
	}
	resp, body = post("application/json", url.Values{"client_id": {s.ClientID}, "client_secret": {"wrong"}, "code": {"x"}})
	var e struct{ Error string }
	if json.Unmarshal([]byte(body), &e); resp.StatusCode != 200 || e.Error != "incorrect_client_credentials" {
		t.Fatalf("JSON answer HTTP %d %q", resp.StatusCode, body)
	}
}

// TestMicrosoftIssuerTemplate: the multi-tenant metadata names the
// {tenantid} template; a tenant's names itself.
func TestMicrosoftIssuerTemplate(t *testing.T) {
	for tenant, want := range map[string]string{"common": "/{tenantid}/v2.0", "organizations": "/{tenantid}/v2.0", HomeTenant: "/" + HomeTenant + "/v2.0"} {
		s := Start(t, Microsoft, Options{Tenant: tenant})
		resp, err := http.Get(s.Issuer + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		var md struct{ Issuer string }
		json.NewDecoder(resp.Body).Decode(&md)
		resp.Body.Close()
		if md.Issuer != s.URL+want {
			t.Errorf("%s: issuer %q", tenant, md.Issuer)
		}
	}
}

// TestClientAuthentication: each provider's rule for the client's
// credentials at the token endpoint, checked before the code.
func TestClientAuthentication(t *testing.T) {
	for _, tt := range []struct {
		name          Name
		basic         bool
		secret        string // "" none, "right", or a wrong one
		status        int
		code, inError string
	}{
		{Google, false, "", 400, "invalid_request", "client_secret is missing."},
		{Google, true, "right", 400, "invalid_grant", ""}, // both methods of the metadata work
		{GitHub, true, "right", 200, "incorrect_client_credentials", ""},
		{GitHub, false, "right", 200, "bad_verification_code", ""},
		{Microsoft, false, "a-secret", 401, "invalid_client", "AADSTS700025"},
		{Microsoft, false, "", 400, "invalid_grant", "AADSTS70008"},
		{Auth0, false, "", 403, "invalid_grant", "Invalid authorization code"},
		{Cognito, false, "", 400, "invalid_grant", ""},
	} {
		s := Start(t, tt.name, Options{})
		form := url.Values{"grant_type": {"authorization_code"}, "code": {"not-a-code"}, "redirect_uri": {"http://127.0.0.1:1/callback"}, "code_verifier": {strings.Repeat("v", 43)}}
		secret := tt.secret
		if secret == "right" {
			secret = s.ClientSecret
		}
		req, _ := http.NewRequest("POST", s.Endpoint("token"), nil)
		if tt.basic {
			req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(secret))
		} else {
			form.Set("client_id", s.ClientID)
			if secret != "" {
				form.Set("client_secret", secret)
			}
		}
		req.Body = io.NopCloser(strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		desc, _ := body["error_description"].(string)
		if resp.StatusCode != tt.status || body["error"] != tt.code || !strings.Contains(desc, tt.inError) {
			t.Errorf("%s (basic %v, secret %q): HTTP %d %v, want %d %s %q", tt.name, tt.basic, tt.secret, resp.StatusCode, body, tt.status, tt.code, tt.inError)
		}
	}
}
