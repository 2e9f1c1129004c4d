//go:build e2e

package gonbauth

import (
	"context"
	"net"
	"net/url"
	"testing"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
	"github.com/gonbauth/gonbauth/gonbauth/internal/loopbacktest"
)

// TestE2ELocalhostRedirect: with RedirectHost "localhost" (what Microsoft
// Entra ID and Cognito register), the bundled oidc-provider redirects a
// real Chromium to http://localhost:PORT/callback, and Chromium reaches
// the listener, which binds only loopback addresses.
func TestE2ELocalhostRedirect(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})
	cfg := e2eConfig(t, srv)
	cfg.Mode, cfg.RedirectHost = ModeLoopback, "localhost" // this machine would pick device or paste
	_, link, done := startLogin(t, context.Background(), cfg)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	ru, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil || ru.Hostname() != "localhost" {
		t.Fatalf("redirect_uri %q", u.Query().Get("redirect_uri"))
	}
	signInAs(t, b, link, done, "alice")
	// Closed on both loopback addresses localhost may resolve to.
	loopbacktest.WantClosed(t, net.JoinHostPort("127.0.0.1", ru.Port()))
	loopbacktest.WantClosed(t, net.JoinHostPort("::1", ru.Port()))
}
