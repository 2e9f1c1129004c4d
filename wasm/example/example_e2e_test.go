//go:build e2e

package example

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/wasm/internal/wasmbuild"
)

func TestMain(m *testing.M) { wasmbuild.Main(m) }

func startT(t *testing.T) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Read only after Start failed or Close returned, when the server
	// writes no more (devserver.Options.Log): no lock needed.
	log := &strings.Builder{}
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

// The page's sign-in in a browser, in both modes, and its server's CORS
// answers are tested in gonbauth/internal/browsertest (page_e2e_test.go),
// which drives Chromium.

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
