package gonbauth

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// maxQueryBytes bounds a redirect's query; real ones are well under 4 KiB.
const maxQueryBytes = 8 << 10

// receiver is the RFC 8252 loopback redirect listener of one flow.
type receiver struct {
	ln          net.Listener
	guard       net.Listener // [::1] on the same port, for "localhost"
	srv         *server
	path        string
	redirectURI string
	check       func(url.Values) verdict

	mu       sync.Mutex
	finished bool
	back     where         // where the browser's page sends the user back to
	result   chan verdict  // receives the one final verdict
	noted    chan struct{} // a response was refused: see refusals
	listed   []string      // refusals to show (see refuse)
	mixUps   int           // mix-up refusals listed
	more     int           // refusals counted but not listed

	stopOnce sync.Once
	stopped  chan struct{} // closed when the server has shut down
}

// How many refused responses are listed: the first few, and every
// possible mix-up up to a bound; the others are counted. A flood of forged
// redirects must neither grow memory nor hide a mix-up warning.
const (
	maxRefusedListed = 5
	maxMixUpsListed  = 5
)

// listenLoopback binds the first free port of ports on 127.0.0.1, falling
// back to [::1] where IPv4 loopback is unavailable. It never binds a
// non-loopback address.
func listenLoopback(ports []int) (net.Listener, error) {
	return listenLoopbackFirst(ports, "tcp4", "127.0.0.1", "tcp6", "::1")
}

// listenLoopbackFirst is listenLoopback trying net1/addr1 before
// net2/addr2 (IPv6 first for a "[::1]" redirect URI).
func listenLoopbackFirst(ports []int, net1, addr1, net2, addr2 string) (net.Listener, error) {
	var inUse []string
	for _, port := range ports {
		ln, err := net.Listen(net1, net.JoinHostPort(addr1, strconv.Itoa(port)))
		if err == nil {
			return ln, nil
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			inUse = append(inUse, strconv.Itoa(port))
			continue
		}
		ln, err6 := net.Listen(net2, net.JoinHostPort(addr2, strconv.Itoa(port)))
		if err6 == nil {
			return ln, nil
		}
		if errors.Is(err6, syscall.EADDRINUSE) {
			inUse = append(inUse, strconv.Itoa(port))
			continue
		}
		return nil, &loopbackError{errors.Join(err, err6)}
	}
	return nil, &portsInUseError{ports: inUse}
}

// guardTries bounds the search for a system-chosen port free on both
// loopback addresses.
const guardTries = 5

// listenFor binds the listener for a redirect URI naming host. For
// "[::1]" it binds IPv6 first, which the browser will connect to. For
// "localhost" it also holds the same port on the other loopback address
// (guard; nil where this machine has no such address), so that no other
// program can receive the redirect there (RFC 8252 §8.3); where another
// program holds it, a system-chosen port is chosen again, and a
// configured one is refused rather than let the code go there.
func listenFor(host string, ports []int) (ln, guard net.Listener, err error) {
	listen := listenLoopback
	if host == "[::1]" {
		listen = func(ports []int) (net.Listener, error) {
			return listenLoopbackFirst(ports, "tcp6", "::1", "tcp4", "127.0.0.1")
		}
	}
	for try := 1; ; try++ {
		if ln, err = listen(ports); err != nil || host != "localhost" {
			return ln, nil, err
		}
		network, other := "tcp6", "::1"
		if a, ok := ln.Addr().(*net.TCPAddr); ok && a.IP.To4() == nil {
			network, other = "tcp4", "127.0.0.1"
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		guard, err = net.Listen(network, net.JoinHostPort(other, port))
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			return ln, guard, nil // held, or no such address here
		}
		ln.Close()
		if !slices.Equal(ports, []int{0}) || try == guardTries {
			return nil, nil, &guardTakenError{addr: net.JoinHostPort(other, port)}
		}
	}
}

// startReceiver listens and serves redirects on path until close.
func startReceiver(ports []int, path string, check func(url.Values) verdict) (*receiver, error) {
	return startReceiverFor("127.0.0.1", ports, path, check)
}

// startReceiverFor is startReceiver for a redirect URI naming host
// (Config.RedirectHost): "127.0.0.1", "localhost" or "[::1]". The
// listener binds a loopback address all the same; for "[::1]" it binds
// IPv6 first, which the browser will connect to.
func startReceiverFor(host string, ports []int, path string, check func(url.Values) verdict) (*receiver, error) {
	ln, guard, err := listenFor(host, ports)
	if err != nil {
		return nil, err
	}
	r := &receiver{
		ln:     ln,
		path:   path,
		check:  check,
		result: make(chan verdict, 1),
		noted:  make(chan struct{}, 1),
	}
	// The redirect URI uses the literal address bound, never "localhost",
	// which may resolve to another interface (RFC 8252 §8.3).
	r.redirectURI = (&url.URL{Scheme: "http", Host: ln.Addr().String(), Path: path}).String()
	if host == "localhost" {
		// Servers that register http://localhost (Microsoft Entra ID,
		// Cognito) refuse an IP literal; browsers resolve localhost to
		// loopback only (RFC 6761 §6.3; Chromium tries each address).
		r.redirectURI = (&url.URL{Scheme: "http", Host: net.JoinHostPort("localhost", r.port()), Path: path}).String()
		r.guard = guard
	}
	r.srv = newServer(r)
	r.srv.serve(ln)
	if r.guard != nil {
		r.srv.serve(r.guard)
	}
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
		r.refuse(&refusalError{reason: fmt.Sprintf("its query is longer than %d bytes", maxQueryBytes)})
		writePage(w, http.StatusRequestURITooLong, page{Title: "Sign-in response refused", Detail: "The response is too long."})
		return
	}
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		r.refuse(&refusalError{reason: "its query is malformed"})
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
		writePage(w, http.StatusBadRequest, page{Title: "Sign-in response refused", Detail: refusalReason(v.err)})
		return
	case v.err != nil:
		writePage(w, http.StatusOK, page{Title: "Sign-in failed", Detail: v.err.Error()})
	default:
		writePage(w, http.StatusOK, page{OK: true, Title: "Sign-in received", Detail: upperFirst(back.finishing())})
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

// refuse notes a refused response for the status: listed while there is
// room (a possible mix-up always has its own), counted otherwise.
func (r *receiver) refuse(err error) {
	why := printableN(refusalReason(err), maxMessage)
	r.mu.Lock()
	switch mix := errors.Is(err, errMixUp); {
	case mix && r.mixUps < maxMixUpsListed:
		r.mixUps++
		r.listed = append(r.listed, why)
	case !mix && len(r.listed)-r.mixUps < maxRefusedListed:
		r.listed = append(r.listed, why)
	default:
		r.more++
	}
	r.mu.Unlock()
	select {
	case r.noted <- struct{}{}:
	default: // a note is already pending; it reads the latest
	}
}

// refusals returns the listed refusals, oldest first (the list only
// grows), and how many more were counted.
func (r *receiver) refusals() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.listed), r.more
}

// stop closes the port at once and lets an in-flight response (the
// "Sign-in received" page) finish in the background, for up to a second,
// so that the token request need not wait for it; close waits for both.
func (r *receiver) stop() {
	r.stopOnce.Do(func() {
		r.ln.Close()
		if r.guard != nil {
			r.guard.Close()
		}
		r.stopped = make(chan struct{})
		go func() {
			defer close(r.stopped)
			r.srv.close(time.Second)
		}()
	})
}

// close stops the receiver and waits until its server has shut down.
func (r *receiver) close() {
	r.stop()
	<-r.stopped
}
