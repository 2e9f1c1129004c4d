//go:build e2e

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestReadyLineAndStop starts the command's server, reads its ready line,
// checks that the issuer serves discovery, then stops it both ways the
// callers do (stdin EOF, a signal) and checks that the port is free again.
func TestReadyLineAndStop(t *testing.T) {
	for _, how := range []string{"stdin EOF", "signal"} {
		t.Run(how, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stdinR, stdinW := io.Pipe()
			stdoutR, stdoutW := io.Pipe()
			done := make(chan error, 1)
			go func() {
				err := run(ctx, stdinR, stdoutW, t.Output())
				stdoutW.Close() // a failed start ends the read below
				done <- err
			}()

			line, err := bufio.NewReader(stdoutR).ReadString('\n')
			if err != nil {
				t.Fatalf("no ready line: %v (run: %v)", err, <-done)
			}
			var r ready
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("ready line %q: %v", line, err)
			}
			if !strings.HasPrefix(r.Issuer, "http://127.0.0.1:") || r.ClientID != "gonbauth-dev" {
				t.Errorf("ready line %q: want issuer http://127.0.0.1:PORT and client_id gonbauth-dev", line)
			}
			resp, err := http.Get(r.Issuer + "/.well-known/openid-configuration")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("discovery: %s", resp.Status)
			}

			if how == "signal" {
				cancel() // what signal.NotifyContext does on SIGTERM
			} else {
				stdinW.Close()
			}
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run after %s: %v", how, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("run did not return within 10 s of %s", how)
			}
			u, _ := url.Parse(r.Issuer)
			if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
				c.Close()
				t.Errorf("the server still accepts connections on %s after %s", u.Host, how)
			}
		})
	}
}
