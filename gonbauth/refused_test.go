package gonbauth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gonbauth/gonbauth/gonbauth/internal/loopbacktest"
)

// A flood of forged redirects is bounded (the first few listed, the rest
// counted) but never hides a later mix-up warning, in the terminal and in
// the notebook's status.
func TestRefusedRedirectsBoundedMixUpAlwaysShown(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	out, link, done := startLogin(t, context.Background(), cfg)
	callback := "http://" + loopbacktest.RedirectAddr(t, link) + "/callback?"
	get := func(q url.Values) {
		resp, err := http.Get(callback + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	const flood = 60
	for i := range flood {
		get(url.Values{"iss": {srv.URL}, "state": {fmt.Sprint("forged-", i)}, "code": {"x"}})
	}
	get(url.Values{"iss": {"https://evil.example/\x1b[2J"}, "state": {"forged"}, "code": {"x"}})
	browse(t, link)
	if r := wait(t, done); r.err != nil {
		t.Fatal(r.err)
	}
	text := out.String()
	for _, line := range strings.Split(text, "\n") {
		checkPrintable(t, "output", line)
	}
	if n := strings.Count(text, "a redirect was refused"); n < 2 || n > maxRefusedListed+maxMixUpsListed {
		t.Errorf("%d refusals printed, want the first few and the mix-up:\n%s", n, text)
	}
	if !strings.Contains(text, "mix-up") || !strings.Contains(text, "evil.example") {
		t.Errorf("the mix-up warning after a flood was not shown:\n%s", text)
	}
	if !strings.Contains(text, fmt.Sprintf("%d more redirects were refused", flood-maxRefusedListed)) {
		t.Errorf("the rest are not counted:\n%s", text)
	}
}

func TestReceiverRefusalsBounded(t *testing.T) {
	r := &receiver{noted: make(chan struct{}, 1)}
	for i := range 1000 {
		r.refuse(&refusalError{reason: fmt.Sprintf("forged %d", i)})
	}
	for i := range 20 {
		r.refuse(&refusalError{reason: fmt.Sprintf("mix-up %d", i), mixUp: true})
	}
	listed, more := r.refusals()
	if len(listed) != maxRefusedListed+maxMixUpsListed || more != 1000+20-len(listed) {
		t.Fatalf("%d listed, %d more", len(listed), more)
	}
	if !strings.Contains(listed[len(listed)-1], "mix-up") || strings.HasPrefix(listed[0], "gonbauth") {
		t.Fatalf("listed %q", listed)
	}
	s := safeState(&viewState{phase: phaseWaiting, refused: listed, refusedMore: more})
	for _, out := range []string{renderHTML(s), renderPlain(s)} {
		if !strings.Contains(out, fmt.Sprint(more, " more redirects were refused")) {
			t.Errorf("the count is not shown: %s", out)
		}
	}
}
