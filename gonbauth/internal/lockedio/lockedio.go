// Package lockedio holds the one writer the gonbauth tree shares between
// goroutines: os/exec copies a child's stdout and stderr in goroutines of
// its own, and a server's log and its caller often write to one stream.
package lockedio

import (
	"fmt"
	"io"
	"sync"
)

// Writer serialises Write (and String) on the writer it wraps.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns a Writer that writes to w, one call at a time.
func New(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p to the wrapped writer under the lock.
func (l *Writer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// String returns the wrapped writer's String, under the same lock, so a
// *bytes.Buffer can be read while another goroutine writes to it. It
// returns "" when the wrapped writer is not a fmt.Stringer.
func (l *Writer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.w.(fmt.Stringer); ok {
		return s.String()
	}
	return ""
}
