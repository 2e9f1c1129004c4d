//go:build e2e

// The PKCE WebAssembly module (wasm/, built by wasm/build.sh as `make wasm`
// does) in Chromium: in a secure context, in one that is not, and loaded
// from every kind of source. They live here, not in wasm/, because only
// packages under gonbauth/ may import this one (Go's internal rule).

package browsertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/pkce"
)

// TestMain removes the module wasmDist built.
func TestMain(m *testing.M) {
	code := m.Run()
	if wasmBuild.dir != "" {
		os.RemoveAll(wasmBuild.dir)
	}
	os.Exit(code)
}

var wasmBuild struct {
	once sync.Once
	dir  string
	err  error
}

// wasmDist builds the WebAssembly module with wasm/build.sh, as `make wasm`
// does, into a temporary directory, once per test process.
func wasmDist(t testing.TB) string {
	t.Helper()
	wasmBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "gonbauth-wasm-test-")
		if err != nil {
			wasmBuild.err = err
			return
		}
		wasmBuild.dir = dir
		cmd := exec.Command("bash", "wasm/build.sh", dir)
		cmd.Dir = filepath.Join(harnessDir(), "..", "..", "..")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			wasmBuild.err = fmt.Errorf("bash wasm/build.sh %s: %v\n%s", dir, err, out.String())
		}
	})
	if wasmBuild.err != nil {
		t.Fatal(wasmBuild.err)
	}
	return wasmBuild.dir
}

const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	// insecureHost resolves to 127.0.0.1 in the test browser only: a page at
	// http://insecureHost:PORT/ is not a secure context.
	insecureHost = "pkce-insecure.test"
)

var base64url43 = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// randomVerifiers returns verifiers of every length from 43 to 128 over the
// whole unreserved alphabet (base64url has neither "." nor "~").
func randomVerifiers(t *testing.T) []string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	var vs []string
	for range 2 {
		for n := pkce.MinVerifierLen; n <= pkce.MaxVerifierLen; n++ {
			b := make([]byte, n)
			if _, err := rand.Read(b); err != nil {
				t.Fatal(err)
			}
			for i := range b {
				b[i] = alphabet[int(b[i])%len(alphabet)]
			}
			vs = append(vs, string(b))
		}
	}
	return vs
}

// badVerifier is a malformed verifier and the message the module must throw.
type badVerifier struct {
	V, Want string
}

func badVerifiers(t *testing.T) []badVerifier {
	t.Helper()
	var bad []badVerifier
	for _, v := range []string{
		"", "short", strings.Repeat("a", 42), strings.Repeat("a", 129), strings.Repeat("~", 100000),
		strings.Repeat("a", 42) + "+", "/" + strings.Repeat("a", 42), strings.Repeat("a", 20) + " " + strings.Repeat("a", 22),
		strings.Repeat("a", 43) + "=", strings.Repeat("c", 127) + "\x00",
	} {
		err := pkce.Validate(v)
		if err == nil {
			t.Fatalf("%q is valid", v)
		}
		bad = append(bad, badVerifier{v, err.Error()})
	}
	// Outside ASCII, positions and lengths count UTF-16 code units, as
	// JavaScript's string length does.
	const pos = "pkce: invalid code verifier: character at position %d is not one of A-Z a-z 0-9 - . _ ~"
	bad = append(bad,
		badVerifier{strings.Repeat("a", 42) + "é", strings.Replace(pos, "%d", "42", 1)},
		badVerifier{"😀" + strings.Repeat("a", 50), strings.Replace(pos, "%d", "0", 1)},
		badVerifier{strings.Repeat("é", 129), "pkce: invalid code verifier: length 129 is outside 43 to 128 characters"},
	)
	return bad
}

// pageResult is what checkJS returns.
type pageResult struct {
	Href           string
	SecureContext  bool
	Subtle         string // typeof crypto.subtle
	GetRandom      string // typeof crypto.getRandomValues
	RFC            string
	RFCVerifies    bool
	WrongVerifies  bool
	Challenges     []string // of the verifiers given
	AllVerify      bool
	Generated      []string // generateVerifier()
	States         []string // generateState()
	Pairs          []struct{ Verifier, Challenge, Method string }
	Errors         []struct{ Name, Message, VerifyName, VerifyMessage string }
	TypeErrorsOK   bool
	SecondLoadSame bool
}

// checkJS loads the module in the page and runs everything the tests check.
const checkJS = `async (loader, verifiers, bad, rfc) => {
	const { load } = await import(loader);
	const p = await load();
	const out = {
		href: location.href,
		secureContext: isSecureContext,
		subtle: typeof crypto.subtle,
		getRandom: typeof crypto.getRandomValues,
		rfc: p.challengeS256(rfc.verifier),
		rfcVerifies: p.verifyS256(rfc.verifier, rfc.challenge),
		wrongVerifies: p.verifyS256(rfc.verifier, rfc.challenge.slice(0, 42) + 'x'),
	};
	out.challenges = verifiers.map((v) => p.challengeS256(v));
	out.allVerify = verifiers.every((v, i) => p.verifyS256(v, out.challenges[i]));
	out.generated = Array.from({ length: 100 }, () => p.generateVerifier());
	out.states = Array.from({ length: 100 }, () => p.generateState());
	out.pairs = Array.from({ length: 100 }, () => p.createPKCE());
	const caught = (f) => { try { f(); return ['', 'no error']; } catch (e) { return [e.constructor.name, e.message]; } };
	out.errors = bad.map(({V}) => {
		const [name, message] = caught(() => p.challengeS256(V));
		const [verifyName, verifyMessage] = caught(() => p.verifyS256(V, 'x'.repeat(43)));
		return { name, message, verifyName, verifyMessage };
	});
	out.typeErrorsOK = [undefined, null, 42, {}].every((v) => caught(() => p.challengeS256(v))[0] === 'TypeError');
	out.secondLoadSame = (await load()) === p;
	return out;
}`

// runWasmChecks runs checkJS in a page opened at pageURL and checks the results
// against the Go package.
func runWasmChecks(t *testing.T, b *Browser, pageURL, loader string) pageResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	verifiers := randomVerifiers(t)
	bad := badVerifiers(t)
	var r pageResult
	rfc := map[string]string{"verifier": rfcVerifier, "challenge": rfcChallenge}
	if err := b.Eval(ctx, pageURL, &r, checkJS, loader, verifiers, bad, rfc); err != nil {
		t.Fatalf("in the page: %v", err)
	}

	if r.RFC != rfcChallenge || !r.RFCVerifies || r.WrongVerifies {
		t.Errorf("RFC 7636 Appendix B: challenge %q (want %q), verifies %v, wrong one verifies %v", r.RFC, rfcChallenge, r.RFCVerifies, r.WrongVerifies)
	}
	if len(r.Challenges) != len(verifiers) {
		t.Fatalf("%d challenges for %d verifiers", len(r.Challenges), len(verifiers))
	}
	for i, v := range verifiers {
		want, err := pkce.Challenge(v)
		if err != nil {
			t.Fatal(err)
		}
		if r.Challenges[i] != want {
			t.Errorf("challenge of %q: module %q, Go %q", v, r.Challenges[i], want)
		}
	}
	if !r.AllVerify {
		t.Error("verifyS256 rejected a challenge challengeS256 made")
	}
	seen := map[string]bool{}
	for _, v := range append(append([]string{}, r.Generated...), r.States...) {
		if !base64url43.MatchString(v) || seen[v] {
			t.Errorf("generated %q: not 43 base64url characters, or repeated", v)
		}
		seen[v] = true
	}
	for _, v := range r.Generated {
		if err := pkce.Validate(v); err != nil {
			t.Errorf("generateVerifier: %v", err)
		}
	}
	if len(r.Generated) != 100 || len(r.States) != 100 || len(r.Pairs) != 100 {
		t.Errorf("got %d verifiers, %d states, %d pairs; want 100 each", len(r.Generated), len(r.States), len(r.Pairs))
	}
	for _, p := range r.Pairs {
		if p.Method != "S256" || !pkce.Verify(p.Verifier, p.Challenge) || seen[p.Verifier] {
			t.Errorf("createPKCE gave %+v, which the Go package does not verify (or a repeated verifier)", p)
		}
		seen[p.Verifier] = true
	}
	if len(r.Errors) != len(bad) {
		t.Fatalf("%d error results for %d bad verifiers", len(r.Errors), len(bad))
	}
	for i, e := range r.Errors {
		if e.Name != "Error" || e.Message != bad[i].Want || e.VerifyName != "Error" || e.VerifyMessage != bad[i].Want {
			v := bad[i].V
			if len(v) > 60 {
				v = v[:60] + "..."
			}
			t.Errorf("verifier %q: challengeS256 threw %s %q, verifyS256 threw %s %q; want Error %q", v, e.Name, e.Message, e.VerifyName, e.VerifyMessage, bad[i].Want)
		}
	}
	if !r.TypeErrorsOK {
		t.Error("challengeS256 of a non-string did not throw a TypeError")
	}
	if !r.SecondLoadSame {
		t.Error("a second load() gave another object")
	}
	return r
}

func TestWasmChromium(t *testing.T) {
	srv := wasmServer(t)
	b := LaunchT(t, Options{})
	r := runWasmChecks(t, b, srv.URL+"/", "/dist/gonbauth.mjs")
	if !r.SecureContext || r.Subtle != "object" {
		t.Errorf("a page on %s: isSecureContext %v, crypto.subtle %s; want a secure context with crypto.subtle", srv.URL, r.SecureContext, r.Subtle)
	}
}

// TestWasmInsecureContext loads the module where crypto.subtle is
// undefined: plain http from a host name that is not loopback, as a Jupyter
// server reached over http from another machine.
func TestWasmInsecureContext(t *testing.T) {
	srv := wasmServer(t)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b := LaunchT(t, Options{MapToLoopback: []string{insecureHost}})
	pageURL := "http://" + insecureHost + ":" + u.Port() + "/"
	r := runWasmChecks(t, b, pageURL, "/dist/gonbauth.mjs")
	if !strings.HasPrefix(r.Href, pageURL) {
		t.Errorf("the page is at %s, want %s", r.Href, pageURL)
	}
	if r.SecureContext || r.Subtle != "undefined" || r.GetRandom != "function" {
		t.Errorf("isSecureContext %v, crypto.subtle %s, crypto.getRandomValues %s; want an insecure context without crypto.subtle but with getRandomValues",
			r.SecureContext, r.Subtle, r.GetRandom)
	}
}

// load() with each kind of source, in the browser, each with a fresh copy
// of the loader module (its own cache).
func TestWasmLoadSources(t *testing.T) {
	srv := wasmServer(t)
	b := LaunchT(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var got map[string]string
	err := b.Eval(ctx, srv.URL+"/", &got, `async (rfcVerifier) => {
		const sources = {
			'default (next to the loader)': () => undefined,
			'default, brotli-encoded': () => undefined,
			'relative URL string': () => 'dist/gonbauth.wasm',
			'absolute URL string': () => location.origin + '/dist/gonbauth.wasm',
			'URL': () => new URL('/dist/gonbauth.wasm', location.href),
			'Response': () => fetch('/dist/gonbauth.wasm'),
			'Response, brotli-encoded': () => fetch('/dist-br/gonbauth.wasm'),
			'ArrayBuffer': async () => (await fetch('/dist/gonbauth.wasm')).arrayBuffer(),
			'Uint8Array': async () => new Uint8Array(await (await fetch('/dist/gonbauth.wasm')).arrayBuffer()),
		};
		const out = {};
		let i = 0;
		for (const [name, source] of Object.entries(sources)) {
			const dir = name.includes('brotli') ? '/dist-br/' : '/dist/';
			const { load } = await import(dir + 'gonbauth.mjs?fresh=' + (++i));
			try {
				const p = await load(await source());
				out[name] = p.challengeS256(rfcVerifier);
			} catch (e) {
				out[name] = 'error: ' + e.message;
			}
		}
		const { load } = await import('/dist/gonbauth.mjs?fresh=bad');
		try {
			await load('/dist/missing.wasm');
			out['missing URL'] = 'no error';
		} catch (e) {
			out['missing URL'] = e.message;
		}
		out['after a failure'] = (await load('/dist/gonbauth.wasm')).challengeS256(rfcVerifier);
		return out;
	}`, rfcVerifier)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 11 {
		t.Errorf("got %d results, want 11: %v", len(got), got)
	}
	for name, c := range got {
		switch name {
		case "missing URL":
			if !strings.Contains(c, "HTTP 404") {
				t.Errorf("%s: error %q, want one that says HTTP 404", name, c)
			}
		default:
			if c != rfcChallenge {
				t.Errorf("%s: %q, want %q", name, c, rfcChallenge)
			}
		}
	}
}

// wasmServer serves the build under /dist/ (and under /dist-br/ with the
// module brotli-encoded, as a real server would send it) and a blank page at
// /, on 127.0.0.1, until the test ends.
func wasmServer(t *testing.T) *httptest.Server {
	t.Helper()
	d := wasmDist(t)
	mux := http.NewServeMux()
	files := http.FileServer(http.Dir(d))
	mux.Handle("/dist/", http.StripPrefix("/dist/", files))
	mux.HandleFunc("/dist-br/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/dist-br/")
		if name == "gonbauth.wasm" {
			w.Header().Set("Content-Type", "application/wasm")
			w.Header().Set("Content-Encoding", "br")
			http.ServeFile(w, r, filepath.Join(d, "gonbauth.wasm.br"))
			return
		}
		http.StripPrefix("/dist-br/", files).ServeHTTP(w, r)
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><meta charset=utf-8><title>gonbauth wasm test</title><p>test page</p>")
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}
