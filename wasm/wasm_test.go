//go:build !(js && wasm)

// Native tests of the WebAssembly module that need Go alone. The tests that
// build it with wasm/build.sh (as `make wasm` does) and run it in Node.js
// (wasm/test/) are in build_e2e_test.go, and those in Chromium in
// gonbauth/internal/browsertest/wasm_e2e_test.go (it drives the browser); all
// behind the e2e build tag.

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	gopkce "github.com/gonbauth/gonbauth/gonbauth/pkce"
	"github.com/gonbauth/gonbauth/wasm/internal/pkce"
	"github.com/gonbauth/gonbauth/wasm/internal/sha256"
	"github.com/gonbauth/gonbauth/wasm/internal/wasmbuild"
)

func repoDir() string { return wasmbuild.RepoDir() }

// The module must not link what makes it big: crypto/sha256 and crypto/rand
// (Go's FIPS 140 module, and so gonbauth/pkce), fmt, or syscall/js.
func TestModuleDependencies(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./wasm")
	cmd.Dir = repoDir()
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	has := map[string]bool{}
	for _, d := range deps {
		has[d] = true
	}
	for _, want := range []string{"github.com/gonbauth/gonbauth/wasm/internal/pkce", "github.com/gonbauth/gonbauth/wasm/internal/sha256"} {
		if !has[want] {
			t.Errorf("the module does not use %s", want)
		}
	}
	for _, bad := range []string{"github.com/gonbauth/gonbauth/gonbauth/pkce", "crypto/sha256", "crypto/internal/fips140/sha256", "crypto/rand", "crypto/internal/fips140/drbg", "fmt", "syscall/js"} {
		if has[bad] {
			t.Errorf("the module links %s", bad)
		}
	}
}

// The module's S256 challenge, wasm/internal/pkce with the compact
// SHA-256, gives RFC 7636 Appendix B's answer, and verifies only it. (The
// Node.js and Chromium tests check the built module against
// gonbauth/pkce.)
func TestModuleChallengeRFC7636AppendixB(t *testing.T) {
	const verifier, challenge = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if c, err := pkce.Challenge(verifier, sha256.Sum256); err != nil || c != challenge {
		t.Fatalf("challenge %q, %v; want %q", c, err, challenge)
	}
	if !pkce.Verify(verifier, challenge, sha256.Sum256) || pkce.Verify(verifier, challenge[:42]+"x", sha256.Sum256) {
		t.Fatal("Verify does not tell the RFC 7636 challenge from a wrong one")
	}
}

// TestRulesAgree: the module's rules (wasm/internal/pkce) and the Go API's
// (gonbauth/pkce), written apart because Go's internal rule keeps them from
// sharing a package, accept and refuse the same verifiers with the same
// words, and give the same challenges.
func TestRulesAgree(t *testing.T) {
	var verifiers []string
	for n := range gopkce.MaxVerifierLen + 3 {
		verifiers = append(verifiers, strings.Repeat("a", n))
	}
	for c := range 256 {
		verifiers = append(verifiers, strings.Repeat("A", 50)+string(rune(c))+"z")
	}
	for range 64 {
		v, err := gopkce.NewVerifier()
		if err != nil {
			t.Fatal(err)
		}
		verifiers = append(verifiers, v)
	}
	for _, v := range verifiers {
		goErr, wasmErr := fmt.Sprint(gopkce.Validate(v)), fmt.Sprint(pkce.Validate(v))
		if goErr != wasmErr {
			t.Fatalf("Validate of a %d-character verifier: gonbauth/pkce says %q, the module %q", len(v), goErr, wasmErr)
		}
		goC, _ := gopkce.Challenge(v)
		wasmC, _ := pkce.Challenge(v, sha256.Sum256)
		if goC != wasmC {
			t.Fatalf("Challenge of %q: gonbauth/pkce %q, the module %q", v, goC, wasmC)
		}
	}
}
