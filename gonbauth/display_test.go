package gonbauth

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestStatusRenderEscapes(t *testing.T) {
	hostile := `<img src=x onerror=alert(1)>`
	st := &viewState{
		where:   whereNotebook,
		phase:   phaseFailed,
		host:    `evil"><script>alert(1)</script>`,
		err:     &AuthError{Code: "access_denied", Description: hostile},
		refused: []string{`it comes from the issuer "` + hostile + `"`},
	}
	html, plain := renderHTML(st), renderPlain(st)
	for _, bad := range []string{"<script>", "<img", "onerror=alert(1)>", `evil">`} {
		if strings.Contains(html, bad) {
			t.Fatalf("unescaped %q in:\n%s", bad, html)
		}
	}
	if !strings.Contains(html, "&lt;img src=x onerror=alert(1)&gt;") || !strings.Contains(html, "evil&#34;&gt;&lt;script&gt;") {
		t.Fatalf("description or host not shown escaped:\n%s", html)
	}
	if !strings.Contains(plain, hostile) {
		t.Fatalf("plain text should carry the text as is:\n%s", plain)
	}
}

// TestStatusEscapesAttributes puts quotes and angle brackets in every
// value that reaches an attribute or a text node: the link (an attribute
// and text), the paste address, the device code.
func TestStatusEscapesAttributes(t *testing.T) {
	link := `https://h.example/a?x="><script>alert(1)</script>&y='z'`
	for _, st := range []*viewState{
		{where: whereNotebook, host: "h", link: link, deadline: time.Now().Add(time.Minute), now: time.Now(), pasteTo: `http://127.0.0.1:1/cb"><b>`, pasteErr: `<b>x</b>`},
		{where: whereNotebook, host: "h", link: link, userCode: `AB"<CD`, deadline: time.Now().Add(time.Minute), now: time.Now()},
	} {
		html := renderHTML(st)
		if strings.Count(html, "<script>") != strings.Count(html, "<script>"+copyScript+"</script>") {
			t.Errorf("a script other than the Copy link one:\n%s", html)
		}
		for _, bad := range []string{"<script>alert", `"><b>`, "<b>x</b>", `AB"<CD`, `'z'`} {
			if strings.Contains(html, bad) {
				t.Errorf("unescaped %q in:\n%s", bad, html)
			}
		}
		if !strings.Contains(html, `href="https://h.example/a?x=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;y=&#39;z&#39;"`) {
			t.Errorf("the link's attribute is not escaped as expected:\n%s", html)
		}
	}
}

func TestStatusOnlyLinksHTTP(t *testing.T) {
	for _, tt := range []struct {
		url  string
		link bool
	}{
		{"https://login.example.com/authorize?a=b", true},
		{"http://127.0.0.1:9000/auth", true},
		{"javascript:alert(1)", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"//evil.example/x", false},
	} {
		for _, device := range []bool{false, true} {
			st := &viewState{where: whereNotebook, host: "h", link: tt.url, deadline: time.Now().Add(time.Minute), now: time.Now()}
			if device {
				st.userCode = "ABCD"
			}
			html, plain := renderHTML(st), renderPlain(st)
			if got := strings.Contains(html, "<a href="); got != tt.link {
				t.Errorf("%s (device %v): link rendered = %v, want %v\n%s", tt.url, device, got, tt.link, html)
			}
			if strings.Contains(html, "<script>alert") || strings.Count(html, "<script>") != strings.Count(html, "<script>"+copyScript) {
				t.Errorf("%s: script in HTML", tt.url)
			}
			if !strings.Contains(plain, tt.url) {
				t.Errorf("%s: plain text lacks the URL", tt.url)
			}
		}
	}
}

func TestStatusWaitingLink(t *testing.T) {
	now := time.Now()
	st := &viewState{where: whereNotebook, host: "login.example.com", link: "https://login.example.com/a?x=1&y=2",
		deadline: now.Add(90 * time.Second), now: now}
	html, plain := renderHTML(st), renderPlain(st)
	for _, want := range []string{`href="https://login.example.com/a?x=1&amp;y=2"`, `target="_blank"`, `rel="noopener noreferrer"`,
		"Sign in to login.example.com", "2 min left", "Copy link", "<script>" + copyScript + "</script>", "Show the link"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, html)
		}
	}
	if !strings.Contains(plain, "\nhttps://login.example.com/a?x=1&y=2\n") {
		t.Errorf("the URL is not alone on a line of the plain text:\n%s", plain)
	}
	if strings.Contains(plain+html, "Mode") || strings.Contains(plain+html, "GONBAUTH_MODE") {
		t.Errorf("a mode the settings chose is mentioned:\n%s\n%s", plain, html)
	}
}

func TestStatusPhases(t *testing.T) {
	now := time.Date(2026, 1, 2, 14, 5, 5, 0, time.UTC)
	exp := now.Add(59 * time.Minute)
	tests := []struct {
		st   viewState
		want []string
	}{
		{viewState{phase: phaseSignedIn, host: "h", who: "Alice <a@x>", expiry: exp, scopes: []string{"openid", "email"}}, []string{"Signed in to h as Alice", "expires in 59 min", exp.In(time.Local).Format("15:04"), "openid email"}},
		{viewState{phase: phaseSignedIn, host: "h", who: "Alice", expiry: exp, fromStore: true}, []string{"Signed in to h as Alice (saved sign-in) · token expires in 59 min"}},
		{viewState{phase: phaseFailed, host: "h", err: timeoutError(whereNotebook, "no sign-in arrived", time.Minute)}, []string{"failed", "timed out", "\nRun the cell again, and raise Config.Timeout"}},
		{viewState{phase: phaseCancelled, host: "h", cause: "interrupt signal received"}, []string{"cancelled", "when the cell was interrupted", "Run the cell again"}},
		{viewState{phase: phaseExchanging, host: "h"}, []string{"getting the token"}},
	}
	for _, tt := range tests {
		tt.st.where, tt.st.now = whereNotebook, now
		html, plain := renderHTML(&tt.st), renderPlain(&tt.st)
		for _, w := range tt.want {
			if !strings.Contains(plain, w) {
				t.Errorf("plain %q lacks %q", plain, w)
			}
		}
		if strings.Contains(html, "<a ") {
			t.Errorf("a finished status keeps a link: %s", html)
		}
	}
}

func TestSavedSignInIsOneLine(t *testing.T) {
	now := time.Now()
	st := &viewState{where: whereNotebook, now: now, phase: phaseSignedIn, host: "h", who: "Alice", expiry: now.Add(time.Hour), fromStore: true}
	html, plain := renderHTML(st), renderPlain(st)
	if strings.Contains(plain, "\n") || strings.Count(html, "<div") != 2 || strings.Contains(html, "border:") {
		t.Errorf("a saved sign-in is not one compact line:\n%s\n%s", plain, html)
	}
}

// TestRepeatedPasteRefusalIsVisible: the same reason twice must still
// change the block, or the user sees no reaction to the second paste
// (and the notebook view, which sends only changes, would send nothing).
func TestRepeatedPasteRefusalIsVisible(t *testing.T) {
	now := time.Now()
	st := viewState{where: whereNotebook, now: now, host: "h", link: "https://h/a", deadline: now.Add(time.Minute), pasteTo: "http://127.0.0.1:1/callback"}
	var htmls, plains []string
	for i := 0; i < 2; i++ {
		st.pasteErr, st.pasteErrs = "its state does not match this sign-in", i+1
		htmls, plains = append(htmls, renderHTML(&st)), append(plains, renderPlain(&st))
	}
	if htmls[0] == htmls[1] || plains[0] == plains[1] {
		t.Fatalf("a repeated refusal changes nothing:\n%s", plains[1])
	}
	re := regexp.MustCompile(`(?m)^The pasted address was refused[^:]*: (.*)\. Paste it again\.$`)
	for _, p := range plains {
		if m := re.FindStringSubmatch(p); m == nil || m[1] != "its state does not match this sign-in" {
			t.Errorf("the refusal line does not keep its shape:\n%s", p)
		}
	}
}
