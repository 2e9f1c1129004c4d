package gonbauth

import (
	"bufio"
	"io"
	"runtime"
	"strings"
	"testing"
)

// pasteInput gives cfg an Input the test writes to, as a user pastes into
// the prompt. It is closed when the test ends.
func pasteInput(t *testing.T, cfg *Config) io.Writer {
	in, paste := io.Pipe()
	t.Cleanup(func() { paste.Close() })
	cfg.Input = in
	return paste
}

// repeatReader yields n bytes of c, then the tail.
type repeatReader struct {
	c    byte
	n    int
	tail io.Reader
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return r.tail.Read(p)
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.c
	}
	r.n -= k
	return k, nil
}

// An endless line of stdin must not grow memory (it grew to ~1 GB in
// seconds): it arrives bounded, is refused as too long, and the next
// line is read as usual.
func TestReadLinesBounded(t *testing.T) {
	const huge = 64 << 20
	good := "http://127.0.0.1:1/callback?state=s&code=c"
	in := &repeatReader{c: 'x', n: huge, tail: strings.NewReader("\n" + good + "\n")}
	done := make(chan struct{})
	defer close(done)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	lines := readLines(in, done)
	first := <-lines
	runtime.ReadMemStats(&after)
	if len(first) > maxPasteBytes+1 {
		t.Fatalf("a %d-byte line arrived whole (%d bytes)", huge, len(first))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Fatalf("reading a %d-byte line allocated %d bytes", huge, alloc)
	}
	if _, err := pasteAddress(first, "http://127.0.0.1:1/callback"); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("the cut line was not refused as too long: %v", err)
	}
	if second := <-lines; strings.TrimSpace(second) != good {
		t.Fatalf("the next line is %.80q", second)
	}
	if _, ok := <-lines; ok {
		t.Fatal("lines after the end of input")
	}
}

func TestReadBoundedLine(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want []string
	}{
		{"a\nbb\n", 10, []string{"a\n", "bb\n"}},
		{"abcdef\ngh", 3, []string{"abcd", "gh"}},
		{strings.Repeat("y", 10000) + "\nz\n", 100, []string{strings.Repeat("y", 101), "z\n"}},
	} {
		br := newSmallReader(tt.in)
		var got []string
		for {
			line, err := readBoundedLine(br, tt.max)
			if line != "" {
				got = append(got, line)
			}
			if err != nil {
				break
			}
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%.20q max %d: %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func newSmallReader(s string) *bufio.Reader { return bufio.NewReaderSize(strings.NewReader(s), 16) }
