// Package wasmbuild builds the WebAssembly module for native tests, with
// wasm/build.sh, exactly as `make wasm` does.
package wasmbuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoDir is the root of this checkout.
func RepoDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Build runs wasm/build.sh with dir as its output directory.
func Build(dir string) error {
	if _, err := exec.LookPath("bash"); err != nil {
		return fmt.Errorf("bash not found (it runs wasm/build.sh): %w", err)
	}
	cmd := exec.Command("bash", "wasm/build.sh", dir)
	cmd.Dir = RepoDir()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bash wasm/build.sh %s: %v\n%s", dir, err, out.String())
	}
	return nil
}

// Main builds the module into a temporary directory, runs the tests with
// Dir reporting it, and removes it. Call it from TestMain:
//
//	func TestMain(m *testing.M) { wasmbuild.Main(m) }
func Main(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "gonbauth-wasm-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		if buildErr = Build(dir); buildErr == nil {
			distDir = dir
		}
		return m.Run()
	}()
	os.Exit(code)
}

var (
	distDir  string
	buildErr error
)

// Dir returns the directory Main built the module into, or fails the test
// with the build's error.
func Dir(t testing.TB) string {
	t.Helper()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	if distDir == "" {
		t.Fatal("wasmbuild.Dir: the module was not built (call wasmbuild.Main from TestMain)")
	}
	return distDir
}
