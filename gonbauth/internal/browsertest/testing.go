package browsertest

import (
	"context"
	"testing"
	"time"
)

// LaunchT starts a browser for a test, failing the test with LaunchWith's
// error (which says what to install) if it cannot, and closes it when the
// test and its subtests have finished, which may share it.
func LaunchT(t testing.TB, opts Options) *Browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := LaunchWith(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("closing the browser: %v", err)
		}
	})
	return b
}
