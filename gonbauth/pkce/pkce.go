// Package pkce implements the S256 method of Proof Key for Code Exchange
// (RFC 7636): code verifiers, their challenges, and the rules a verifier
// must follow.
//
// There is no "plain" method: a challenge that equals its verifier
// protects nothing once the authorization request is seen, so gonbauth
// never offers it. gonbauth's WebAssembly build (wasm/ in this repository)
// follows the same rules with the same error texts, and hashes with its
// own compact SHA-256; this package uses crypto/sha256 and crypto/rand.
package pkce

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
)

// Method is the only code_challenge_method this package produces.
const Method = "S256"

// Verifier length limits from RFC 7636 §4.1.
const (
	MinVerifierLen = 43
	MaxVerifierLen = 128
)

// entropyBytes is how many random bytes make a verifier: 32 bytes encode
// to the minimum 43 characters and give 256 bits, as RFC 7636 §7.1
// recommends.
const entropyBytes = 32

// ErrVerifier is wrapped by every error about a malformed verifier.
var ErrVerifier = errors.New("pkce: invalid code verifier")

// NewVerifier returns a fresh verifier: 32 bytes of crypto/rand,
// base64url-encoded without padding to 43 characters. Every flow must use
// its own.
func NewVerifier() (string, error) {
	b := make([]byte, entropyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pkce: reading random bytes: %w", err)
	}
	// The unpadded base64url alphabet is a subset of the unreserved
	// characters a verifier may use.
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Challenge returns the S256 challenge of a verifier,
// BASE64URL(SHA256(ASCII(verifier))), after checking that the verifier is
// well formed.
func Challenge(verifier string) (string, error) {
	if err := Validate(verifier); err != nil {
		return "", err
	}
	digest := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(digest[:]), nil
}

// Verify reports whether challenge is the S256 challenge of verifier, in
// constant time. A malformed verifier never verifies.
func Verify(verifier, challenge string) bool {
	want, err := Challenge(verifier)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// Validate reports whether v is a well-formed code verifier: 43 to 128
// characters from [A-Z] [a-z] [0-9] "-" "." "_" "~". The error wraps
// ErrVerifier, says which rule is broken, and never repeats the verifier.
func Validate(v string) error {
	if n := len(v); n < MinVerifierLen || n > MaxVerifierLen {
		return verifierError("length " + strconv.Itoa(n) + " is outside " + strconv.Itoa(MinVerifierLen) + " to " + strconv.Itoa(MaxVerifierLen) + " characters")
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return verifierError("character at position " + strconv.Itoa(i) + " is not one of A-Z a-z 0-9 - . _ ~")
		}
	}
	return nil
}

type verifierError string

func (e verifierError) Error() string { return ErrVerifier.Error() + ": " + string(e) }

func (e verifierError) Unwrap() error { return ErrVerifier }
