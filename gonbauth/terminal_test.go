package gonbauth

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
)

// newTestDisplay is a terminal display with a clock the test moves.
func newTestDisplay(tty bool, command string) (*display, *bytes.Buffer, *time.Time) {
	var b bytes.Buffer
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	w := whereTerminal
	if command != "" {
		w = whereCLI
	}
	d := &display{now: func() time.Time { return now }, out: &terminalView{out: &b, tty: tty, command: command}}
	d.st.where = w
	d.server("login.example.com")
	return d, &b, &now
}

func TestTerminalDeviceOnATerminal(t *testing.T) {
	d, out, now := newTestDisplay(true, "login")
	link := "https://login.example.com/device?user_code=WDJB-MJHT"
	d.waitingCode(link, "WDJB-MJHT", now.Add(5*time.Minute), ModeDevice, "runs in a container")
	*now = now.Add(time.Second)
	d.tick()
	d.tick() // the same second: nothing new
	*now = now.Add(time.Second)
	d.tick()
	d.exchanging()
	d.done()
	s := out.String()
	for _, want := range []string{
		"gonbauth: this looks like a remote machine (this program runs in a container), so you will confirm a code on another device. Run with --mode loopback",
		"\n\n" + link + "\n\n",
		"gonbauth: and confirm the code WDJB-MJHT.\n",
		"\r\x1b[Kgonbauth: waiting for you to sign in: 5:00 left\r\x1b[Kgonbauth: waiting for you to sign in: 4:59 left\r\x1b[Kgonbauth: waiting for you to sign in: 4:58 left\r\x1b[Kgonbauth: sign-in received",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%q", want, s)
		}
	}
	// The QR code: the lines between the address and the code.
	start := strings.Index(s, link+"\n\n") + len(link) + 2
	end := strings.Index(s, "\n\ngonbauth: and confirm")
	if start < len(link) || end < start {
		t.Fatalf("no QR code in:\n%s", s)
	}
	checkQRModules(t, "the terminal's QR code", browsertest.TextQR(s[start:end]), link)
}

func TestTerminalPlainLinesInAPipe(t *testing.T) {
	d, out, now := newTestDisplay(false, "")
	link := "https://login.example.com/device?user_code=WDJB-MJHT"
	d.waitingCode(link, "WDJB-MJHT", now.Add(5*time.Minute), ModeDevice, "")
	for i := 0; i < 5; i++ {
		*now = now.Add(time.Second)
		d.tick()
	}
	d.done()
	s := out.String()
	if strings.ContainsAny(s, "\r\x1b▀▄█") {
		t.Errorf("control characters or a QR code in a pipe:\n%q", s)
	}
	if strings.Count(s, "waiting for you to sign in (5 min left).") != 1 || strings.Contains(s, "remote") {
		t.Errorf("want one countdown line and no mode note:\n%s", s)
	}
}

// TestTerminalQuietWhenNothingNeedsAttention: a saved sign-in is silent
// for a program and for `gonbauth token`; `login` says who in one line.
func TestTerminalQuietWhenNothingNeedsAttention(t *testing.T) {
	for _, tt := range []struct {
		command   string
		fromStore bool
		want      string
	}{
		{"", true, ""},
		{"token", true, ""},
		{"login", true, "gonbauth: signed in to login.example.com as Alice (saved sign-in) · token expires in 59 min"},
		{"token", false, "gonbauth: signed in to login.example.com as Alice.\n"},
		{"", false, "gonbauth: signed in to login.example.com as Alice. The token expires in 59 min"},
	} {
		d, out, now := newTestDisplay(false, tt.command)
		d.signedIn("Alice", now.Add(59*time.Minute), nil, tt.fromStore)
		d.done()
		if tt.want == "" && out.Len() != 0 || !strings.Contains(out.String(), tt.want) || strings.Count(out.String(), "\n") > 1 {
			t.Errorf("%q saved=%v: output %q, want %q", tt.command, tt.fromStore, out, tt.want)
		}
	}
}

func TestTerminalRefusalsAndPaste(t *testing.T) {
	d, out, now := newTestDisplay(false, "login")
	d.waitingLink("https://login.example.com/a", now.Add(time.Minute), ModePaste, "", "http://127.0.0.1:1/callback")
	d.refused([]string{"its state does not match"}, 0)
	d.pasteRefused("that is not a web address")
	d.pasteRefused("that is not a web address")
	d.pasteClosed()
	d.failed(timeoutError(whereCLI, "no sign-in arrived", time.Minute))
	s := out.String()
	for _, want := range []string{
		"gonbauth: sign in to login.example.com by opening this link in your browser:\n\nhttps://login.example.com/a\n\n",
		"paste it here, then press Enter.\n",
		"gonbauth: a redirect was refused: its state does not match.\n",
		"gonbauth: the pasted address was refused: that is not a web address. Paste it again.\n",
		"gonbauth: the pasted address was refused again (try 2): that is not a web address. Paste it again.\n",
		"no input is available",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "timed out") {
		t.Errorf("the terminal printed the failure, which the caller prints:\n%s", s)
	}
}
