package gonbauth

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// server answers the loopback listener's requests, one per connection.
// The listener receives a handful of browser requests (the redirect, a
// favicon, a speculative connection or two), and net/http's Server, with
// its keep-alives, connection states and HTTP/2 server, adds half a
// megabyte to every cell program that links gonbauth (BENCHMARKS.md). So
// net/http parses each request (ReadRequest) and writes each response
// (Response.Write); this type only bounds them: one request per
// connection, a deadline on each connection, a limit on the request's
// head, and every connection closed when the flow ends.
type server struct {
	handler http.Handler
	timeout time.Duration // per connection: connTimeout

	mu     sync.Mutex
	lns    []net.Listener
	conns  map[net.Conn]bool // open connections; true once a request is being answered
	closed bool
	wg     sync.WaitGroup // accept loops and connections
}

const (
	// connTimeout bounds a connection, from accept to the response sent.
	connTimeout = 10 * time.Second
	// maxRequestHead bounds the request line and headers, which is all
	// the listener reads: it answers GET, whose requests have no body.
	maxRequestHead = 32 << 10
)

func newServer(h http.Handler) *server {
	return &server{handler: h, timeout: connTimeout, conns: map[net.Conn]bool{}}
}

// serve accepts connections on ln until close.
func (s *server) serve(ln net.Listener) {
	s.mu.Lock()
	s.lns = append(s.lns, ln)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var pause time.Duration
		for {
			c, err := ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) || s.isClosed() {
					return
				}
				// Out of file descriptors, say: wait, as net/http does.
				pause = min(max(2*pause, 5*time.Millisecond), time.Second)
				time.Sleep(pause)
				continue
			}
			pause = 0
			if !s.track(c) {
				c.Close()
				return
			}
			go s.serveConn(c)
		}
	}()
}

func (s *server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// track registers a new connection, unless the server is closed.
func (s *server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = false
	s.wg.Add(1)
	return true
}

func (s *server) serveConn(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	c.SetDeadline(time.Now().Add(s.timeout))
	head := &io.LimitedReader{R: c, N: maxRequestHead}
	req, err := http.ReadRequest(bufio.NewReader(head))
	if err != nil {
		// A speculative connection that sent nothing, one that timed
		// out, or a request the parser refuses: nothing the flow needs
		// to hear of; the browser gets a status where it can use one.
		switch {
		case head.N == 0:
			io.WriteString(c, "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
		case !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, net.ErrClosed) && !isTimeout(err):
			io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
		}
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.conns[c] = true
	s.mu.Unlock()
	req.RemoteAddr = c.RemoteAddr().String()
	w := &responseWriter{conn: c, req: req, header: http.Header{}}
	// As net/http's Server does: a request that makes the handler panic
	// loses its connection, not the program (the flow's timeout still
	// bounds the sign-in).
	defer func() { recover() }()
	s.handler.ServeHTTP(w, req)
	w.Flush()
}

// close closes the listeners and the connections that have not sent a
// request, lets the responses being written finish for up to grace, then
// closes everything and waits for it.
func (s *server) close(grace time.Duration) {
	s.mu.Lock()
	s.closed = true
	for _, ln := range s.lns {
		ln.Close()
	}
	for c, busy := range s.conns {
		if !busy {
			c.Close()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	<-done
}

// responseWriter keeps the response until Flush (or the handler's
// return) writes it whole, with Connection: close.
type responseWriter struct {
	conn    net.Conn
	req     *http.Request
	header  http.Header
	status  int
	body    bytes.Buffer
	written bool
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.written {
		return 0, http.ErrBodyNotAllowed
	}
	return w.body.Write(p)
}

// Flush sends the response; the handler calls it before it ends the
// flow, so that the page is on its way before the listener closes.
func (w *responseWriter) Flush() {
	if w.written {
		return
	}
	w.written = true
	w.WriteHeader(http.StatusOK)
	resp := &http.Response{
		StatusCode:    w.status,
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		ContentLength: int64(w.body.Len()),
		Close:         true,
		Request:       w.req,
	}
	w.header.Del("Connection") // Close says it, once
	if w.req.Method != http.MethodHead {
		resp.Body = io.NopCloser(&w.body)
	}
	resp.Write(w.conn)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
