package gonbauth

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startServer serves h on a loopback port, with timeout on each
// connection; the test closes it.
func startServer(t *testing.T, timeout time.Duration, h http.HandlerFunc) (*server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(h)
	s.timeout = timeout
	s.serve(ln)
	t.Cleanup(func() { s.close(time.Second) })
	return s, ln.Addr().String()
}

// exchange writes raw on a new connection and returns all it reads back
// until the server closes it.
func exchange(t *testing.T, addr, raw string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	return string(b)
}

func hello(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/panic" {
		panic("a bug in the handler")
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Connection", "keep-alive") // the server has the last word
	io.WriteString(w, "hello "+r.URL.Path)
}

// TestServerAnswers: one request per connection, answered by net/http's
// writer, closed after it; and what the parser refuses gets a status.
func TestServerAnswers(t *testing.T) {
	_, addr := startServer(t, 5*time.Second, hello)
	for _, tt := range []struct {
		name, raw string
		want      []string // in the reply, in order
		not       []string
	}{
		{"GET", "GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n", "Connection: close\r\n", "Content-Length: 8\r\n", "\r\n\r\nhello /a"}, []string{"keep-alive"}},
		{"keep-alive is not kept", "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"hello /a"}, []string{"hello /b"}},
		{"HEAD has no body", "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n", "Content-Length: 8\r\n"}, []string{"hello"}},
		{"malformed", "NOT A REQUEST\r\n\r\n", []string{"HTTP/1.1 400 Bad Request\r\n"}, []string{"hello"}},
		{"a handler that panics", "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n", nil, []string{"HTTP"}},
		{"oversized head", "GET /a HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", maxRequestHead) + "\r\n\r\n",
			[]string{"HTTP/1.1 431 "}, []string{"hello"}},
	} {
		got := exchange(t, addr, tt.raw)
		at := 0
		for _, w := range tt.want {
			i := strings.Index(got[at:], w)
			if i < 0 {
				t.Errorf("%s: reply lacks %q after byte %d:\n%q", tt.name, w, at, got)
				break
			}
			at += i + len(w)
		}
		for _, n := range tt.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: reply holds %q:\n%q", tt.name, n, got)
			}
		}
	}
}

// A connection that sends nothing (a browser's speculative one) is
// closed by the deadline, and at once when the server closes.
func TestServerClosesIdleConnections(t *testing.T) {
	_, addr := startServer(t, 200*time.Millisecond, hello)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("an idle connection read %d bytes, %v; want the server to close it", n, err)
	}

	s, addr := startServer(t, time.Minute, hello)
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	waitConns(t, s, false)
	closed := make(chan struct{})
	go func() {
		s.close(time.Minute) // an idle connection does not wait for the grace
		close(closed)
	}()
	c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c2.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after close, an idle connection reads %v, want EOF", err)
	}
	<-closed
}

// close lets a response being written finish within the grace, and cuts
// one that takes longer.
func TestServerCloseGrace(t *testing.T) {
	release := make(chan struct{})
	s, addr := startServer(t, 5*time.Second, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		io.WriteString(w, "done")
	})
	reply := make(chan string, 1)
	go func() { reply <- exchange(t, addr, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n") }()
	waitConns(t, s, true)
	go func() {
		time.Sleep(100 * time.Millisecond)
		close(release)
	}()
	s.close(time.Minute)
	if got := <-reply; !strings.HasSuffix(got, "\r\n\r\ndone") {
		t.Fatalf("the response in flight at close did not finish: %q", got)
	}

	s2, addr2 := startServer(t, 5*time.Second, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Second) // past the grace below
		io.WriteString(w, "late")
	})
	reply2 := make(chan string, 1)
	go func() { reply2 <- exchange(t, addr2, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") }()
	waitConns(t, s2, true)
	s2.close(50 * time.Millisecond)
	if got := <-reply2; got != "" {
		t.Fatalf("a response past the grace was sent: %q", got)
	}
}

// waitConns waits until s has a connection: one with a request being
// answered if busy, else any accepted one.
func waitConns(t *testing.T, s *server, busy bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		found := false
		for _, b := range s.conns {
			found = found || b || !busy
		}
		s.mu.Unlock()
		if found {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no such connection")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
