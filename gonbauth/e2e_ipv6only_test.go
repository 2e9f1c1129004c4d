//go:build e2e

package gonbauth

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gonbauth/gonbauth/gonbauth/internal/loopbacktest"
)

// ipv6OnlyEnv marks the run of TestE2ELoopbackIPv6Only inside its network
// namespace.
const ipv6OnlyEnv = "GONBAUTH_TEST_IPV6_ONLY"

// TestE2ELoopbackIPv6Only signs in where the loopback interface has no
// IPv4 address, as on some IPv6-only hosts and containers: the listener
// falls back to [::1], and the redirect URI names the address bound. The
// test runs itself again in a new network namespace whose loopback keeps
// only ::1 (unshare -n and ip, as root); the server is the fake one, which
// httptest binds on [::1] there, and the browser is Go's HTTP client.
func TestE2ELoopbackIPv6Only(t *testing.T) {
	if os.Getenv(ipv6OnlyEnv) == "1" {
		signInIPv6Only(t)
		return
	}
	out := runInIPv6OnlyNamespace(t, "^"+t.Name()+"$")
	if !strings.Contains(out, "--- PASS: "+t.Name()) {
		t.Fatalf("the sign-in in the IPv6-only namespace did not pass:\n%s", out)
	}
}

func signInIPv6Only(t *testing.T) {
	if ln, err := net.Listen("tcp4", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Fatal("127.0.0.1 can still be bound: the namespace was not set up")
	}
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	cfg.Mode = ModeLoopback
	sess, link, _ := signInThrough(t, cfg, browse)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	ru, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil || ru.Host != net.JoinHostPort("::1", ru.Port()) {
		t.Fatalf("redirect_uri %q, want http://[::1]:PORT/...", u.Query().Get("redirect_uri"))
	}
	if sess.Subject != "alice" {
		t.Fatalf("signed in as %q", sess.Subject)
	}
	loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
}

// runInIPv6OnlyNamespace runs this test binary's tests matching run in a
// new network namespace whose loopback is up with ::1 alone, and returns
// their output. Outside CI, a machine where that cannot be done (not
// root) skips the calling test; in CI it fails.
func runInIPv6OnlyNamespace(t *testing.T, run string) string {
	t.Helper()
	env := append(os.Environ(), "PATH="+os.Getenv("PATH")+":/usr/sbin:/sbin") // ip, for users whose PATH lacks them
	probe := exec.Command("unshare", "-n", "ip", "link", "show", "lo")
	probe.Env = env
	if out, err := probe.CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot make a network namespace in CI (run the tests as root, with util-linux and iproute2): %v: %s", err, out)
		}
		t.Skipf("cannot make a network namespace (not root, or no unshare or ip): %v: %s", err, out)
	}
	script := `ip link set lo up && ip addr del 127.0.0.1/8 dev lo && exec "$@"`
	cmd := exec.Command("unshare", "-n", "sh", "-c", script, "sh", os.Args[0], "-test.run", run, "-test.v", "-test.count=1")
	cmd.Env = append(env, ipv6OnlyEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("in the IPv6-only namespace: %v\n%s", err, out)
	}
	return string(out)
}
