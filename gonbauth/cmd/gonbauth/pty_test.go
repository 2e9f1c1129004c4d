//go:build linux

package main

// The command in a pseudo-terminal, as a person runs it: what lands on the
// terminal, byte for byte (escape sequences included), next to what lands
// on a pipe. The terminal is a Linux pty opened through /dev/ptmx with
// golang.org/x/sys/unix, already a dependency: no pty module is needed.

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/sys/unix"
	"rsc.io/qr"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
)

// terminal is the controlling side of a pty whose other side a command
// writes to; it records everything the command writes.
type terminal struct {
	tty *os.File // the command's side: give it as stdin/stderr
	mu  sync.Mutex
	out bytes.Buffer
	eof chan struct{}
}

// openTerminal opens an 80x24 pty and reads its output until the test ends.
func openTerminal(t *testing.T) *terminal {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening a pseudo-terminal: %v", err)
	}
	fd := int(ptmx.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlocking the pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("naming the pty: %v", err)
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
		t.Fatalf("sizing the pty: %v", err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening the pty's terminal side: %v", err)
	}
	term := &terminal{tty: tty, eof: make(chan struct{})}
	go func() {
		defer close(term.eof)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil { // EIO once every terminal side is closed
				return
			}
		}
	}()
	t.Cleanup(func() {
		tty.Close()
		ptmx.Close()
		<-term.eof
	})
	return term
}

// text is what the terminal received so far.
func (term *terminal) text() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.String()
}

// waitFor polls until the terminal's output satisfies ok.
func (term *terminal) waitFor(t *testing.T, what string, limit time.Duration, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		s := term.text()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s on the terminal within %v; it shows:\n%q", what, limit, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startOnTerminal runs the command with stdin and stderr on term and stdout
// on a pipe, as in `TOKEN=$(gonbauth token)` typed at a terminal. The
// terminal side of the pty is closed in the test once the command has it.
func startOnTerminal(t *testing.T, term *terminal, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GONBAUTH_TEST_AS_CLI=1", "TERM=xterm-256color"), env...)
	var stdout bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term.tty, &stdout, term.tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, &stdout
}

var (
	ansiRE      = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)
	countdownRE = regexp.MustCompile(`(\d+:\d\d) left`)
)

// qrFromText finds a QR code drawn with text (two module rows per line:
// ' ', '▀', '▄', '█'; colours are escape sequences and are dropped) and
// decodes it.
func qrFromText(text string) (string, error) {
	var rows []string
	best := []string(nil)
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(ansiRE.ReplaceAllString(line, ""), "\r")
		if i := strings.LastIndex(line, "\r"); i >= 0 {
			line = line[i+1:]
		}
		if line != "" && strings.Trim(line, " ▀▄█") == "" {
			rows = append(rows, line)
			continue
		}
		if len(rows) > len(best) {
			best = rows
		}
		rows = nil
	}
	if len(rows) > len(best) {
		best = rows
	}
	if len(best) < 10 {
		return "", errors.New("no QR code drawn with ▀ ▄ █ in the text")
	}
	width := 0
	for _, r := range best {
		width = max(width, len([]rune(r)))
	}
	const scale, margin = 4, 4 // px per module; modules of light margin added
	img := image.NewGray(image.Rect(0, 0, (width+2*margin)*scale, (2*len(best)+2*margin)*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	dark := func(x, y int) {
		for dy := range scale {
			for dx := range scale {
				img.SetGray((x+margin)*scale+dx, (y+margin)*scale+dy, color.Gray{})
			}
		}
	}
	for y, r := range best {
		for x, c := range []rune(r) {
			if c == '▀' || c == '█' {
				dark(x, 2*y)
			}
			if c == '▄' || c == '█' {
				dark(x, 2*y+1)
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return "", fmt.Errorf("the text QR code (%d lines) does not decode: %w", len(best), err)
	}
	return res.GetText(), nil
}

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
		term := openTerminal(t)
		cmd, stdout := startOnTerminal(t, term, env, "token")
		term.tty.Close()
		if code := waitExit(t, cmd); code != 0 {
			t.Fatalf("exit %d; the terminal shows:\n%s", code, term.text())
		}
		<-term.eof
		if got := term.text(); got != "" {
			t.Errorf("token wrote to the terminal with a saved sign-in: %q", got)
		}
		if stdout.String() != token+"\n" {
			t.Errorf("stdout = %q, want exactly the saved token and a new line", stdout)
		}
	})

	t.Run("logout says what and whether revoked", func(t *testing.T) {
		rt := savedToken(t, dir, "refresh_token")
		term := openTerminal(t)
		cmd, stdout := startOnTerminal(t, term, env, "logout")
		term.tty.Close()
		if code := waitExit(t, cmd); code != 0 {
			t.Fatalf("exit %d; the terminal shows:\n%s", code, term.text())
		}
		<-term.eof
		said := term.text()
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
