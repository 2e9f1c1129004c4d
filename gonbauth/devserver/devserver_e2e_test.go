//go:build e2e

package devserver

// The tests that look at the process and at preflight. The server's
// behaviour is tested through gonbauth/internal/devserver (StartT), the
// handle the library's tests use.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestClose(t *testing.T) {
	s, err := Start(context.Background(), Options{Log: t.Output()})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(s.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	// A live keep-alive connection must not hold the server open.
	resp, err := http.Get(s.Issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v; the server should stop promptly on SIGTERM", d)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}

	if err := s.cmd.Process.Signal(syscall.Signal(0)); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("server process after Close: Signal(0) = %v, want %v", err, os.ErrProcessDone)
	}
	if !s.cmd.ProcessState.Exited() || s.cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("server process state %v, want a clean exit on SIGTERM", s.cmd.ProcessState)
	}

	// The port is free again: nothing accepts on it, and it can be bound.
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Errorf("something still accepts connections on %s after Close", u.Host)
	}
	l, err := net.Listen("tcp", u.Host)
	if err != nil {
		t.Errorf("port not freed after Close: %v", err)
	} else {
		l.Close()
	}
}

func TestStartWithoutNodeModules(t *testing.T) {
	_, err := preflight(t.TempDir())
	if err == nil {
		t.Fatal("preflight succeeded without node_modules")
	}
	for _, want := range []string{"devserver: ", "npm ci --prefix gonbauth/devserver", "make deps"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}
