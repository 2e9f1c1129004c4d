// Package loopbacktest looks at the loopback redirect listener from
// outside, for the library's tests and the command's: where a sign-in link
// sends the browser back to, and whether a listener is still there.
package loopbacktest

import (
	"net"
	"net/url"
	"testing"
	"time"
)

// RedirectAddr is the host:port of the redirect_uri in a sign-in link.
func RedirectAddr(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("the sign-in link %q: %v", link, err)
	}
	ru, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil || ru.Host == "" {
		t.Fatalf("no redirect_uri in %q", link)
	}
	return ru.Host
}

// WantClosed fails the test if something still accepts connections at
// addr: the redirect listener closes as soon as the flow ends.
func WantClosed(t testing.TB, addr string) {
	t.Helper()
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("the redirect listener at %s still accepts connections", addr)
	}
}
