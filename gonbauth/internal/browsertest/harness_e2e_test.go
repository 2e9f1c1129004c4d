//go:build e2e

package browsertest

import (
	"context"
	"strings"
	"testing"
)

// What the harness's launcher says when Chromium is missing (its own test
// checks the words) arrives whole through the driver, as a failed Launch.
func TestLaunchMissingChromium(t *testing.T) {
	t.Setenv("CHROMIUM_BIN", "/nonexistent/chromium")
	if b, err := Launch(context.Background()); err == nil {
		b.Close()
		t.Error("Launch succeeded with a missing browser")
	} else if msg := err.Error(); !strings.HasPrefix(msg, "browsertest: Chromium not found at /nonexistent/chromium: run `apt-get install chromium`") {
		t.Errorf("Launch: %q, want the launcher's message", msg)
	}
}
