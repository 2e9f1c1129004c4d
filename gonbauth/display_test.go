package gonbauth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStatusRenderEscapes(t *testing.T) {
	hostile := `<img src=x onerror=alert(1)>`
	s := &status{
		phase:   phaseFailed,
		host:    `evil"><script>alert(1)</script>`,
		message: (&AuthError{Code: "access_denied", Description: hostile}).Error(),
		refused: []string{`it comes from the issuer "` + hostile + `"`},
	}
	html, plain := s.render()
	for _, bad := range []string{"<script>", "<img", "onerror=alert(1)>"} {
		if strings.Contains(html, bad) {
			t.Fatalf("unescaped %q in:\n%s", bad, html)
		}
	}
	if !strings.Contains(html, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Fatalf("description not shown escaped:\n%s", html)
	}
	if !strings.Contains(plain, hostile) {
		t.Fatalf("plain text should carry the text as is:\n%s", plain)
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
		s := &status{phase: phaseWaiting, host: "h", authURL: tt.url, deadline: time.Now().Add(time.Minute), now: time.Now()}
		html, plain := s.render()
		if got := strings.Contains(html, "<a href="); got != tt.link {
			t.Errorf("%s: link rendered = %v, want %v\n%s", tt.url, got, tt.link, html)
		}
		if strings.Contains(html, "<script>") {
			t.Errorf("%s: script in HTML", tt.url)
		}
		if !strings.Contains(plain, tt.url) {
			t.Errorf("%s: plain text lacks the URL", tt.url)
		}
	}
}

func TestStatusWaitingLink(t *testing.T) {
	s := &status{phase: phaseWaiting, host: "login.example.com", authURL: "https://login.example.com/a?x=1&y=2",
		deadline: time.Now().Add(90 * time.Second), now: time.Now()}
	html, plain := s.render()
	for _, want := range []string{`href="https://login.example.com/a?x=1&amp;y=2"`, `target="_blank"`, `rel="noopener noreferrer"`, "Sign in to login.example.com", "1m30s left"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, html)
		}
	}
	if !strings.Contains(plain, "\nhttps://login.example.com/a?x=1&y=2\n") {
		t.Errorf("the URL is not alone on a line of the plain text:\n%s", plain)
	}
}

func TestStatusPhases(t *testing.T) {
	exp := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		s    status
		want []string
	}{
		{status{phase: phaseSignedIn, host: "h", who: "Alice <a@x>", expiry: exp, scopes: []string{"openid", "email"}}, []string{"Signed in to h as Alice", "15:04:05", "openid email"}},
		{status{phase: phaseFailed, host: "h", message: errors.New("boom").Error()}, []string{"failed", "boom"}},
		{status{phase: phaseCancelled, host: "h", message: "Stopped"}, []string{"cancelled", "Stopped"}},
		{status{phase: phaseExchanging, host: "h"}, []string{"getting the token"}},
	}
	for _, tt := range tests {
		html, plain := tt.s.render()
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
