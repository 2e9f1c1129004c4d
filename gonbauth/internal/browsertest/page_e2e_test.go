//go:build e2e

package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/wasm/example"
)

// startExample starts the browser example of wasm/example with the
// WebAssembly module wasmDist built.
func startExample(t *testing.T) *example.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := example.Start(ctx, example.Options{DistDir: wasmDist(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestPageSignIn signs in from the example page in both of its modes, as
// `signin -page` does for notebooks/browser-pkce.ipynb: in a pop-up the
// page opens (the callback page hands the response back), or in the same
// tab (the callback page redeems the code with the verifier kept in
// sessionStorage). It checks what the page's server heard, that the tokens
// the page received were seen and are not shown, and that the callback
// page takes the code out of its address.
func TestPageSignIn(t *testing.T) {
	srv := startExample(t)
	b := LaunchT(t, Options{})
	for _, tc := range []struct{ mode, query, login string }{
		{"popup", "", "alice"},
		{"redirect", "?mode=redirect", "bob"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := b.PageSignIn(ctx, srv.URL+tc.query, SignInOptions{Login: tc.login})
			if err != nil {
				t.Fatal(err)
			}
			if res.Mode != tc.mode || res.Status != "Signed in as "+tc.login+"." || !strings.Contains(res.Text, "Access token: Bearer") {
				t.Errorf("PageSignIn = mode %q, status %q, text %q", res.Mode, res.Status, res.Text)
			}
			if len(res.Tokens["access_token"]) != 1 || len(res.Tokens["id_token"]) != 1 {
				t.Errorf("tokens seen: %d access, %d ID; want one each", len(res.Tokens["access_token"]), len(res.Tokens["id_token"]))
			}
			for _, v := range res.Tokens["access_token"] {
				if strings.Contains(res.Text, v) {
					t.Error("the page shows its access token")
				}
			}
			if strings.Contains(res.Text, "eyJ") {
				t.Errorf("the page shows a JWT: %q", res.Text)
			}
			if wantURL := map[string]string{"popup": srv.URL, "redirect": srv.RedirectURI}[tc.mode]; res.URL != wantURL {
				t.Errorf("the page ends at %s, want %s", res.URL, wantURL)
			}
			// The page's status says "Signed in" only once its server has
			// the report: no waiting here.
			wctx, wcancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer wcancel()
			r, err := srv.Wait(wctx)
			if err != nil || r.Subject != tc.login || r.Mode != tc.mode || r.TokenType != "Bearer" || r.ExpiresIn <= 0 || !strings.Contains(r.Scope, "openid") {
				t.Errorf("the example server got %+v, %v; want %s signed in with a Bearer token (%s)", r, err, tc.login, tc.mode)
			}
		})
	}
}

func TestPageSignInBadPage(t *testing.T) {
	b := LaunchT(t, Options{})
	srv := startExample(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	// The callback page without a sign-in started has no button and fails.
	_, err := b.PageSignIn(ctx, srv.RedirectURI, SignInOptions{})
	if err == nil || !strings.Contains(err.Error(), "could not start") && !strings.Contains(err.Error(), "#sign-in") {
		t.Errorf("PageSignIn on the callback page: %v", err)
	}
}

// TestPageCORS: the example's authorization server answers the page's
// cross-origin requests for the web client from the page's origin only.
func TestPageCORS(t *testing.T) {
	srv := startExample(t)
	b := LaunchT(t, Options{MapToLoopback: []string{"other-origin.test"}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// A token request (with a made-up code) from the page's origin gets an
	// answer the page can read; from another origin, the browser blocks it.
	const js = `async (tokenURL, redirectURI) => {
		try {
			const r = await fetch(tokenURL, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: redirectURI, client_id: 'gonbauth-dev-web', code_verifier: 'a'.repeat(43) }) });
			return 'read: ' + (await r.json()).error;
		} catch (e) {
			return 'blocked: ' + e.message;
		}
	}`
	for _, tt := range []struct{ origin, want string }{
		{srv.URL, "read: invalid_grant"},
		{strings.Replace(srv.URL, "127.0.0.1", "other-origin.test", 1), "blocked: Failed to fetch"},
	} {
		var got string
		if err := b.Eval(ctx, tt.origin, &got, js, srv.Issuer+"/token", srv.RedirectURI); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("token request from %s: %q, want %q", tt.origin, got, tt.want)
		}
	}
}
