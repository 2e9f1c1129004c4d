// Package pkce implements the S256 method of Proof Key for Code Exchange
// (RFC 7636): code verifiers, their challenges, and the rules a verifier
// must follow.
//
// There is no "plain" method: a challenge that equals its verifier
// protects nothing once the authorization request is seen, so gonbauth
// never offers it. The rules and their error texts are shared with
// gonbauth's WebAssembly build (wasm/ in this repository), which hashes
// with its own compact SHA-256; this package uses crypto/sha256 and
// crypto/rand.
package pkce

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	rules "github.com/gonbauth/gonbauth/internal/pkce"
)

// Method is the only code_challenge_method this package produces.
const Method = "S256"

// Verifier length limits from RFC 7636 §4.1.
const (
	MinVerifierLen = rules.MinVerifierLen
	MaxVerifierLen = rules.MaxVerifierLen
)

// ErrVerifier is wrapped by every error about a malformed verifier.
var ErrVerifier = rules.ErrVerifier

// NewVerifier returns a fresh verifier: 32 bytes of crypto/rand (256 bits,
// as RFC 7636 §7.1 recommends), base64url-encoded without padding to 43
// characters. Every flow must use its own.
func NewVerifier() (string, error) {
	b := make([]byte, rules.EntropyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pkce: reading random bytes: %w", err)
	}
	return rules.EncodeVerifier(b)
}

// Challenge returns the S256 challenge of a verifier,
// BASE64URL(SHA256(ASCII(verifier))), after checking that the verifier is
// well formed.
func Challenge(verifier string) (string, error) {
	return rules.Challenge(verifier, sha256.Sum256)
}

// Verify reports whether challenge is the S256 challenge of verifier, in
// constant time. A malformed verifier never verifies.
func Verify(verifier, challenge string) bool {
	return rules.Verify(verifier, challenge, sha256.Sum256)
}

// Validate reports whether v is a well-formed code verifier: 43 to 128
// characters from [A-Z] [a-z] [0-9] "-" "." "_" "~". The error wraps
// ErrVerifier, says which rule is broken, and never repeats the verifier.
func Validate(v string) error { return rules.Validate(v) }
