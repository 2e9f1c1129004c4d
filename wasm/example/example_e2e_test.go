//go:build e2e

package example

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/gonbauth/gonbauth/wasm/internal/chromium"
	"github.com/gonbauth/gonbauth/wasm/internal/wasmbuild"
)

func TestMain(m *testing.M) { wasmbuild.Main(m) }

func startT(t *testing.T) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := &syncBuffer{}
	srv, err := Start(ctx, Options{DistDir: wasmbuild.Dir(t), Log: log})
	if err != nil {
		t.Fatalf("%v\ndevelopment server log:\n%s", err, log)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing the example: %v", err)
		}
		if t.Failed() {
			t.Logf("development server log:\n%s", log)
		}
	})
	return srv
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// signIn fills in the development server's login page, then approves its
// consent page, in page.
func signIn(t *testing.T, page *rod.Page, user string) {
	t.Helper()
	login, err := page.Element(`input[name=login]`)
	if err != nil {
		t.Fatalf("no login page: %v", err)
	}
	if err := login.Input(user); err != nil {
		t.Fatal(err)
	}
	pw, err := page.Element(`input[name=password]`)
	if err != nil {
		t.Fatal(err)
	}
	if err := pw.Input("secret"); err != nil {
		t.Fatal(err)
	}
	click(t, page, `button[type=submit]`)
	// The consent page replaces the login page.
	if _, err := page.Element(`form input[name=prompt][value=consent]`); err != nil {
		t.Fatalf("no consent page: %v", err)
	}
	click(t, page, `button[type=submit]`)
}

func click(t *testing.T, page *rod.Page, selector string) {
	t.Helper()
	el, err := page.Element(selector)
	if err != nil {
		t.Fatalf("finding %s: %v", selector, err)
	}
	if err := el.Click(proto.InputMouseButtonLeft, 1); err != nil {
		t.Fatalf("clicking %s: %v", selector, err)
	}
}

// waitText waits until the element's text contains want, and returns it.
func waitText(t *testing.T, page *rod.Page, selector, want string) string {
	t.Helper()
	var text string
	for {
		var st struct{ Text, Status, Kind string }
		err := chromium.Eval(page, &st, `(sel) => ({
			text: document.querySelector(sel)?.textContent ?? '',
			status: document.getElementById('status')?.textContent ?? '',
			kind: document.getElementById('status')?.dataset.kind ?? '',
		})`, selector)
		if err == nil {
			text = st.Text
			if strings.Contains(text, want) {
				return text
			}
			if st.Kind == "error" {
				t.Fatalf("the page failed: %s", st.Status)
			}
		}
		select {
		case <-page.GetContext().Done():
			t.Fatalf("waiting for %q in %s: %v (last text %q, last error %v)", want, selector, page.GetContext().Err(), text, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// checkResult checks what the page reported to the server.
func checkResult(t *testing.T, srv *Server, user, mode string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := srv.Wait(ctx)
	if err != nil {
		t.Fatalf("the page reported nothing: %v", err)
	}
	if r.Subject != user || r.TokenType != "Bearer" || r.ExpiresIn <= 0 || !strings.Contains(r.Scope, "openid") || r.Mode != mode {
		t.Errorf("the page reported %+v, want %s signed in with a Bearer token (%s)", r, user, mode)
	}
}

// TestPopupFlow signs in the way the notebook cell shows it: the page opens
// the server's sign-in page in a pop-up, the callback page hands the
// response back, and the page exchanges the code with fetch (CORS).
func TestPopupFlow(t *testing.T) {
	srv := startT(t)
	b := chromium.LaunchT(t, chromium.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	page, done, err := b.Open(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	waitText(t, page, "#status", "Ready")

	wait := page.WaitOpen()
	click(t, page, "#sign-in") // a real click: pop-ups need a user gesture
	popup, err := wait()
	if err != nil {
		t.Fatalf("no pop-up: %v", err)
	}
	signIn(t, popup.Context(ctx), "alice")

	text := waitText(t, page, "#result", "Signed in as alice")
	if !strings.Contains(text, "Access token: Bearer") || strings.Contains(text, "eyJ") {
		t.Errorf("result %q", text)
	}
	checkResult(t, srv, "alice", "popup")
}

// TestRedirectFlow signs in within one tab: page, sign-in, callback page,
// which redeems the code with the verifier kept in sessionStorage.
func TestRedirectFlow(t *testing.T) {
	srv := startT(t)
	b := chromium.LaunchT(t, chromium.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	page, done, err := b.Open(ctx, srv.URL+"?mode=redirect")
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	waitText(t, page, "#status", "Ready")
	click(t, page, "#sign-in")
	signIn(t, page, "bob")
	waitText(t, page, "#result", "Signed in as bob")
	var loc string
	if err := chromium.Eval(page, &loc, `() => location.href`); err != nil {
		t.Fatal(err)
	}
	if loc != srv.RedirectURI {
		t.Errorf("the callback page is at %s, want %s without the code", loc, srv.RedirectURI)
	}
	checkResult(t, srv, "bob", "redirect")
}

// The authorization server answers the page's cross-origin requests for
// the web client from the page's origin only.
func TestCORS(t *testing.T) {
	srv := startT(t)
	b := chromium.LaunchT(t, chromium.Options{MapToLoopback: []string{"other-origin.test"}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// A token request (with a made-up code) from the page's origin gets an
	// answer the page can read; from another origin, the browser blocks it.
	const js = `async (tokenURL, redirectURI) => {
		try {
			const r = await fetch(tokenURL, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: redirectURI, client_id: 'gonbauth-dev-web', code_verifier: 'a'.repeat(43) }) });
			return 'read: ' + (await r.json()).error;
		} catch (e) {
			return 'blocked: ' + e.message;
		}
	}`
	for _, tt := range []struct{ origin, want string }{
		{srv.URL, "read: invalid_grant"},
		{strings.Replace(srv.URL, "127.0.0.1", "other-origin.test", 1), "blocked: Failed to fetch"},
	} {
		page, done, err := b.Open(ctx, tt.origin)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := chromium.Eval(page, &got, js, srv.Issuer+"/token", srv.RedirectURI); err != nil {
			t.Fatal(err)
		}
		done()
		if got != tt.want {
			t.Errorf("token request from %s: %q, want %q", tt.origin, got, tt.want)
		}
	}
}

func TestNotebookHTML(t *testing.T) {
	srv := startT(t)
	h := srv.NotebookHTML()
	if !strings.Contains(h, `<iframe src="`+srv.URL+`"`) || !strings.Contains(h, srv.Issuer) {
		t.Errorf("NotebookHTML() = %s", h)
	}
}

func TestNotebookText(t *testing.T) {
	srv := startT(t)
	lines := strings.Split(srv.NotebookText(), "\n")
	found := false
	for _, ln := range lines {
		found = found || ln == srv.URL
	}
	if !found || !strings.Contains(srv.NotebookText(), srv.Issuer) {
		t.Errorf("NotebookText() = %q: want the page's URL %s alone on a line, and the issuer", srv.NotebookText(), srv.URL)
	}
}
