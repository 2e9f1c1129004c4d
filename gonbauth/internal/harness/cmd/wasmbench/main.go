// Command wasmbench measures gonbauth's PKCE WebAssembly module in headless
// Chromium, beside WebCrypto and the npm library pkce-challenge in the same
// page, and prints Markdown tables (`make bench` runs it after `make wasm`):
//
//   - sizes of the module (raw, gzip, brotli) and of the JavaScript around it;
//   - cold load to first challenge: in a fresh page, import the loader, fetch,
//     compile and start the module, compute one challenge; served over
//     loopback with no caching, the module sent raw and brotli-encoded;
//   - microseconds per call, for challengeS256 and the rest;
//   - which implementations work on a page that is not a secure context.
//
// It reports and never judges: no figure makes it fail. It lives in the
// harness module, beside the one Chromium launcher (package chromium):
//
//	cd gonbauth/internal/harness && go run ./cmd/wasmbench [-dist ../../../wasm/dist] [-cold 21] [-rounds 5]
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/gonbauth/gonbauth/gonbauth/internal/harness/chromium"
)

const insecureHost = "pkce-insecure.test"

func main() {
	log.SetFlags(0)
	log.SetPrefix("wasmbench: ")
	repo := repoDir()
	dist := flag.String("dist", filepath.Join(repo, "wasm", "dist"), "the build to measure (make wasm)")
	cold := flag.Int("cold", 21, "fresh pages for the cold-load figures, per variant")
	rounds := flag.Int("rounds", 5, "timed rounds per call benchmark")
	flag.Parse()

	for _, f := range []string{"gonbauth.wasm", "gonbauth.wasm.gz", "gonbauth.wasm.br", "gonbauth.mjs", "wasm_exec.js"} {
		if _, err := os.Stat(filepath.Join(*dist, f)); err != nil {
			log.Fatalf("%v: build the module first: make wasm (bash wasm/build.sh)", err)
		}
	}
	benchDir := filepath.Join(repo, "wasm", "bench")
	lib := filepath.Join(benchDir, "node_modules", "pkce-challenge", "dist", "index.browser.js")
	if _, err := os.Stat(lib); err != nil {
		log.Fatalf("%v: install the npm library measured beside the module: npm ci --prefix wasm/bench", err)
	}

	srv, base := serve(*dist, benchDir)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	b, err := chromium.Launch(ctx, chromium.Options{MapToLoopback: []string{insecureHost}})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	version, err := proto.BrowserGetVersion{}.Call(b.Rod)
	if err != nil {
		log.Fatal(err)
	}

	var out strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&out, format, args...) }

	w("Measured %s with `go run ./cmd/wasmbench` in gonbauth/internal/harness (`make bench`).\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	w("| | |\n|---|---|\n")
	w("| Machine | %s, %d cores, load average %s |\n", cpuModel(), runtime.NumCPU(), loadAvg())
	w("| Go | %s %s/%s (module: GOOS=js GOARCH=wasm) |\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	w("| Browser | %s, headless |\n", version.Product)
	w("| Server | Go net/http on 127.0.0.1, `Cache-Control: no-store` |\n\n")

	// --- sizes ---------------------------------------------------------------
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			log.Fatal(err)
		}
		return fi.Size()
	}
	raw := size(filepath.Join(*dist, "gonbauth.wasm"))
	gz := size(filepath.Join(*dist, "gonbauth.wasm.gz"))
	br := size(filepath.Join(*dist, "gonbauth.wasm.br"))
	w("### Sizes (bytes)\n\n| file | raw | gzip -9 | brotli -q 11 | target |\n|---|--:|--:|--:|---|\n")
	w("| `gonbauth.wasm` | %s | %s | %s | at most 1.9 MB raw (%s), 440 KB brotli (%s) |\n", num(raw), num(gz), num(br),
		verdict(raw <= 1_900_000), verdict(br <= 440_000))
	for _, f := range []string{filepath.Join(*dist, "gonbauth.mjs"), filepath.Join(*dist, "wasm_exec.js"), lib} {
		data, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		name := filepath.Base(f)
		if f == lib {
			name = "pkce-challenge 6 `dist/index.browser.js`"
		} else {
			name = "`" + name + "`"
		}
		w("| %s | %s | %s | %s | |\n", name, num(int64(len(data))), num(gzipSize(data)), brotliSize(data))
	}
	w("\n")

	// --- cold load ---------------------------------------------------------------
	type sample struct {
		MS        float64
		Challenge string
	}
	coldRuns := func(js string, args ...any) []float64 {
		var ms []float64
		for i := range *cold {
			page, done, err := b.Open(ctx, base+"/")
			if err != nil {
				log.Fatal(err)
			}
			var s sample
			a := append([]any{}, args...)
			a = append(a, strconv.Itoa(i)+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
			evalInto(page, &s, `async (...a) => (await import('/bench/bench.mjs'))`+js+`(...a)`, a...)
			done()
			if s.Challenge != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
				log.Fatalf("cold load computed %q", s.Challenge)
			}
			ms = append(ms, s.MS)
		}
		return ms
	}
	w("### Cold load to first challenge (ms; %d fresh pages each)\n\n", *cold)
	w("From `import()` of the loader in an already loaded page to the first challenge returned: the loader,\n")
	w("`wasm_exec.js` and the module are fetched over loopback (never from a cache), compiled, Go started, one\n")
	w("challenge computed. Target for gonbauth: a median of at most 100 ms.\n\n")
	w("| | median | min | max |\n|---|--:|--:|--:|\n")
	row := func(name string, ms []float64) {
		w("| %s | %.1f | %.1f | %.1f |\n", name, median(ms), slices.Min(ms), slices.Max(ms))
	}
	row("gonbauth, module sent raw", coldRuns(`.coldLoad`, "/dist/"))
	row("gonbauth, module sent with `Content-Encoding: br`", coldRuns(`.coldLoad`, "/dist-br/"))
	row("pkce-challenge (import, then `generateChallenge`)", coldRuns(`.coldLoadLibrary`))
	row("WebCrypto (`crypto.subtle.digest`, nothing to load)", coldRuns(`.coldWebCrypto`))
	w("\n")

	// --- per call ------------------------------------------------------------------
	page, done, err := b.Open(ctx, base+"/")
	if err != nil {
		log.Fatal(err)
	}
	type stat struct {
		Median, Min, Max float64
		Calls, Rounds    int
	}
	var calls map[string]stat
	evalInto(page, &calls, `async (rounds) => (await import('/bench/bench.mjs')).perCall({rounds})`, *rounds)
	done()
	w("### Time per call (µs; median of %d rounds, after a warm-up round)\n\n", *rounds)
	w("Each round hashes distinct 43-character verifiers in a loop. The module's calls are synchronous; the\n")
	w("WebCrypto-based ones return promises, awaited one after the other as a page would. Target for\n")
	w("`challengeS256`: at most 3 µs.\n\n")
	w("| call | median | min | max | calls per round |\n|---|--:|--:|--:|--:|\n")
	for _, name := range []string{
		"gonbauth challengeS256", "gonbauth verifyS256", "gonbauth createPKCE", "gonbauth generateVerifier",
		"WebCrypto digest", "WebCrypto digest + base64url",
		"pkce-challenge generateChallenge", "pkce-challenge pkceChallenge()",
	} {
		s, ok := calls[name]
		if !ok {
			log.Fatalf("no result for %s", name)
		}
		w("| %s | %.2f | %.2f | %.2f | %s |\n", name, s.Median, s.Min, s.Max, num(int64(s.Calls)))
	}
	w("\n")

	// --- insecure context -----------------------------------------------------------
	w("### On a page that is not a secure context\n\n")
	w("`http://%s:PORT/`, a host name that Chromium resolves to 127.0.0.1 (`--host-resolver-rules`), like a\n", insecureHost)
	w("Jupyter server reached over plain http from another machine.\n\n")
	page, done, err = b.Open(ctx, "http://"+insecureHost+":"+port+"/")
	if err != nil {
		log.Fatal(err)
	}
	var works map[string]any
	evalInto(page, &works, `async () => (await import('/bench/bench.mjs')).works()`)
	done()
	w("`isSecureContext` = %v, `typeof crypto.subtle` = %q.\n\n| implementation | computes the RFC 7636 challenge |\n|---|---|\n", works["secureContext"], works["subtle"])
	for _, name := range []string{"gonbauth", "WebCrypto", "pkce-challenge"} {
		w("| %s | %v |\n", name, works[name])
	}
	fmt.Print(out.String())
}

// evalInto runs js(...args) in page and decodes its result into out, or
// stops the program.
func evalInto(page *rod.Page, out any, js string, args ...any) {
	res, err := chromium.Eval(page, js, args...)
	if err == nil {
		err = json.Unmarshal(res, out)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// serve serves the build at /dist/ (and /dist-br/, with the module brotli-
// encoded), the bench page module at /bench/, pkce-challenge at
// /node_modules/pkce-challenge/, and a blank page at /.
func serve(dist, benchDir string) (*http.Server, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	files := http.FileServer(http.Dir(dist))
	mux.Handle("/dist/", http.StripPrefix("/dist/", files))
	mux.HandleFunc("/dist-br/", func(w http.ResponseWriter, r *http.Request) {
		if strings.TrimPrefix(r.URL.Path, "/dist-br/") == "gonbauth.wasm" {
			w.Header().Set("Content-Type", "application/wasm")
			w.Header().Set("Content-Encoding", "br")
			http.ServeFile(w, r, filepath.Join(dist, "gonbauth.wasm.br"))
			return
		}
		http.StripPrefix("/dist-br/", files).ServeHTTP(w, r)
	})
	mux.HandleFunc("/bench/bench.mjs", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(benchDir, "bench.mjs"))
	})
	mux.Handle("/node_modules/pkce-challenge/", http.StripPrefix("/node_modules/pkce-challenge/",
		http.FileServer(http.Dir(filepath.Join(benchDir, "node_modules", "pkce-challenge")))))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><meta charset=utf-8><title>gonbauth wasm bench</title><p>bench</p>")
	})
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			mux.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Print(err)
		}
	}()
	return srv, "http://" + ln.Addr().String()
}

func repoDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		log.Fatal("cannot locate the source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "..")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func gzipSize(data []byte) int64 {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	return int64(buf.Len())
}

func brotliSize(data []byte) string {
	cmd := exec.Command("brotli", "-q", "11", "-c")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("brotli: %v (install it: apt-get install brotli)", err)
	}
	return num(int64(len(out)))
}

func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
