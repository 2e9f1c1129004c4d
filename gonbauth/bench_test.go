package gonbauth

// Benchmarks of the two waits a person can notice in a sign-in: from
// calling Login to the link appearing, and from the browser's redirect
// reaching the loopback listener to Login returning. They measure and
// report; they assert nothing about timing. BENCHMARKS.md has the figures
// and how they were taken (make bench).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
)

// benchWait bounds every wait in the benchmarks, so that a broken flow
// fails instead of hanging.
const benchWait = 20 * time.Second

func benchMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchCloseIdleConns drops the pooled connections of http.DefaultTransport,
// which Login's default HTTP client uses: the next request to the
// authorization server dials again, as the first one of a fresh cell
// program does (GoNB runs every cell as a new process).
func benchCloseIdleConns() {
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

// benchConnModes are the two states of the connection pool an iteration starts
// from: a kept-alive connection to the server (a second Login in the same
// process), or none (a new cell program, or a server that closed it).
var benchConnModes = []struct {
	name  string
	fresh bool
}{{"reuse-conn", false}, {"new-conn", true}}

// waitPortFree waits until the redirect listener of link refuses
// connections, and says whether it still accepted one when first tried,
// right after Login returned. It fails tb if the port stays open for
// benchWait: a leaked listener.
//
// The late case is a race in the library, not in the benchmark: Login
// starts the listener's http.Server.Serve in a goroutine, and when Login
// ends (here: cancelled) before that goroutine has run, Server.Shutdown
// has no tracked listener to close; Serve's own deferred Close frees the
// port a moment after Login has returned. See BENCHMARKS.md.
func waitPortFree(tb testing.TB, link string) (late bool) {
	tb.Helper()
	u, err := url.Parse(link)
	if err != nil {
		tb.Fatal(err)
	}
	ru, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil {
		tb.Fatal(err)
	}
	for deadline := time.Now().Add(benchWait); ; late = true {
		c, err := net.DialTimeout("tcp", ru.Host, time.Second)
		if err != nil {
			return late
		}
		c.Close()
		if time.Now().After(deadline) {
			tb.Fatalf("the listener at %s still accepts connections %v after Login returned", ru.Host, benchWait)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkLoginToLink measures the time from calling Login to the sign-in
// link being written to Config.Output (the terminal view; the notebook view
// renders the same status as HTML). Login fetches the issuer's metadata
// each time; the link appears after the fetch, the PKCE and state values
// and the loopback listener's start. Each iteration then cancels Login and
// waits, outside the timer, for it to return and free its port.
//
// devserver/... runs against the bundled oidc-provider (Node.js) over
// loopback; fake/... against the in-process httptest server of the unit
// tests; explicit-endpoints sets AuthURL and TokenURL, so that Login
// fetches no metadata; parts/... times the two pieces of that path that do I/O on their
// own: the metadata fetch (discover) and the listener start.
func BenchmarkLoginToLink(b *testing.B) {
	dev := devserver.StartT(b, devserver.Options{}) // closed by b.Cleanup
	fake := newBenchFakeServer(b, nil, nil)
	servers := []struct{ name, issuer, clientID string }{
		{"devserver", dev.Issuer, dev.ClientID},
		{"fake", fake.URL, "test-client"},
	}
	for _, srv := range servers {
		for _, cm := range benchConnModes {
			b.Run(srv.name+"/"+cm.name, func(b *testing.B) {
				benchLoginToLink(b, Config{Issuer: srv.issuer, ClientID: srv.clientID}, cm.fresh)
			})
		}
	}
	// No server contact at all: the floor of Login's own work.
	b.Run("explicit-endpoints", func(b *testing.B) {
		benchLoginToLink(b, Config{ClientID: "test-client", AuthURL: fake.URL + "/authorize", TokenURL: fake.URL + "/token"}, false)
	})
	for _, srv := range servers {
		for _, cm := range benchConnModes {
			b.Run("parts/discover-"+srv.name+"/"+cm.name, func(b *testing.B) {
				benchDiscover(b, srv.issuer, cm.fresh)
			})
		}
	}
	b.Run("parts/listener-start", benchListenerStart)
}

// benchLoginToLink runs Login with cfg (which it completes with Output
// and NoBrowser) until the link is written.
func benchLoginToLink(b *testing.B, base Config, fresh bool) {
	var total time.Duration
	late := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if fresh {
			benchCloseIdleConns()
		}
		ctx, cancel := context.WithCancel(context.Background())
		out := newURLWriter()
		cfg := base
		cfg.Output, cfg.NoBrowser = out, true
		done := make(chan error, 1)

		b.StartTimer()
		start := time.Now()
		go func() {
			_, err := Login(ctx, &cfg)
			done <- err
		}()
		var link string
		select {
		case link = <-out.urls:
			total += time.Since(start)
			b.StopTimer()
		case err := <-done:
			cancel()
			b.Fatalf("Login returned before showing a link: %v", err)
		case <-time.After(benchWait):
			cancel()
			b.Fatal("no sign-in link written")
		}

		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, ErrCancelled) {
				b.Fatalf("Login after cancel: err = %v, want ErrCancelled", err)
			}
		case <-time.After(benchWait):
			b.Fatal("Login did not return after its context was cancelled")
		}
		if waitPortFree(b, link) {
			late++
		}
	}
	b.ReportMetric(benchMS(total)/float64(b.N), "ms/op")
	// The fraction of iterations in which the port still accepted a
	// connection right after Login returned (see waitPortFree).
	b.ReportMetric(float64(late)/float64(b.N), "late-port-close/op")
}

// benchDiscover times the metadata fetch alone, with the HTTP client Login
// uses by default.
func benchDiscover(b *testing.B, issuer string, fresh bool) {
	client := &http.Client{Timeout: 30 * time.Second}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if fresh {
			benchCloseIdleConns()
		}
		b.StartTimer()
		start := time.Now()
		md, err := discover(context.Background(), client, issuer)
		total += time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if md.TokenEndpoint == "" {
			b.Fatal("metadata without a token endpoint")
		}
	}
	b.ReportMetric(benchMS(total)/float64(b.N), "ms/op")
}

// benchListenerStart times startReceiver (bind a free loopback port and
// start serving) as Login calls it; closing it is outside the timer.
func benchListenerStart(b *testing.B) {
	check := (&callbackCheck{state: "s"}).check
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StartTimer()
		start := time.Now()
		rcv, err := startReceiver([]int{0}, DefaultCallbackPath, check)
		total += time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		rcv.close()
	}
	b.ReportMetric(benchMS(total)/float64(b.N), "ms/op")
}

// benchHandlerTimer adds up the time an HTTP handler spends, from its call to
// its return: the server's own work, without reading the request line and
// headers or writing the buffered response to the socket.
type benchHandlerTimer struct {
	calls atomic.Int64
	nanos atomic.Int64
}

func (h *benchHandlerTimer) wrap(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next(w, r)
		h.nanos.Add(int64(time.Since(start)))
		h.calls.Add(1)
	}
}

func (h *benchHandlerTimer) snapshot() (int64, time.Duration) {
	return h.calls.Load(), time.Duration(h.nanos.Load())
}

// newBenchFakeServer builds the unit tests' fakeServer (newFakeServer takes
// a *testing.T, which benchmarks do not have) with the same defaults and
// routes, its /token and /userinfo handlers wrapped by the given timers
// (nil: not timed). It is closed by tb.Cleanup.
func newBenchFakeServer(tb testing.TB, tokenTimer, userinfoTimer *benchHandlerTimer) *fakeServer {
	f := &fakeServer{methods: []string{"S256"}, issParam: true, expiresIn: 3600,
		codes: map[string]codeGrant{}, tokenCalls: map[string]int{}}
	token, userinfo := http.HandlerFunc(f.token), http.HandlerFunc(f.userinfo)
	if tokenTimer != nil {
		token = tokenTimer.wrap(token)
	}
	if userinfoTimer != nil {
		userinfo = userinfoTimer.wrap(userinfo)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", f.metadata)
	mux.HandleFunc("/authorize", f.authorize)
	mux.HandleFunc("/token", token)
	mux.HandleFunc("/userinfo", userinfo)
	f.Server = httptest.NewUnstartedServer(mux)
	f.Start()
	tb.Cleanup(f.Close)
	return f
}

// BenchmarkCallbackToReturn measures the client's time from the moment the
// browser's redirect is sent to the loopback listener until Login returns
// the session, against the fake server (in process, over loopback). That
// span holds: the listener's handling and reply, closing the listener, the
// token request (code exchange with PKCE), and the best-effort userinfo
// request. The fake's /token and /userinfo handlers are timed separately,
// so that the client's own share can be told apart:
//
//	callback-to-return-ms/op  redirect sent -> Login returned
//	token-endpoint-ms/op      time inside the /token handler
//	userinfo-endpoint-ms/op   time inside the /userinfo handler
//	client-overhead-ms/op     callback-to-return - token-endpoint
//	client-own-ms/op          callback-to-return - token-endpoint - userinfo-endpoint
//
// Per iteration, outside the timer: Login starts and shows its link, the
// benchmark does the authorization request itself without following the
// redirect (the fake approves at once), and reads the callback URL from
// the Location header. reuse-conn keeps the connection the metadata fetch
// left in the pool for the token request; new-conn drops it first, as
// happens when the user takes longer to sign in than the server keeps idle
// connections open.
func BenchmarkCallbackToReturn(b *testing.B) {
	var tokenT, userinfoT benchHandlerTimer
	fake := newBenchFakeServer(b, &tokenT, &userinfoT)
	// The browser's side: its own transport, and no redirect following.
	browserTr := &http.Transport{Proxy: nil}
	b.Cleanup(browserTr.CloseIdleConnections)
	browser := &http.Client{
		Transport:     browserTr,
		Timeout:       benchWait,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for _, cm := range benchConnModes {
		b.Run(cm.name, func(b *testing.B) {
			benchCallbackToReturn(b, fake, browser, &tokenT, &userinfoT, cm.fresh)
		})
	}
}

func benchCallbackToReturn(b *testing.B, fake *fakeServer, browser *http.Client, tokenT, userinfoT *benchHandlerTimer, fresh bool) {
	type result struct {
		sess *Session
		err  error
		at   time.Time // when Login returned
	}
	var total, tokenTotal, userinfoTotal time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		out := newURLWriter()
		cfg := &Config{Issuer: fake.URL, ClientID: "test-client", NoBrowser: true, Output: out}
		done := make(chan result, 1)
		go func() {
			s, err := Login(context.Background(), cfg)
			done <- result{s, err, time.Now()}
		}()
		var link string
		select {
		case link = <-out.urls:
		case r := <-done:
			b.Fatalf("Login returned before showing a link: %v", r.err)
		case <-time.After(benchWait):
			b.Fatal("no sign-in link written")
		}
		callback, err := benchAuthorize(browser, link)
		if err != nil {
			b.Fatal(err)
		}
		if fresh {
			benchCloseIdleConns()
		}
		tokenCalls0, tokenTime0 := tokenT.snapshot()
		userinfoCalls0, userinfoTime0 := userinfoT.snapshot()

		b.StartTimer()
		start := time.Now()
		page, err := benchGet(browser, callback)
		if err != nil {
			b.Fatalf("sending the callback: %v", err)
		}
		var r result
		select {
		case r = <-done:
		case <-time.After(benchWait):
			b.Fatal("Login did not return after the callback")
		}
		b.StopTimer()

		if r.err != nil {
			b.Fatalf("Login: %v (callback page: %s)", r.err, page)
		}
		if r.sess.Subject != "alice" {
			b.Fatalf("session subject %q: the userinfo request did not succeed", r.sess.Subject)
		}
		tokenCalls1, tokenTime1 := tokenT.snapshot()
		userinfoCalls1, userinfoTime1 := userinfoT.snapshot()
		if tokenCalls1-tokenCalls0 != 1 || userinfoCalls1-userinfoCalls0 != 1 {
			b.Fatalf("%d token and %d userinfo requests in one sign-in, want 1 each", tokenCalls1-tokenCalls0, userinfoCalls1-userinfoCalls0)
		}
		total += r.at.Sub(start)
		tokenTotal += tokenTime1 - tokenTime0
		userinfoTotal += userinfoTime1 - userinfoTime0
		if waitPortFree(b, link) {
			b.Fatal("the listener still accepted connections after Login returned")
		}
	}
	n := float64(b.N)
	b.ReportMetric(benchMS(total)/n, "callback-to-return-ms/op")
	b.ReportMetric(benchMS(tokenTotal)/n, "token-endpoint-ms/op")
	b.ReportMetric(benchMS(userinfoTotal)/n, "userinfo-endpoint-ms/op")
	b.ReportMetric(benchMS(total-tokenTotal)/n, "client-overhead-ms/op")
	b.ReportMetric(benchMS(total-tokenTotal-userinfoTotal)/n, "client-own-ms/op")
}

// benchAuthorize sends the authorization request of link and returns the
// redirect it answers with: the callback URL, not followed.
func benchAuthorize(browser *http.Client, link string) (string, error) {
	resp, err := browser.Get(link)
	if err != nil {
		return "", fmt.Errorf("authorization request: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("authorization request: HTTP %d, want a redirect", resp.StatusCode)
	}
	return resp.Header.Get("Location"), nil
}

// benchGet fetches u and returns its body.
func benchGet(client *http.Client, u string) (string, error) {
	resp, err := client.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	return string(body), nil
}
