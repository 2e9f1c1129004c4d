package gonbauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// hostileText holds every kind of character that must not reach a
// terminal: C0 and C1 controls (an escape sequence, OSC 52 clipboard
// write, CSI), bidi overrides and isolates, zero-width characters, line
// separators, private use, and invalid UTF-8.
var hostileText = []string{
	"\x1b[2J", "\x1b]52;c;ZXZpbA==\x07", "\u009b31m", "\u0085", "\r", "\n", "\t", "\x7f", "\x00",
	"\u202e", "\u2066", "\u2069", "\u200f", "\u061c", "\u200b", "\ufeff", "\u2028", "\u2029", "\ue000", "\xff\xfe",
}

func checkPrintable(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s: invalid UTF-8 in %q", what, s)
	}
	for _, h := range hostileText {
		if strings.Contains(s, h) {
			t.Errorf("%s: %q left in %q", what, h, s)
		}
	}
}

func TestPrintableN(t *testing.T) {
	for _, h := range hostileText {
		got := printable("ok" + h + "done")
		checkPrintable(t, fmt.Sprintf("printable(%q)", h), got)
		if !strings.HasPrefix(got, "ok") || !strings.HasSuffix(got, "done") {
			t.Errorf("printable(%q) = %q lost the text around it", h, got)
		}
	}
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain text, accents é and 日本", 300, "plain text, accents é and 日本"},
		{"abcdef", 4, "abc…"},
		{"abcd", 4, "abcd"},
		{"a\x1bb", 10, "a\ufffdb"},
		{strings.Repeat("x", 1<<20), 300, strings.Repeat("x", 299) + "…"},
	}
	for _, tt := range tests {
		got := printableN(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("printableN(%.20q, %d) = %.40q, want %.40q", tt.in, tt.max, got, tt.want)
		}
		if again := printableN(got, tt.max); again != got {
			t.Errorf("printableN is not idempotent: %q then %q", got, again)
		}
	}
}

func TestPrintableList(t *testing.T) {
	methods := make([]string, 60000)
	for i := range methods {
		methods[i] = "plain\x1b"
	}
	got := printableList(methods)
	checkPrintable(t, "list", got)
	if len(got) > 1000 || !strings.Contains(got, "and 59990 more") {
		t.Fatalf("a 60000-item list became %d bytes: %.200s", len(got), got)
	}
	if s := printableScopes([]string{"openid", "a\u202eb"}); s[1] != "a\ufffdb" {
		t.Fatalf("scopes: %q", s)
	}
	if s := printableScopes(methods); len(s) != maxListed+1 || !strings.Contains(s[maxListed], "59990") {
		t.Fatalf("scopes not bounded: %d items", len(s))
	}
}

func TestLinkProblem(t *testing.T) {
	tests := []struct {
		link string
		ok   bool
	}{
		{"https://login.example.com/authorize?client_id=x&state=y", true},
		{"http://127.0.0.1:8080/authorize", true},
		{"http://[::1]:8080/device", true},
		{"http://localhost/device", true},
		{"http://login.example.com/device", false},
		{"https://login.example.com/" + strings.Repeat("a", maxLink), false},
		{"https://login.example.com/\u202eexe.moc", false},
		{"https://login.example.com/\u0085", false},
		{"https://login.example.com/a b", false},
		{"https://xn--80ak6aa92e.com/ok", true},
		{"https://аррӏе.com/", false}, // Cyrillic look-alike
		{"https://user:pw@login.example.com/", false},
		{"javascript:alert(1)", false},
		{"data:text/html,x", false},
		{"ftp://login.example.com/", false},
		{"//login.example.com/", false},
		{"", false},
	}
	for _, tt := range tests {
		err := linkProblem(tt.link)
		if (err == nil) != tt.ok {
			t.Errorf("linkProblem(%.60q) = %v, want ok=%v", tt.link, err, tt.ok)
		}
		if err != nil {
			checkPrintable(t, "link error", err.Error())
		}
	}
}

func TestOutsideError(t *testing.T) {
	cause := errors.New("oidc: get keys failed: 500 " + strings.Repeat("\x1b[2Jbody", 1<<16))
	err := fmt.Errorf("%w: %w", ErrIDToken, fromOutside(cause))
	if !errors.Is(err, ErrIDToken) || !errors.Is(err, cause) {
		t.Fatal("the wrapped errors are lost")
	}
	checkPrintable(t, "error", err.Error())
	if len(err.Error()) > 2*maxPrintable*4 {
		t.Fatalf("error is %d bytes", len(err.Error()))
	}
	if fromOutside(nil) != nil {
		t.Fatal("fromOutside(nil) is not nil")
	}
}

func TestBoundedClient(t *testing.T) {
	for _, tt := range []struct {
		size    int
		tooLong bool
	}{{0, false}, {1000, false}, {maxResponseBytes, false}, {maxResponseBytes + 1, true}, {16 << 20, true}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(strings.Repeat("x", tt.size)))
		}))
		resp, err := boundedClient(srv.Client()).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if tt.tooLong != errors.Is(err, errResponseTooLarge) {
			t.Errorf("%d bytes: err %v", tt.size, err)
		}
		if !tt.tooLong && len(b) != tt.size {
			t.Errorf("%d bytes: read %d", tt.size, len(b))
		}
		if len(b) > maxResponseBytes {
			t.Errorf("%d bytes: read %d, more than the limit", tt.size, len(b))
		}
	}
	c := &http.Client{}
	if b := boundedClient(c); b == c || boundedClient(b) != b || c.Transport != nil {
		t.Fatal("boundedClient must copy the client once and leave the caller's alone")
	}
}

func TestSafeState(t *testing.T) {
	h := strings.Join(hostileText, "")
	for _, where := range []where{whereNotebook, whereTerminal, whereCLI} {
		st := &viewState{
			where: where, host: "evil" + h, link: "http://evil.example/" + h, who: h, renew: h,
			autoWhy: h, modeExtra: h, mode: ModePaste, pasteTo: h, pasteErr: h, pasteErrs: 1, userCode: h + strings.Repeat("A", 500),
			scopes: []string{"openid", h}, refused: []string{h}, refusedMore: 2, cause: h,
		}
		s := safeState(st)
		for _, phase := range []phase{phaseWaiting, phaseSignedIn, phaseCancelled} {
			s.phase = phase
			html, plain := renderHTML(s), renderPlain(s)
			for _, line := range strings.Split(plain, "\n") { // our own line breaks
				checkPrintable(t, "status", line)
			}
			if strings.Contains(html, "\x1b") || strings.Contains(html, "\u202e") {
				t.Fatal("control characters in the HTML")
			}
		}
		if s.link != "" {
			t.Fatalf("an unsafe link was kept: %q", s.link)
		}
		if n := utf8.RuneCountInString(s.userCode); n > 64 {
			t.Fatalf("user code of %d runes", n)
		}
		if st.who != h {
			t.Fatal("safeState changed the display's own state")
		}
	}
	// A failure's text, which repeats outside text, is bounded and printable.
	what, next := failureText(&AuthError{Code: "access_denied", Description: strings.Repeat(h, 50)}, whereCLI)
	checkPrintable(t, "failure", what+" "+next)
	if len(what) > 4*maxMessage {
		t.Fatalf("failure text of %d bytes", len(what))
	}
}

// boundTo ends requests made without a context (x/oauth2's DeviceAuth,
// go-oidc's background key set fetch) when the flow's context ends.
func TestBoundTo(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequest("GET", srv.URL, nil) // no context, as those libraries do
	start := time.Now()
	_, err := boundTo(ctx, srv.Client()).Do(req)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}

// Everything a flow shows goes through safeState: a granted scope holding
// an escape sequence (which every later saved sign-in repeats) is printed
// harmless, and a flood of scopes is bounded.
func TestFlowOutputPrintable(t *testing.T) {
	srv, tr := newRewrittenServer(t)
	cfg := testConfig(srv)
	scope := "openid \x1b]52;c;ZXZpbA==\x07 \u202egpj.exe " + strings.Repeat("s ", 5000)
	tr.set("authorization_code", func(b map[string]any) { b["scope"] = scope })
	out, link, done := startLogin(t, t.Context(), cfg)
	browse(t, link)
	if r := wait(t, done); r.err != nil {
		t.Fatal(r.err)
	}
	// A later program's saved sign-in is silent in a terminal; the
	// saved scopes reach people through SignIns (gonbauth status).
	if list, err := SignIns(cfg); err != nil || len(list) != 1 {
		t.Fatalf("%v, %d sign-ins", err, len(list))
	} else {
		out.Write([]byte("\n" + strings.Join(list[0].Scopes, " ")))
	}
	text := out.String()
	for _, line := range strings.Split(text, "\n") {
		checkPrintable(t, "output", line)
	}
	if len(text) > 4000 || !strings.Contains(text, "more)") {
		t.Fatalf("the scopes are not bounded (%d bytes):\n%.500s", len(text), text)
	}
}
