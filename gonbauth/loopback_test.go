package gonbauth

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func newTestReceiver(t *testing.T, ports []int) *receiver {
	t.Helper()
	c := &callbackCheck{issuer: "https://login.example.com", state: "s1"}
	r, err := startReceiver(ports, "/callback", c.check)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	return r
}

func get(t *testing.T, method, u string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestReceiverBindsLoopbackOnly(t *testing.T) {
	r := newTestReceiver(t, []int{0})
	addr := r.ln.Addr().(*net.TCPAddr)
	if !addr.IP.IsLoopback() {
		t.Fatalf("listening on %v, not loopback", addr)
	}
	u, _ := url.Parse(r.redirectURI)
	if u.Hostname() != "127.0.0.1" || u.Path != "/callback" || u.Port() != strconv.Itoa(addr.Port) {
		t.Fatalf("redirect URI %q does not match the listener %v", r.redirectURI, addr)
	}
}

// TestReceiverMatrix sends requests that must not end the flow, then the
// real one, which must.
func TestReceiverMatrix(t *testing.T) {
	r := newTestReceiver(t, []int{0})
	base := strings.TrimSuffix(r.redirectURI, "/callback")
	notFinal := []struct {
		name, method, path string
		status             int
		refused            bool
	}{
		{"other path", "GET", "/favicon.ico", 404, false},
		{"root", "GET", "/", 404, false},
		{"callback prefix", "GET", "/callbackx?code=c&state=s1", 404, false},
		{"POST", "POST", "/callback?code=c&state=s1", 405, false},
		{"HEAD", "HEAD", "/callback?code=c&state=s1", 405, false},
		{"PUT", "PUT", "/callback?code=c&state=s1", 405, false},
		{"wrong state", "GET", "/callback?code=c&state=nope", 400, true},
		{"no state", "GET", "/callback?code=c", 400, true},
		{"forged error", "GET", "/callback?error=access_denied&state=nope", 400, true},
		{"duplicate code", "GET", "/callback?code=a&code=b&state=s1", 400, true},
		{"wrong iss", "GET", "/callback?code=c&state=s1&iss=https://evil.example", 400, true},
		{"malformed query", "GET", "/callback?code=%zz&state=s1", 400, true},
		{"oversized query", "GET", "/callback?state=s1&code=" + strings.Repeat("a", maxQueryBytes), 414, true},
	}
	for _, tt := range notFinal {
		status, h, body := get(t, tt.method, base+tt.path)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, status, tt.status)
		}
		if tt.method != "HEAD" && !strings.Contains(body, "return to the terminal") {
			t.Errorf("%s: the page does not send the user back to the terminal", tt.name)
		}
		// Through the listener's own response writer (serve.go): every
		// header the page sets.
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: Content-Security-Policy = %q", tt.name, csp)
		}
		for k, v := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "Pragma": "no-cache",
			"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Content-Type": "text/html; charset=utf-8"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, h.Get(k), v)
			}
		}
		if tt.status == 405 && h.Get("Allow") != "GET" {
			t.Errorf("%s: Allow = %q", tt.name, h.Get("Allow"))
		}
		if tt.refused {
			select {
			case <-r.noted:
			case <-time.After(time.Second):
				t.Errorf("%s: no refusal reported", tt.name)
			}
		}
		select {
		case v := <-r.result:
			t.Fatalf("%s ended the flow: %+v", tt.name, v)
		default:
		}
	}
	status, _, body := get(t, "GET", base+"/callback?code=the-code&state=s1&iss=https%3A%2F%2Flogin.example.com")
	if status != 200 || !strings.Contains(body, "Sign-in received") {
		t.Fatalf("real callback: %d %q", status, body)
	}
	if strings.Contains(body, "the-code") {
		t.Fatal("the page echoes the code")
	}
	v := <-r.result
	if !v.final || v.code != "the-code" {
		t.Fatalf("verdict %+v", v)
	}
	// A second redirect before the listener closes is told the flow is over.
	if status, _, _ := get(t, "GET", base+"/callback?code=x&state=s1"); status != http.StatusConflict {
		t.Fatalf("second callback: status %d", status)
	}
}

func TestReceiverEscapesWhatItEchoes(t *testing.T) {
	r := newTestReceiver(t, []int{0})
	hostile := url.QueryEscape(`<script>alert(1)</script>`)
	_, _, body := get(t, "GET", r.redirectURI+"?state=s1&error=x&error_description="+hostile)
	if strings.Contains(body, "<script>alert") || strings.Count(body, "<script>") != 1 {
		t.Fatalf("unescaped script in page: %s", body)
	}
	if !strings.Contains(body, "&lt;script&gt;") {
		t.Fatalf("description not shown escaped: %s", body)
	}
	_, _, body = get(t, "GET", r.redirectURI+"?state=s1&code=c&iss="+hostile)
	if strings.Contains(body, "<script>alert") || strings.Count(body, "<script>") != 1 {
		t.Fatalf("unescaped iss in page: %s", body)
	}
}

// TestPageScriptHash: the CSP allows the page's one script by its hash,
// so the constant must be the script's; and no other script may run.
func TestPageScriptHash(t *testing.T) {
	sum := sha256.Sum256([]byte(pageScript))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; pageScriptHash != want {
		t.Fatalf("pageScriptHash = %s, want %s", pageScriptHash, want)
	}
	rec := httptest.NewRecorder()
	writePage(rec, 200, page{OK: true, Title: "Sign-in received", Back: whereNotebook})
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src " + pageScriptHash + ";", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src 'unsafe") || strings.Contains(csp, "'unsafe-hashes'") || strings.Count(csp, "sha256-") != 1 {
		t.Errorf("CSP allows inline scripts: %q", csp)
	}
	body := rec.Body.String()
	for _, want := range []string{"return to your notebook", "<script>" + pageScript + "</script>", `id="close"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	for k, v := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Pragma": "no-cache"} {
		if rec.Header().Get(k) != v {
			t.Errorf("%s = %q, want %q", k, rec.Header().Get(k), v)
		}
	}
}

// TestReceiverSaysWhereToGoBack: the page names the notebook only when
// the sign-in runs in one.
func TestReceiverSaysWhereToGoBack(t *testing.T) {
	for _, tt := range []struct {
		w    where
		want string
	}{{whereNotebook, "your notebook is finishing"}, {whereCLI, "your terminal is finishing"}, {whereTerminal, "return to the terminal"}} {
		r := newTestReceiver(t, []int{0})
		r.setBack(tt.w)
		_, _, body := get(t, "GET", r.redirectURI+"?code=c&state=s1")
		if !strings.Contains(strings.ToLower(body), tt.want) {
			t.Errorf("%v: page lacks %q:\n%s", tt.w, tt.want, body)
		}
		if tt.w != whereNotebook && strings.Contains(body, "notebook") {
			t.Errorf("%v: the page speaks of a notebook:\n%s", tt.w, body)
		}
	}
}

func TestReceiverCloseFreesPort(t *testing.T) {
	r := newTestReceiver(t, []int{0})
	addr := r.ln.Addr().String()
	r.close()
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("listener still accepts after close")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("port not free after close: %v", err)
	}
	ln.Close()
}

func TestReceiverPortList(t *testing.T) {
	busy1, _ := net.Listen("tcp4", "127.0.0.1:0")
	defer busy1.Close()
	busy2, _ := net.Listen("tcp4", "127.0.0.1:0")
	defer busy2.Close()
	p1 := busy1.Addr().(*net.TCPAddr).Port
	p2 := busy2.Addr().(*net.TCPAddr).Port

	free, _ := net.Listen("tcp4", "127.0.0.1:0")
	p3 := free.Addr().(*net.TCPAddr).Port
	free.Close()

	r := newTestReceiver(t, []int{p1, p2, p3})
	if got := r.ln.Addr().(*net.TCPAddr).Port; got != p3 {
		t.Fatalf("listening on %d, want the first free port %d", got, p3)
	}
	r.close()

	_, err := startReceiver([]int{p1, p2}, "/callback", nil)
	err = withNextStep(err, whereTerminal) // as Login returns it
	if err == nil {
		t.Fatal("no error with every port taken")
	}
	for _, want := range []string{strconv.Itoa(p1), strconv.Itoa(p2), "stop what uses them, or set Config.Ports (GONBAUTH_PORT) to other ports", "in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
