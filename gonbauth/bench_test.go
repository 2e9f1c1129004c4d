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
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
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
// benchmarks never read or write the user's saved sign-ins. The mode is
// pinned to loopback, which is what the benchmarks measure: the automatic
// mode would take a container (such as CI) for a remote kernel and use the
// device grant or paste instead.
func benchHermetic(b *testing.B) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "GONBAUTH_") {
			b.Setenv(k, "")
		}
	}
	b.Setenv(EnvMode, string(ModeLoopback))
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
	client := &http.Client{Timeout: 30 * time.Second}
	benchEach(b, func(timed func(op func())) {
		if fresh {
			benchCloseIdleConns()
		}
		var md *metadata
		var err error
		timed(func() { md, err = discover(context.Background(), client, issuer) })
		if err != nil {
			b.Fatal(err)
		}
		if md.TokenEndpoint == "" {
			b.Fatal("metadata without a token endpoint")
		}
	})
}

// benchListenerStart times startReceiver (bind a free loopback port and
// start serving) as Login calls it; closing it is outside the timer.
func benchListenerStart(b *testing.B) {
	check := (&callbackCheck{state: "s"}).check
	benchEach(b, func(timed func(op func())) {
		var rcv *receiver
		var err error
		timed(func() { rcv, err = startReceiver([]int{0}, defaultCallbackPath, check) })
		if err != nil {
			b.Fatal(err)
		}
		rcv.close()
	})
}

// benchEach runs iter b.N times with the timer stopped; iter calls timed
// once around the span it measures, which runs the timer only then, so
// setup and checks stay outside. It reports the spans' mean (ms/op) and
// median (median-ms).
func benchEach(b *testing.B, iter func(timed func(op func()))) {
	b.StopTimer()
	var total time.Duration
	var each []time.Duration
	timed := func(op func()) {
		b.StartTimer()
		start := time.Now()
		op()
		d := time.Since(start)
		b.StopTimer()
		total += d
		each = append(each, d)
	}
	for i := 0; i < b.N; i++ {
		iter(timed)
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

// newBenchFakeServer is the unit tests' fakeServer with every handler
// timed. It is closed by tb.Cleanup.
func newBenchFakeServer(tb testing.TB) (*fakeServer, *benchHandlerTimes) {
	times := &benchHandlerTimes{calls: map[string]int{}, time: map[string]time.Duration{}}
	return newWrappedFakeServer(tb, times.wrap), times
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
// server for before returning (since Login fetches the key set while the
// link is shown, nothing; formerly the key set and the userinfo
// endpoint), the ID token check and saving the
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
// redirect (the fake approves at once), waits for the key set request
// Login makes meanwhile (a user takes seconds), and reads the callback URL from
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
		calls, _ := times.snapshot()
		jwks0 := calls["/jwks"]
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
		// The user is in the browser for seconds, long enough for the key
		// set Login fetches meanwhile.
		benchWaitCalls(b, times, "/jwks", jwks0+1)
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
		calls1, time1 := times.snapshot()
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

// benchWaitCalls waits until the fake has served n requests on path.
func benchWaitCalls(b *testing.B, times *benchHandlerTimes, path string, n int) {
	for deadline := time.Now().Add(benchWait); ; time.Sleep(100 * time.Microsecond) {
		calls, _ := times.snapshot()
		if calls[path] >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d requests on %s, want %d", calls[path], path, n)
		}
	}
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

// The benchmarks below measure the saved sign-in: a cell program that
// finds a valid one (BenchmarkFreshProcessLogin), and the refresh of an
// expired one by many goroutines or processes at once
// (BenchmarkRefreshFanIn). Their "-ms/op" metrics are medians over the
// iterations; ns/op is the mean of the span the benchmark timer covers.

// benchServer is an authorization server the store benchmarks sign in to
// and count requests at.
type benchServer struct {
	name, issuer, clientID string
	// browse plays the person at the browser for a sign-in link, up to
	// the page the loopback listener answers the redirect with.
	browse func(link string) error
	// counts returns the requests the server has served so far, of any
	// kind, and the token requests with grant_type=refresh_token.
	counts func(tb testing.TB) (requests, refreshes int)
}

// benchStoreServers starts the bundled oidc-provider and the fake, both
// stopped by b.Cleanup.
func benchStoreServers(b *testing.B) []benchServer {
	dev := devserver.StartT(b, devserver.Options{})
	return []benchServer{
		{name: "devserver", issuer: dev.Issuer, clientID: dev.ClientID, browse: benchDevBrowse,
			counts: func(tb testing.TB) (int, int) {
				st, err := dev.Stats(context.Background())
				if err != nil {
					tb.Fatal(err)
				}
				return st.Requests, st.Grants["refresh_token"]
			}},
		benchFakeServer(b),
	}
}

// benchFakeServer is the unit tests' fake as a benchServer, closed by
// tb.Cleanup.
func benchFakeServer(tb testing.TB) benchServer {
	fake, times := newBenchFakeServer(tb)
	return benchServer{name: "fake", issuer: fake.URL, clientID: "test-client", browse: benchFakeBrowse,
		counts: func(testing.TB) (int, int) {
			calls, _ := times.snapshot()
			n := 0
			for _, c := range calls {
				n += c
			}
			return n, fake.calls("refresh_token")
		}}
}

// benchPage reads a page a browser has landed on: where, and its body.
// Errors name the path only: the query of a callback holds the code.
func benchPage(resp *http.Response, err error) (*url.URL, string, error) {
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("%s: HTTP %d", resp.Request.URL.Path, resp.StatusCode)
	}
	return resp.Request.URL, string(body), nil
}

// benchFakeBrowse follows a sign-in link of the fake, which approves at
// once and redirects to the loopback listener.
func benchFakeBrowse(link string) error {
	tr := &http.Transport{Proxy: nil}
	defer tr.CloseIdleConnections()
	_, _, err := benchPage((&http.Client{Transport: tr, Timeout: benchWait}).Get(link))
	return err
}

// benchDevBrowse signs in at the bundled oidc-provider with plain HTTP, as
// a browser without scripts would: it follows the link to the login page,
// posts the login form (any name and password), then the consent form, and
// follows the redirects to the loopback listener. The forms are described
// at the top of gonbauth/devserver/server.mjs.
func benchDevBrowse(link string) error {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	tr := &http.Transport{Proxy: nil}
	defer tr.CloseIdleConnections()
	c := &http.Client{Jar: jar, Transport: tr, Timeout: benchWait}
	at, page, err := benchPage(c.Get(link))
	for _, form := range []url.Values{
		{"prompt": {"login"}, "login": {"alice"}, "password": {"any"}},
		{"prompt": {"consent"}},
	} {
		if err != nil {
			return err
		}
		if !strings.Contains(page, `name="prompt" value="`+form.Get("prompt")+`"`) {
			return fmt.Errorf("at %s: no %s form", at.Path, form.Get("prompt"))
		}
		at, page, err = benchPage(c.PostForm(at.String(), form))
	}
	if err != nil {
		return err
	}
	if at.Hostname() != "127.0.0.1" || at.Path != defaultCallbackPath || at.Query().Get("code") == "" {
		return fmt.Errorf("the sign-in ended at %s%s, not at the loopback callback with a code", at.Host, at.Path)
	}
	return nil
}

// benchSignIn runs one interactive Login against srv with its store in dir,
// srv.browse acting as the browser, and returns the settings a later Login
// finds the saved sign-in with, and the session.
func benchSignIn(tb testing.TB, srv benchServer, dir string) (*Config, *Session) {
	tb.Helper()
	cfg := &Config{Issuer: srv.issuer, ClientID: srv.clientID, ConfigDir: dir, Timeout: benchWait}
	out := newURLWriter()
	c := *cfg
	c.Output, c.NoBrowser = out, true
	done := make(chan loginResult, 1)
	go func() {
		s, err := Login(context.Background(), &c)
		done <- loginResult{s, err}
	}()
	select {
	case link := <-out.urls:
		if err := srv.browse(link); err != nil {
			tb.Fatalf("signing in at %s: %v", srv.name, err)
		}
	case r := <-done:
		tb.Fatalf("Login returned before showing a link: %v", r.err)
	case <-time.After(benchWait):
		tb.Fatal("no sign-in link written")
	}
	select {
	case r := <-done:
		if r.err != nil {
			tb.Fatalf("signing in at %s: %v", srv.name, r.err)
		}
		if r.sess.FromStore {
			tb.Fatal("the first sign-in came from the store")
		}
		return cfg, r.sess
	case <-time.After(benchWait):
		tb.Fatal("Login did not return after the sign-in")
	}
	return nil, nil
}

// benchCells are the programs run as fresh processes: logincell (one
// gonbauth.Login with every setting from GONBAUTH_*) and emptycell
// (func main() {}), both under internal/cmd.
type benchCells struct{ login, empty, oauth2 string }

// benchBuildCells builds the three programs into a temporary directory with
// go build and its default flags.
func benchBuildCells(b *testing.B) benchCells {
	dir := b.TempDir()
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	c := benchCells{login: filepath.Join(dir, "logincell"+exe), empty: filepath.Join(dir, "emptycell"+exe), oauth2: filepath.Join(dir, "oauth2cell"+exe)}
	for _, p := range []struct{ out, pkg string }{
		{c.login, "./internal/cmd/logincell"},
		{c.empty, "./internal/cmd/emptycell"},
		{c.oauth2, "./internal/cmd/sizereport/oauth2cell"},
	} {
		// The working directory of a test is its package's: gonbauth/.
		if out, err := exec.Command("go", "build", "-o", p.out, p.pkg).CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", p.pkg, err, out)
		}
	}
	return c
}

// insideLogin reads logincell's line: the time spent inside Login. It
// fails tb unless the session came from the saved sign-in.
func (p *cellProc) insideLogin(tb testing.TB) time.Duration {
	ns, from, _ := strings.Cut(strings.TrimSpace(p.out.String()), " ")
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil || from != "store" {
		tb.Fatalf("logincell printed %q, want \"<ns> store\"\nstderr:\n%s", p.out.String(), p.errOut.String())
	}
	return time.Duration(n)
}

// BenchmarkFreshProcessLogin measures a cell program that finds a valid
// saved sign-in, run as a new process each time, as GoNB runs every cell.
// Setup, once per sub-benchmark: an interactive sign-in (the browser's
// part played over HTTP) saves the sign-in in a temporary store. Each
// iteration then runs, as new processes with the store in
// GONBAUTH_CONFIG_DIR, internal/cmd/logincell, which calls
// gonbauth.Login(ctx, nil) and prints the time spent inside it, and
// internal/cmd/emptycell (func main() {}); both built once, with go build
// and default flags, into a temporary directory. The two run in turn, in
// alternating order.
//
//	inside-login-ms/op         time inside Login, measured by the program (median)
//	process-ms/op              logincell, from starting the process to its exit (median)
//	empty-process-ms/op        the same for emptycell (median)
//	process-minus-empty-ms/op  process-ms/op - empty-process-ms/op
//	process-cpu-ms/op          logincell's user+system CPU time (median)
//	empty-process-cpu-ms/op    the same for emptycell (median)
//	server-requests/op         requests the server got while the two ran (must be 0)
//
// ns/op is the mean of logincell's process time.
func BenchmarkFreshProcessLogin(b *testing.B) {
	benchHermetic(b)
	cells := benchBuildCells(b)
	for _, srv := range benchStoreServers(b) {
		b.Run(srv.name, func(b *testing.B) { benchFreshProcess(b, srv, cells) })
	}
}

func benchFreshProcess(b *testing.B, srv benchServer, cells benchCells) {
	b.StopTimer() // each iteration times itself
	dir := filepath.Join(b.TempDir(), "gonbauth")
	benchSignIn(b, srv, dir)
	env := cellEnv(srv.issuer, srv.clientID, dir)
	var inside, wall, empty, cpu, emptyCPU []time.Duration
	requests := 0
	for i := 0; i < b.N; i++ {
		req0, _ := srv.counts(b)
		for k := range 2 {
			if (i+k)%2 == 0 {
				b.StartTimer()
				start := time.Now()
				p := startProc(b, cells.login, env)
				p.wait(b)
				d := time.Since(start)
				b.StopTimer()
				wall = append(wall, d)
				cpu = append(cpu, p.cpu())
				inside = append(inside, p.insideLogin(b))
			} else {
				start := time.Now()
				p := startProc(b, cells.empty, env)
				p.wait(b)
				empty = append(empty, time.Since(start))
				emptyCPU = append(emptyCPU, p.cpu())
			}
		}
		req1, _ := srv.counts(b)
		requests += req1 - req0
	}
	b.ReportMetric(benchMedianMS(inside), "inside-login-ms/op")
	b.ReportMetric(benchMedianMS(wall), "process-ms/op")
	b.ReportMetric(benchMedianMS(empty), "empty-process-ms/op")
	b.ReportMetric(benchMedianMS(wall)-benchMedianMS(empty), "process-minus-empty-ms/op")
	b.ReportMetric(benchMedianMS(cpu), "process-cpu-ms/op")
	b.ReportMetric(benchMedianMS(emptyCPU), "empty-process-cpu-ms/op")
	b.ReportMetric(float64(requests)/float64(b.N), "server-requests/op")
}

// BenchmarkRefreshFanIn measures the refresh of an expired sign-in that
// many callers need at once. Setup, once per sub-benchmark: an interactive
// sign-in saves the sign-in in a temporary store. Each iteration first
// makes the access token look expired, in the store (as time would) and,
// for goroutines-*, in the session, and empties the connection pool (a
// token expires an hour after the last request), all outside the timer.
//
//	goroutines-N  N goroutines, already started and waiting, call
//	              sess.Token() of one session at once
//	processes-N   N logincell processes (see BenchmarkFreshProcessLogin)
//	              are started one after the other, as fast as possible,
//	              over the one store
//
//	all-tokens-ms/op             from the release (goroutines) or the first
//	                             start (processes) until every caller has its
//	                             token or has exited (median); ns/op is the mean
//	refreshes-at-server/op       token requests with grant_type=refresh_token
//	                             that reached the server (must be 1)
//	slowest-inside-login-ms/op   processes-N: the longest time one process
//	                             spent inside Login, per iteration (median)
func BenchmarkRefreshFanIn(b *testing.B) {
	benchHermetic(b)
	cells := benchBuildCells(b)
	servers := benchStoreServers(b)
	for _, n := range []int{1, 1000} {
		for _, srv := range servers {
			b.Run(fmt.Sprintf("goroutines-%d/%s", n, srv.name), func(b *testing.B) { benchRefreshGoroutines(b, srv, n) })
		}
	}
	for _, n := range []int{1, 8} {
		for _, srv := range servers {
			b.Run(fmt.Sprintf("processes-%d/%s", n, srv.name), func(b *testing.B) { benchRefreshProcesses(b, srv, cells, n) })
		}
	}
}

func benchRefreshGoroutines(b *testing.B, srv benchServer, callers int) {
	b.StopTimer() // each iteration times itself
	cfg, sess := benchSignIn(b, srv, filepath.Join(b.TempDir(), "gonbauth"))
	var each []time.Duration
	refreshes := 0
	for i := 0; i < b.N; i++ {
		old := expireSaved(b, cfg)
		sess.src.mu.Lock()
		if sess.src.tok.AccessToken != old {
			sess.src.mu.Unlock()
			b.Fatal("the session's token is not the saved one")
		}
		expired := *sess.src.tok
		expired.Expiry = time.Now().Add(-time.Minute)
		sess.src.tok = &expired
		sess.src.mu.Unlock()
		benchCloseIdleConns()
		_, ref0 := srv.counts(b)

		release := make(chan struct{})
		var ready, done sync.WaitGroup
		toks := make([]string, callers)
		errs := make([]error, callers)
		for j := range callers {
			ready.Add(1)
			done.Add(1)
			go func() {
				defer done.Done()
				ready.Done()
				<-release
				tok, err := sess.Token()
				if err == nil {
					toks[j] = tok.AccessToken
				}
				errs[j] = err
			}()
		}
		ready.Wait()
		b.StartTimer()
		start := time.Now()
		close(release)
		done.Wait()
		d := time.Since(start)
		b.StopTimer()
		each = append(each, d)

		for j := range callers {
			if errs[j] != nil {
				b.Fatalf("caller %d: %v", j, errs[j])
			}
		}
		_, ref1 := srv.counts(b)
		refreshes += ref1 - ref0
	}
	b.ReportMetric(benchMedianMS(each), "all-tokens-ms/op")
	b.ReportMetric(float64(refreshes)/float64(b.N), "refreshes-at-server/op")
}

func benchRefreshProcesses(b *testing.B, srv benchServer, cells benchCells, procs int) {
	b.StopTimer() // each iteration times itself
	dir := filepath.Join(b.TempDir(), "gonbauth")
	cfg, _ := benchSignIn(b, srv, dir)
	env := cellEnv(srv.issuer, srv.clientID, dir)
	var each, slowest []time.Duration
	refreshes := 0
	for i := 0; i < b.N; i++ {
		expireSaved(b, cfg)
		_, ref0 := srv.counts(b)

		ps := make([]*cellProc, procs)
		b.StartTimer()
		start := time.Now()
		for j := range ps {
			ps[j] = startProc(b, cells.login, env)
		}
		for _, p := range ps {
			p.wait(b)
		}
		d := time.Since(start)
		b.StopTimer()
		each = append(each, d)

		var most time.Duration
		for _, p := range ps {
			most = max(most, p.insideLogin(b))
		}
		slowest = append(slowest, most)
		_, ref1 := srv.counts(b)
		refreshes += ref1 - ref0
	}
	b.ReportMetric(benchMedianMS(each), "all-tokens-ms/op")
	b.ReportMetric(benchMedianMS(slowest), "slowest-inside-login-ms/op")
	b.ReportMetric(float64(refreshes)/float64(b.N), "refreshes-at-server/op")
}
