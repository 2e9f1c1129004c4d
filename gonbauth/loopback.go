package gonbauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxQueryBytes bounds a redirect's query; real ones are well under 4 KiB.
const maxQueryBytes = 8 << 10

// receiver is the RFC 8252 loopback redirect listener of one flow.
type receiver struct {
	ln          net.Listener
	srv         *http.Server
	path        string
	redirectURI string
	check       func(url.Values) verdict

	mu       sync.Mutex
	finished bool
	back     where        // where the browser's page sends the user back to
	result   chan verdict // receives the one final verdict
	refused  chan error   // refused responses, for the status display
}

// listenLoopback binds the first free port of ports on 127.0.0.1, falling
// back to [::1] where IPv4 loopback is unavailable. It never binds a
// non-loopback address.
func listenLoopback(ports []int) (net.Listener, error) {
	var inUse []string
	for _, port := range ports {
		ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			return ln, nil
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			inUse = append(inUse, strconv.Itoa(port))
			continue
		}
		ln, err6 := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(port)))
		if err6 == nil {
			return ln, nil
		}
		if errors.Is(err6, syscall.EADDRINUSE) {
			inUse = append(inUse, strconv.Itoa(port))
			continue
		}
		return nil, fmt.Errorf("gonbauth: cannot listen on the loopback interface for the redirect: %w", errors.Join(err, err6))
	}
	return nil, &portsInUseError{ports: inUse}
}

// portsInUseError is every configured port taken. What to do next names
// the setting, so it is added where the user is known (withNextStep).
type portsInUseError struct{ ports []string }

func (e *portsInUseError) Error() string {
	n := len(e.ports)
	return fmt.Sprintf("gonbauth: cannot listen for the redirect: %s %s on 127.0.0.1 %s in use",
		plural(n, "port", "ports"), strings.Join(e.ports, ", "), plural(n, "is", "are all"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// startReceiver listens and serves redirects on path until close.
func startReceiver(ports []int, path string, check func(url.Values) verdict) (*receiver, error) {
	ln, err := listenLoopback(ports)
	if err != nil {
		return nil, err
	}
	r := &receiver{
		ln:      ln,
		path:    path,
		check:   check,
		result:  make(chan verdict, 1),
		refused: make(chan error, 16),
	}
	// The redirect URI uses the literal address bound, never "localhost",
	// which may resolve to another interface (RFC 8252 §8.3).
	r.redirectURI = (&url.URL{Scheme: "http", Host: ln.Addr().String(), Path: path}).String()
	r.srv = &http.Server{
		Handler:           r,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          discardLog,
	}
	go r.srv.Serve(ln)
	return r, nil
}

// setBack sets where the browser's page sends the user back to.
func (r *receiver) setBack(w where) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.back = w
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Connection", "close")
	r.mu.Lock()
	back := r.back
	r.mu.Unlock()
	writePage := func(w http.ResponseWriter, status int, p page) {
		p.Back = back
		writePage(w, status, p)
	}
	if req.URL.Path != r.path {
		writePage(w, http.StatusNotFound, page{Title: "Not found", Detail: "This address is only used to receive a sign-in."})
		return
	}
	if req.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writePage(w, http.StatusMethodNotAllowed, page{Title: "Method not allowed"})
		return
	}
	if len(req.URL.RawQuery) > maxQueryBytes {
		r.refuse(fmt.Errorf("%w: its query is longer than %d bytes", errRefused, maxQueryBytes))
		writePage(w, http.StatusRequestURITooLong, page{Title: "Sign-in response refused", Detail: "The response is too long."})
		return
	}
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		r.refuse(fmt.Errorf("%w: its query is malformed", errRefused))
		writePage(w, http.StatusBadRequest, page{Title: "Sign-in response refused", Detail: "The response is malformed."})
		return
	}

	v, over := r.claim(q)
	switch {
	case over:
		writePage(w, http.StatusConflict, page{Title: "This sign-in has already finished"})
		return
	case !v.final:
		r.refuse(v.err)
		writePage(w, http.StatusBadRequest, page{Title: "Sign-in response refused", Detail: strings.TrimPrefix(v.err.Error(), errRefused.Error()+": ")})
		return
	case v.err != nil:
		writePage(w, http.StatusOK, page{Title: "Sign-in failed", Detail: v.err.Error()})
	default:
		writePage(w, http.StatusOK, page{OK: true, Title: "Sign-in received", Detail: capitalize(back.finishing())})
	}
	// Send the page before the flow closes the listener.
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	r.result <- v
}

// port is the listener's port, for a hosted redirect URL's "{port}".
func (r *receiver) port() string {
	_, port, _ := net.SplitHostPort(r.ln.Addr().String())
	return port
}

// claim checks a response, however it arrived (redirect or paste). The
// first final one ends the flow: the caller must then send it on
// r.result. over reports that an earlier response already did.
func (r *receiver) claim(q url.Values) (v verdict, over bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		return verdict{}, true
	}
	v = r.check(q)
	r.finished = v.final
	return v, false
}

func (r *receiver) refuse(err error) {
	select {
	case r.refused <- err:
	default: // the display is behind; dropping a note is harmless
	}
}

// close stops accepting at once and gives an in-flight response a moment
// to finish. The listener is closed explicitly: Shutdown only closes the
// listeners Serve has registered, and Serve runs in a goroutine that may
// not have started yet.
func (r *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		r.srv.Close()
	}
	r.ln.Close()
}

// discardLog silences net/http's server log: it could print request
// details, and a notebook is no place for them.
var discardLog = log.New(io.Discard, "", 0)
