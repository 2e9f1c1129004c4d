//go:build e2e

package browsertest

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/wasm/example"
)

// startExample builds the WebAssembly module as `make wasm` does (into a
// temporary directory) and starts the browser example of wasm/example.
func startExample(t *testing.T) *example.Server {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..", "..")
	dist := t.TempDir()
	if out, err := exec.Command("bash", filepath.Join(repo, "wasm", "build.sh"), dist).CombinedOutput(); err != nil {
		t.Fatalf("wasm/build.sh: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := example.Start(ctx, example.Options{DistDir: dist})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestPageSignIn signs in from the example page in both of its modes, as
// `signin -page` does for notebooks/browser-pkce.ipynb, and checks that the
// page's server heard of it and that the tokens the page received were seen.
func TestPageSignIn(t *testing.T) {
	srv := startExample(t)
	b := launchT(t)
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
			// The page's status says "Signed in" only once its server has
			// the report: no waiting here.
			wctx, wcancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer wcancel()
			r, err := srv.Wait(wctx)
			if err != nil || r.Subject != tc.login || r.Mode != tc.mode {
				t.Errorf("the example server got %+v, %v; want %s (%s)", r, err, tc.login, tc.mode)
			}
		})
	}
}

func TestPageSignInBadPage(t *testing.T) {
	b := launchT(t)
	srv := startExample(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	// The callback page without a sign-in started has no button and fails.
	_, err := b.PageSignIn(ctx, srv.RedirectURI, SignInOptions{})
	if err == nil || !strings.Contains(err.Error(), "could not start") && !strings.Contains(err.Error(), "#sign-in") {
		t.Errorf("PageSignIn on the callback page: %v", err)
	}
}
