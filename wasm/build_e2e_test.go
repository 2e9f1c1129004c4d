//go:build !(js && wasm) && e2e

// TestMain builds the module with wasm/build.sh (bash, brotli) into a
// temporary directory; these tests check that build and run the Node.js
// tests (wasm/test/) against it. Its tests in Chromium are in
// gonbauth/internal/browsertest (wasm_e2e_test.go), which drives the browser.

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gonbauth/gonbauth/wasm/internal/wasmbuild"
)

func TestMain(m *testing.M) { wasmbuild.Main(m) }

func dist(t testing.TB) string { return wasmbuild.Dir(t) }

// The build writes what `make wasm` promises, and the compressed copies
// decompress to the module.
func TestBuildOutput(t *testing.T) {
	d := dist(t)
	raw, err := os.ReadFile(filepath.Join(d, "gonbauth.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("\x00asm")) {
		t.Fatal("gonbauth.wasm is not a WebAssembly module")
	}
	for _, f := range []string{"gonbauth.mjs", "wasm_exec.js", "gonbauth.wasm.gz", "gonbauth.wasm.br"} {
		if _, err := os.Stat(filepath.Join(d, f)); err != nil {
			t.Error(err)
		}
	}
	for _, c := range [][]string{{"gzip", "-dc"}, {"brotli", "-dc"}} {
		out, err := exec.Command(c[0], append(c[1:], filepath.Join(d, "gonbauth.wasm."+map[string]string{"gzip": "gz", "brotli": "br"}[c[0]]))...).Output()
		if err != nil {
			t.Errorf("%s: %v", c[0], err)
			continue
		}
		if !bytes.Equal(out, raw) {
			t.Errorf("%s -dc does not give gonbauth.wasm back", c[0])
		}
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(d, "wasm_exec.js")); !bytes.Equal(got, want) {
		t.Error("wasm_exec.js is not the Go toolchain's")
	}
	if got, _ := os.ReadFile(filepath.Join(d, "gonbauth.mjs")); !bytes.Equal(got, mustRead(t, filepath.Join(repoDir(), "wasm", "gonbauth.mjs"))) {
		t.Error("gonbauth.mjs is not wasm/gonbauth.mjs")
	}
	t.Logf("gonbauth.wasm: %d bytes", len(raw))
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNode runs the Node.js tests (node --test wasm/test/) against the build.
func TestNode(t *testing.T) {
	d := dist(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found on PATH: install Node.js 20+ (apt-get install nodejs): %v", err)
	}
	cmd := exec.Command(node, "--test", "wasm/test/")
	cmd.Dir = repoDir()
	cmd.Env = append(os.Environ(), "GONBAUTH_WASM_DIST="+d)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("\n# fail 0\n")) || bytes.Contains(out, []byte("\n# pass 0\n")) {
		t.Fatalf("node --test wasm/test/: %v\n%s", err, out)
	}
	if testing.Verbose() {
		t.Logf("%s", out)
	}
}
