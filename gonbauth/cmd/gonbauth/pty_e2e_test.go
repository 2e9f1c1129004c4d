//go:build linux && e2e

package main

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"rsc.io/qr"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
)

// TestPTYDevice: in device mode on a terminal the command draws a QR code
// of the verification address and counts down in place; then `token` is
// silent with a saved sign-in, and `logout` says what it signed out and
// that the server revoked it.
func TestPTYDevice(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	ctx, b := launchBrowser(t, 3*time.Minute)
	dir := t.TempDir()
	env := storeEnv(srv, dir)

	var token string
	t.Run("device sign-in on a terminal", func(t *testing.T) {
		term := openTerminal(t)
		cmd, stdout := startOnTerminal(t, term, env, "token", "--mode", "device", "--timeout", "2m")
		term.tty.Close() // the command holds its own copies
		// Two different countdown values: the count moves.
		shown := term.waitFor(t, "countdown that moves", 15*time.Second, func(s string) bool {
			m := countdownRE.FindAllStringSubmatch(s, -1)
			return len(m) >= 2 && m[0][1] != m[len(m)-1][1]
		})
		t.Logf("the terminal shows (escape sequences quoted):\n%s", strings.ReplaceAll(strings.ReplaceAll(shown, "\x1b", `\e`), "\r", `\r`))
		addr, err := qrFromText(shown)
		if err != nil {
			t.Fatalf("%v; the terminal shows:\n%s", err, shown)
		}
		if !strings.HasPrefix(addr, srv.Issuer+"/") {
			t.Fatalf("the QR code says %q, not an address of %s", addr, srv.Issuer)
		}
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(addr) + `\r?$`).MatchString(ansiRE.ReplaceAllString(shown, "")) {
			t.Errorf("the QR code's address %q is not also printed alone on a line:\n%s", addr, shown)
		}
		// In place: between two counts there is a carriage return and no new line.
		idx := countdownRE.FindAllStringIndex(shown, -1)
		between := shown[idx[len(idx)-2][1]:idx[len(idx)-1][0]]
		if strings.Contains(between, "\n") || !strings.Contains(between, "\r") {
			t.Errorf("the countdown is not rewritten in place: between two counts %q", between)
		}
		if _, err := b.DeviceSignIn(ctx, addr, browsertest.SignInOptions{Login: "tess"}); err != nil {
			t.Fatal(err)
		}
		if code := waitExit(t, cmd); code != 0 {
			t.Fatalf("exit %d; the terminal shows:\n%s", code, term.text())
		}
		token = strings.TrimSuffix(stdout.String(), "\n")
		if token == "" || strings.ContainsAny(token, " \n") {
			t.Fatalf("stdout is not one token line: %q", stdout)
		}
		<-term.eof
		final := term.text()
		if strings.Contains(final, token) {
			t.Fatal("the token was written to the terminal")
		}
		// The last thing on the terminal is a finished line: the count
		// does not stay half-written before the shell's prompt.
		if !strings.HasSuffix(final, "\n") {
			t.Errorf("the terminal output does not end with a new line: %q", final[max(0, len(final)-200):])
		}
	})
	if token == "" {
		t.FailNow()
	}

	t.Run("token is silent with a saved sign-in", func(t *testing.T) {
		got, stdout := runOnTerminal(t, env, "token")
		if got != "" {
			t.Errorf("token wrote to the terminal with a saved sign-in: %q", got)
		}
		if stdout.String() != token+"\n" {
			t.Errorf("stdout = %q, want exactly the saved token and a new line", stdout)
		}
	})

	t.Run("logout says what and whether revoked", func(t *testing.T) {
		rt := savedToken(t, dir, "refresh_token")
		said, stdout := runOnTerminal(t, env, "logout")
		host := strings.TrimPrefix(srv.Issuer, "http://")
		for _, want := range []string{"signed out", host, "tess", "revoked"} {
			if !strings.Contains(strings.ToLower(said), strings.ToLower(want)) {
				t.Errorf("logout's message lacks %q: %q", want, said)
			}
		}
		if strings.Contains(said, "not revoke") || strings.Contains(said, "stays valid") {
			t.Errorf("logout says the server did not revoke: %q", said)
		}
		if stdout.Len() != 0 {
			t.Errorf("logout wrote to stdout: %q", stdout)
		}
		// What it said is true: the server no longer honours the refresh token.
		if rt != "" {
			if code := refreshAtServer(t, srv, rt); code == 200 {
				t.Error("logout said revoked, but the refresh token still works")
			}
		}
	})
}

// runOnTerminal runs the command on a terminal of its own to its end,
// wants exit code 0, and returns what the terminal showed and what went to
// stdout.
func runOnTerminal(t *testing.T, env []string, args ...string) (shown string, stdout *bytes.Buffer) {
	t.Helper()
	term := openTerminal(t)
	cmd, stdout := startOnTerminal(t, term, env, args...)
	term.tty.Close() // the command holds its own copies
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("%s: exit %d; the terminal shows:\n%s", strings.Join(args, " "), code, term.text())
	}
	<-term.eof
	return term.text(), stdout
}

// TestPipeDevice: the same device sign-in with stderr on a pipe gets plain
// lines: no escape sequences, no carriage returns, no text QR code, and
// no line per tick.
func TestPipeDevice(t *testing.T) {
	srv := devserver.StartT(t, devserver.Options{})
	code, stdout, stderr := runCLI(t, storeEnv(srv, t.TempDir()), "token", "--mode", "device", "--timeout", "3s")
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q; want 1 and nothing (nobody confirmed the code)\n%s", code, stdout, stderr)
	}
	if strings.ContainsAny(stderr, "\r\x1b▀▄█") {
		t.Errorf("stderr on a pipe has terminal controls or a text QR code:\n%q", stderr)
	}
	if n := len(countdownRE.FindAllString(stderr, -1)); n > 1 {
		t.Errorf("stderr on a pipe has %d countdown lines, want at most one:\n%s", n, stderr)
	}
	if !strings.Contains(stderr, srv.Issuer+"/") {
		t.Errorf("stderr does not give the verification address:\n%s", stderr)
	}
}

// qrFromText finds a QR code drawn with text (two module rows per line:
// ' ', '▀', '▄', '█'; colours are escape sequences and are dropped) and
// decodes it as a phone would (gozxing, through the harness).
func qrFromText(text string) (string, error) {
	m := browsertest.TextQR(text)
	if len(m) < 20 {
		return "", errors.New("no QR code drawn with ▀ ▄ █ in the text")
	}
	return browsertest.DecodeQR(m)
}

// TestQRFromText checks the test's own decoder on a code drawn the way a
// terminal shows it, and that it does not decode what is not one.
func TestQRFromText(t *testing.T) {
	const addr = "http://127.0.0.1:5/device?user_code=ABCD-EFGH"
	q, err := qr.Encode(addr, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	// With a quiet zone of 2 modules, as terminal QR tools draw them.
	dark := func(x, y int) bool { return q.Black(x-2, y-2) }
	n := q.Size + 4
	var b strings.Builder
	b.WriteString("gonbauth: scan this:\r\n")
	for y := 0; y < n; y += 2 {
		b.WriteString("\x1b[30;107m")
		for x := range n {
			i := 0
			if dark(x, y) {
				i += 2
			}
			if y+1 < n && dark(x, y+1) {
				i++
			}
			b.WriteRune([]rune(" ▄▀█")[i])
		}
		b.WriteString("\x1b[0m\r\n")
	}
	drawn := b.String()
	if got, err := qrFromText(drawn); err != nil || got != addr {
		t.Fatalf("qrFromText = %q, %v; want %q", got, err, addr)
	}
	// One module row flipped in every line: no longer a QR code.
	broken := strings.ReplaceAll(drawn, "▀▄", "▄▀")
	if got, err := qrFromText(broken); err == nil && got == addr {
		t.Error("a damaged drawing still decodes")
	}
	if _, err := qrFromText("gonbauth: no code here\r\n"); err == nil {
		t.Error("text without a QR code decodes")
	}
}
