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
