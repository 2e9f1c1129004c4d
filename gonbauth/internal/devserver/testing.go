package devserver

import (
	"context"
	"testing"
)

// StartT starts a development server for a test, failing the test with
// Start's error (which says what to install) if it cannot, and stops the
// server when the test and its subtests have finished.
func StartT(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing the devserver: %v", err)
		}
	})
	return s
}
