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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
)

// benchWait bounds every wait in the benchmarks, so that a broken flow
// fails instead of hanging.
const benchWait = 20 * time.Second

func benchMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchMedianMS is the median of ds in milliseconds. The means (ms/op and
// ns/op) take every outlier a shared machine produces; the median is
// reported beside them.
func benchMedianMS(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return benchMS(s[n/2])
	}
	return benchMS(s[n/2-1]+s[n/2]) / 2
}

// benchHermetic clears the GONBAUTH_* environment for the benchmark, so
// that the settings of whoever runs it (ports, scopes, a config dir) do not
// change what is measured. Each Config also sets its own ConfigDir: the
// benchmarks never read or write the user's saved sign-ins.
func benchHermetic(b *testing.B) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "GONBAUTH_") {
			b.Setenv(k, "")
		}
	}
}

// benchCloseIdleConns drops the pooled connections of http.DefaultTransport,
// which Login's default HTTP client uses: the next request to the
// authorization server dials again, as the first one of a fresh cell
// program does (GoNB runs every cell as a new process).
func benchCloseIdleConns() {
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

// benchConnModes are the two states of the connection pool an iteration
// starts from: a kept-alive connection to the server (a second Login in the
// same process), or none (a new cell program, or a server that closed it).
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
// renders the same status as HTML). Before the link, Login looks for a
// saved sign-in (an empty store here), fetches the issuer's metadata, makes
// the PKCE verifier, state and nonce, and starts the loopback listener.
// Each iteration then cancels Login and waits, outside the timer, for it to
// return and free its port.
//
// devserver/... runs against the bundled oidc-provider (Node.js) over
// loopback; fake/... against the in-process httptest server of the unit
// tests; explicit-endpoints sets AuthURL and TokenURL and no issuer, so
// that Login fetches no metadata; parts/... times the two pieces of the
// path that do I/O of their own: the metadata fetch (discover) and the
// listener start (startReceiver).
func BenchmarkLoginToLink(b *testing.B) {
	benchHermetic(b)
	dev := devserver.StartT(b, devserver.Options{}) // closed by b.Cleanup
	fake, _ := newBenchFakeServer(b)
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

// benchLoginToLink runs Login with base (completed with Output, NoBrowser
// and an empty ConfigDir) until the link is written.
func benchLoginToLink(b *testing.B, base Config, fresh bool) {
	b.StopTimer() // each iteration times itself
	base.ConfigDir = filepath.Join(b.TempDir(), "gonbauth")
	var total time.Duration
	var each []time.Duration
	late := 0
	for i := 0; i < b.N; i++ {
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
			d := time.Since(start)
			b.StopTimer()
			total += d
			each = append(each, d)
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
	b.ReportMetric(benchMedianMS(each), "median-ms")
	// The fraction of iterations in which the port still accepted a
	// connection right after Login returned (see waitPortFree).
	b.ReportMetric(float64(late)/float64(b.N), "late-port-close/op")
}

// benchDiscover times the metadata fetch alone, with the HTTP client Login
// uses by default.
func benchDiscover(b *testing.B, issuer string, fresh bool) {
	b.StopTimer() // each iteration times itself
	client := &http.Client{Timeout: 30 * time.Second}
	var total time.Duration
	var each []time.Duration
	for i := 0; i < b.N; i++ {
		if fresh {
			benchCloseIdleConns()
		}
		b.StartTimer()
		start := time.Now()
		md, err := discover(context.Background(), client, issuer)
		d := time.Since(start)
		b.StopTimer()
		total += d
		each = append(each, d)
		if err != nil {
			b.Fatal(err)
		}
		if md.TokenEndpoint == "" {
			b.Fatal("metadata without a token endpoint")
		}
	}
	b.ReportMetric(benchMS(total)/float64(b.N), "ms/op")
	b.ReportMetric(benchMedianMS(each), "median-ms")
}

// benchListenerStart times startReceiver (bind a free loopback port and
// start serving) as Login calls it; closing it is outside the timer.
func benchListenerStart(b *testing.B) {
	b.StopTimer() // each iteration times itself
	check := (&callbackCheck{state: "s"}).check
	var total time.Duration
	var each []time.Duration
	for i := 0; i < b.N; i++ {
		b.StartTimer()
		start := time.Now()
		rcv, err := startReceiver([]int{0}, DefaultCallbackPath, check)
		d := time.Since(start)
		b.StopTimer()
		total += d
		each = append(each, d)
		if err != nil {
			b.Fatal(err)
		}
		rcv.close()
	}
	b.ReportMetric(benchMS(total)/float64(b.N), "ms/op")
	b.ReportMetric(benchMedianMS(each), "median-ms")
}

// benchHandlerTimes adds up, by URL path, the time the fake server's
// handlers spend from their call to their return: the server's own work,
// without reading the request line and headers or writing the buffered
// response to the socket.
type benchHandlerTimes struct {
	mu    sync.Mutex
	calls map[string]int
	time  map[string]time.Duration
}

func (h *benchHandlerTimes) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		d := time.Since(start)
		h.mu.Lock()
		h.calls[r.URL.Path]++
		h.time[r.URL.Path] += d
		h.mu.Unlock()
	})
}

// snapshot returns copies of the calls and times by path so far.
func (h *benchHandlerTimes) snapshot() (map[string]int, map[string]time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	calls, times := make(map[string]int, len(h.calls)), make(map[string]time.Duration, len(h.time))
	for k, v := range h.calls {
		calls[k] = v
	}
	for k, v := range h.time {
		times[k] = v
	}
	return calls, times
}

// newBenchFakeServer builds the unit tests' fakeServer with the same
// defaults and routes as newFakeServer (which takes a *testing.T, which
// benchmarks do not have; keep the two in step), every handler timed. It
// is closed by tb.Cleanup.
func newBenchFakeServer(tb testing.TB) (*fakeServer, *benchHandlerTimes) {
	f := &fakeServer{methods: []string{"S256"}, issParam: true, expiresIn: 3600,
		codes: map[string]codeGrant{}, tokenCalls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", f.metadata)
	mux.HandleFunc("/authorize", f.authorize)
	mux.HandleFunc("/token", f.token)
	mux.HandleFunc("/userinfo", f.userinfo)
	mux.HandleFunc("/jwks", f.jwks)
	times := &benchHandlerTimes{calls: map[string]int{}, time: map[string]time.Duration{}}
	f.Server = httptest.NewUnstartedServer(times.wrap(mux))
	f.Start()
	tb.Cleanup(f.Close)
	return f, times
}

// benchEndpoints name the fake server's paths in the reported metrics.
var benchEndpoints = []struct{ path, metric string }{
	{"/token", "token-endpoint-ms/op"},
	{"/jwks", "jwks-endpoint-ms/op"},
	{"/userinfo", "userinfo-endpoint-ms/op"},
	{"/.well-known/openid-configuration", "metadata-endpoint-ms/op"},
}

// BenchmarkCallbackToReturn measures the client's time from the moment the
// browser's redirect is sent to the loopback listener until Login returns
// the session, against the fake server (in process, over loopback). That
// span holds the listener's handling and reply, closing the listener, the
// token request (code exchange with PKCE), whatever else Login asks the
// server for before returning (the key set to verify the ID token with;
// formerly the userinfo endpoint), the ID token check and saving the
// sign-in to a store (a fresh, empty ConfigDir per iteration: a first
// sign-in). Every handler of the fake is timed, so that the client's own
// share can be told apart:
//
//	callback-to-return-ms/op  redirect sent -> Login returned (mean; -median-ms: median)
//	token-endpoint-ms/op      time inside the /token handler (signs an RS256 ID token)
//	jwks-endpoint-ms/op       time inside the /jwks handler, when Login asks for it
//	userinfo-endpoint-ms/op   time inside the /userinfo handler, when Login asks for it
//	server-requests/op        requests the fake served in the span
//	client-overhead-ms/op     callback-to-return - token-endpoint
//	client-own-ms/op          callback-to-return - every handler's time
//
// Per iteration, outside the timer: Login starts and shows its link, the
// benchmark sends the authorization request itself without following the
// redirect (the fake approves at once), and reads the callback URL from
// the Location header. reuse-conn leaves the connection that the metadata
// fetch put in the pool for the token request; new-conn drops it first, as
// happens when the user takes longer to sign in than the server keeps idle
// connections open.
func BenchmarkCallbackToReturn(b *testing.B) {
	benchHermetic(b)
	fake, times := newBenchFakeServer(b)
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
			benchCallbackToReturn(b, fake, times, browser, cm.fresh)
		})
	}
}

func benchCallbackToReturn(b *testing.B, fake *fakeServer, times *benchHandlerTimes, browser *http.Client, fresh bool) {
	type result struct {
		sess *Session
		err  error
		at   time.Time // when Login returned
	}
	b.StopTimer() // each iteration times itself
	var total time.Duration
	var each []time.Duration
	spanCalls := map[string]int{}
	spanTime := map[string]time.Duration{}
	late := 0
	for i := 0; i < b.N; i++ {
		out := newURLWriter()
		cfg := &Config{Issuer: fake.URL, ClientID: "test-client", NoBrowser: true, Output: out,
			ConfigDir: filepath.Join(b.TempDir(), "gonbauth")}
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
		calls0, time0 := times.snapshot()

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
			b.Fatalf("session subject %q, want alice", r.sess.Subject)
		}
		calls1, time1 := times.snapshot()
		if n := calls1["/token"] - calls0["/token"]; n != 1 {
			b.Fatalf("%d token requests in one sign-in, want 1", n)
		}
		for path, n := range calls1 {
			spanCalls[path] += n - calls0[path]
			spanTime[path] += time1[path] - time0[path]
		}
		total += r.at.Sub(start)
		each = append(each, r.at.Sub(start))
		if waitPortFree(b, link) {
			late++
		}
	}
	n := float64(b.N)
	var serverTime time.Duration
	requests := 0
	for path, d := range spanTime {
		serverTime += d
		requests += spanCalls[path]
	}
	b.ReportMetric(benchMS(total)/n, "callback-to-return-ms/op")
	b.ReportMetric(benchMedianMS(each), "callback-to-return-median-ms")
	for _, e := range benchEndpoints {
		if spanCalls[e.path] > 0 {
			b.ReportMetric(benchMS(spanTime[e.path])/n, e.metric)
		}
	}
	b.ReportMetric(float64(requests)/n, "server-requests/op")
	b.ReportMetric(benchMS(total-spanTime["/token"])/n, "client-overhead-ms/op")
	b.ReportMetric(benchMS(total-serverTime)/n, "client-own-ms/op")
	b.ReportMetric(float64(late)/n, "late-port-close/op")
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
