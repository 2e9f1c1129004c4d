//go:build e2e

package gonbauth

// End-to-end tests of the modes for kernels the browser cannot reach,
// against the real bundled server and Chromium.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/janpfeifer/gonb/gonbui/protocol"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
	"github.com/gonbauth/gonbauth/gonbauth/internal/loopbacktest"
)

// withQuery returns u with one query parameter replaced.
func withQuery(t *testing.T, u, key, value string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set(key, value)
	pu.RawQuery = q.Encode()
	return pu.String()
}

func TestE2EPasteMode(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})
	cfg := e2eConfig(t, srv)
	cfg.Mode = ModePaste
	paste := pasteInput(t, cfg)
	out, link, done := startLogin(t, context.Background(), cfg)
	// The instructions follow the link; waitFor fails with the output.
	waitFor(t, out, "paste it here, then press Enter", 1)
	waitFor(t, out, "paste the whole address", 1)
	if strings.Contains(out.String(), "mode") {
		t.Fatalf("a mode chosen in the settings is mentioned:\n%s", out)
	}

	// The browser signs in but cannot reach the kernel's listener.
	res := signIn(t, b, link, browsertest.SignInOptions{Unreachable: true})
	final := res.FinalURL
	if !strings.HasPrefix(final, "http://"+loopbacktest.RedirectAddr(t, link)+"/callback?") {
		t.Fatalf("final address %q", final)
	}

	otherPort := strings.Replace(final, loopbacktest.RedirectAddr(t, link), "127.0.0.1:1", 1)
	tampered := []struct{ paste, says string }{
		{"not an address at all", "not a web address"},
		{withQuery(t, final, "state", "from-another-tab"), "state does not match"},
		{withQuery(t, final, "iss", "https://evil.example"), "mix-up"},
		{withQuery(t, withQuery(t, final, "error", "access_denied"), "state", "forged"), "state does not match"},
		{otherPort, "not where this sign-in sends the browser"},
	}
	for i, tt := range tampered {
		fmt.Fprintln(paste, tt.paste)
		waitFor(t, out, "the pasted address was refused", i+1)
		if !strings.Contains(out.String(), tt.says) {
			t.Fatalf("paste %d: the refusal does not say %q:\n%s", i, tt.says, out)
		}
	}
	fmt.Fprintln(paste, final)
	r := wait(t, done)
	if r.err != nil {
		t.Fatalf("the real paste: %v", r.err)
	}
	fu, _ := url.Parse(final)
	if code := fu.Query().Get("code"); code == "" || strings.Contains(out.String(), code) {
		t.Fatal("the pasted address has no code, or the output repeats it")
	}
	loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
}

// waitFor waits until s has appeared n times in w.
func waitFor(t *testing.T, w *urlWriter, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(w.String(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%q did not appear %d times:\n%s", s, n, w)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestE2EPasteModeDeniedAndNoInput(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})

	t.Run("a genuine error response ends the flow", func(t *testing.T) {
		cfg := e2eConfig(t, srv)
		cfg.Mode = ModePaste
		paste := pasteInput(t, cfg)
		_, link, done := startLogin(t, context.Background(), cfg)
		res := signIn(t, b, link, browsertest.SignInOptions{Unreachable: true, Deny: true})
		fmt.Fprintln(paste, res.FinalURL)
		r := wait(t, done)
		var ae *AuthError
		if !errors.As(r.err, &ae) || ae.Code != "access_denied" {
			t.Fatalf("err = %v", r.err)
		}
	})

	t.Run("no input: the redirect still wins, nothing hangs", func(t *testing.T) {
		cfg := e2eConfig(t, srv)
		cfg.Mode = ModePaste
		cfg.Input = strings.NewReader("") // stdin at end of file, as under a headless runner
		_, link, done := startLogin(t, context.Background(), cfg)
		signIn(t, b, link, browsertest.SignInOptions{})
		if r := wait(t, done); r.err != nil {
			t.Fatal(r.err)
		}
	})

	t.Run("no input and no redirect: the timeout ends it", func(t *testing.T) {
		cfg := e2eConfig(t, srv)
		cfg.Mode, cfg.Timeout = ModePaste, time.Second
		cfg.Input = strings.NewReader("")
		_, _, done := startLogin(t, context.Background(), cfg)
		if r := wait(t, done); !errors.Is(r.err, ErrTimeout) {
			t.Fatalf("err = %v", r.err)
		}
	})
}

// TestE2EDeviceMode signs in with the device grant, and is refused when
// the user denies it, against one server and browser.
func TestE2EDeviceMode(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})
	start := func(t *testing.T) (*urlWriter, string, <-chan loginResult) {
		t.Helper()
		cfg := e2eConfig(t, srv)
		cfg.Mode = ModeDevice
		return startLogin(t, context.Background(), cfg)
	}

	t.Run("signed in", func(t *testing.T) {
		out, link, done := start(t)
		if !strings.HasPrefix(link, srv.Issuer+"/device") || !strings.Contains(link, "user_code=") {
			t.Fatalf("verification link %q", link)
		}
		code := regexp.MustCompile(`confirm the code (\S+)\.`).FindStringSubmatch(out.String())
		if code == nil {
			t.Fatalf("no user code shown:\n%s", out)
		}
		if u, _ := url.Parse(link); u.Query().Get("user_code") != code[1] {
			t.Fatalf("the code shown, %q, is not the link's", code[1])
		}
		res, err := b.DeviceSignIn(context.Background(), link, browsertest.SignInOptions{Login: "dora"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Text, "Sign-in Success") {
			t.Fatalf("last page: %q", res.Text)
		}
		r := wait(t, done)
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.sess.Subject != "dora" || r.sess.IDToken() == "" {
			t.Fatalf("sub %q, ID token %v", r.sess.Subject, r.sess.IDToken() != "")
		}
		if sub := userinfoSub(t, srv, r.sess.Client()); sub != "dora" {
			t.Fatalf("userinfo sub %q", sub)
		}
	})

	t.Run("refused", func(t *testing.T) {
		_, link, done := start(t)
		if _, err := b.DeviceSignIn(context.Background(), link, browsertest.SignInOptions{Deny: true}); err != nil {
			t.Fatal(err)
		}
		r := wait(t, done)
		var ae *AuthError
		if !errors.As(r.err, &ae) || ae.Code != "access_denied" {
			t.Fatalf("err = %v", r.err)
		}
	})
}

// TestE2EDeviceModeNotebook runs a device sign-in in a cell under the fake
// kernel: the QR code it displays must decode to the verification link.
func TestE2EDeviceModeNotebook(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})
	k := newFakeKernel(t)
	cmd, cellOut, first := runCell(t, k, viaOwnPipes, EnvIssuer+"="+srv.Issuer, EnvClientID+"="+srv.ClientID, EnvMode+"=device", EnvConfigDir+"="+t.TempDir())
	page := first.Data[protocol.MIMETextHTML].(string)
	m := regexp.MustCompile(`src="data:image/svg\+xml;base64,([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no QR code image in %s", page)
	}
	decoded := decodeQRDataURI(t, html.UnescapeString(m[1])) // as a browser reads the attribute
	plain := first.Data[protocol.MIMETextPlain].(string)
	if !strings.Contains(plain, "\n"+decoded+"\n") || !strings.Contains(plain, "confirm the code") {
		t.Fatalf("the QR code says %q; the text/plain says:\n%s", decoded, plain)
	}
	if _, err := b.DeviceSignIn(context.Background(), decoded, browsertest.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	finishCell(t, cmd, cellOut, k)
	msgs := k.messages()
	final := msgs[len(msgs)-2].Data[protocol.MIMETextPlain].(string)
	if !strings.Contains(final, "Signed in to") {
		t.Fatalf("final status %q", final)
	}
}

// startNginx runs Debian's nginx on 127.0.0.1 as a jupyter-server-proxy
// style reverse proxy: /proxy/PORT/PATH goes to 127.0.0.1:PORT/PATH.
func startNginx(t *testing.T) int {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/nginx"); err != nil {
			t.Fatal("nginx not found: run `apt-get install nginx-light` (or make deps)")
		}
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := fmt.Sprintf(`worker_processes 1;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy; fastcgi_temp_path %[1]s/fcgi;
  uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  server {
    listen 127.0.0.1:%[2]d;
    location ~ ^/proxy/(\d+)/(.*)$ {
      proxy_pass http://127.0.0.1:$1/$2$is_args$args;
    }
  }
}
`, dir, port)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", confPath, "-p", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close()
			return port
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not start: %s", &stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestE2EHostedModeThroughNginx(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	b := browsertest.LaunchT(t, browsertest.Options{})
	proxy := startNginx(t)
	cfg := e2eConfig(t, srv)
	cfg.ClientID = devserver.HostedClientID
	cfg.RedirectURL = fmt.Sprintf("http://127.0.0.1:%d/proxy/{port}/callback", proxy)
	// No Mode: a RedirectURL chooses hosted.
	cfg.Mode = ModeAuto
	os.Unsetenv(EnvMode)
	t.Cleanup(func() { os.Setenv(EnvMode, string(ModeLoopback)) })
	out, link, done := startLogin(t, context.Background(), cfg)
	if strings.Contains(out.String(), "mode") {
		// Quiet: the redirect URL the user set says it all.
		t.Fatalf("the mode is explained though the settings chose it:\n%s", out)
	}
	u, _ := url.Parse(link)
	ru := u.Query().Get("redirect_uri")
	m := regexp.MustCompile(fmt.Sprintf(`^http://127\.0\.0\.1:%d/proxy/(\d+)/callback$`, proxy)).FindStringSubmatch(ru)
	if m == nil {
		t.Fatalf("redirect_uri %q is not the public URL", ru)
	}
	signInAs(t, b, link, done, "hank") // through the proxy
	// The listener was the kernel's own, on loopback, and is closed.
	loopbacktest.WantClosed(t, "127.0.0.1:"+m[1])
}
