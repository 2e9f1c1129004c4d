//go:build e2e

package browsertest

import (
	"context"
	"testing"
)

// The harness's launcher says what to do when Chromium is missing, and its
// message arrives whole through the driver.
func TestLaunchMissingChromium(t *testing.T) {
	t.Setenv("CHROMIUM_BIN", "/nonexistent/chromium")
	b, err := Launch(context.Background())
	if err == nil {
		b.Close()
		t.Fatal("Launch succeeded with a missing browser")
	}
	want := "browsertest: Chromium not found at /nonexistent/chromium: run `apt-get install chromium` (or set CHROMIUM_BIN)"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}
