//go:build e2e && linux

package main

// The command in a pseudo-terminal, as a person runs it: what lands on the
// terminal, byte for byte (escape sequences included), next to what lands
// on a pipe. The terminal is a Linux pty opened through /dev/ptmx with
// golang.org/x/sys/unix, already a dependency: no pty module is needed.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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
