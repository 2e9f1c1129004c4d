package lockedio

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
)

// Run with -race: without the lock, the writers and the reader race on the
// buffer.
func TestWriterConcurrent(t *testing.T) {
	w := New(new(bytes.Buffer))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, err := w.Write([]byte("ab")); err != nil {
					t.Error(err)
				}
				_ = w.String()
			}
		})
	}
	wg.Wait()
	if got := w.String(); got != strings.Repeat("ab", 800) {
		t.Errorf("String() = %d bytes, want 1600 of %q repeated", len(got), "ab")
	}
}

func TestWriterNotStringer(t *testing.T) {
	w := New(io.Discard)
	if n, err := w.Write([]byte("x")); n != 1 || err != nil {
		t.Errorf("Write = %d, %v", n, err)
	}
	if s := w.String(); s != "" {
		t.Errorf("String() = %q, want \"\"", s)
	}
}
