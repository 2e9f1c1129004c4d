// Package pkce implements the S256 method of Proof Key for Code Exchange
// (RFC 7636): code verifiers, their challenges, and the rules a verifier
// must follow.
//
// It is deliberately small and free of network code so that the same rules
// serve the Go package and its WebAssembly build. There is no "plain"
// method: a challenge that equals its verifier protects nothing once the
// authorization request is seen, so gonbauth never offers it.
package pkce

import (
	"encoding/base64"
	"errors"
	"fmt"
)

// Method is the only code_challenge_method this package produces.
const Method = "S256"

// Verifier length limits from RFC 7636 §4.1.
const (
	MinVerifierLen = 43
	MaxVerifierLen = 128
)

// EntropyBytes is how many random bytes make a verifier: 32 bytes encode
// to the minimum 43 characters and give 256 bits of entropy, as RFC 7636
// §7.1 recommends.
const EntropyBytes = 32

// ErrVerifier is wrapped by every error about a malformed verifier.
var ErrVerifier = errors.New("pkce: invalid code verifier")

// EncodeVerifier turns random bytes into a verifier: unpadded base64url,
// whose alphabet is a subset of the unreserved characters RFC 7636 allows.
// Callers supply the randomness (crypto/rand in Go, crypto.getRandomValues
// in a browser).
func EncodeVerifier(random []byte) (string, error) {
	if len(random) < EntropyBytes {
		return "", fmt.Errorf("%w: need at least %d random bytes, got %d", ErrVerifier, EntropyBytes, len(random))
	}
	v := base64.RawURLEncoding.EncodeToString(random)
	if len(v) > MaxVerifierLen {
		return "", fmt.Errorf("%w: %d random bytes encode to %d characters, more than %d", ErrVerifier, len(random), len(v), MaxVerifierLen)
	}
	return v, nil
}

// Validate reports whether v is a well-formed code verifier: 43 to 128
// characters from [A-Z] [a-z] [0-9] "-" "." "_" "~". The error says which
// rule is broken and never repeats the verifier itself.
func Validate(v string) error {
	if n := len(v); n < MinVerifierLen || n > MaxVerifierLen {
		return fmt.Errorf("%w: length %d is outside %d to %d characters", ErrVerifier, n, MinVerifierLen, MaxVerifierLen)
	}
	for i := 0; i < len(v); i++ {
		if !unreserved(v[i]) {
			return fmt.Errorf("%w: character at position %d is not one of A-Z a-z 0-9 - . _ ~", ErrVerifier, i)
		}
	}
	return nil
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// ChallengeFromDigest encodes a SHA-256 digest of a verifier as its S256
// challenge: BASE64URL(SHA256(ASCII(verifier))) without padding.
func ChallengeFromDigest(digest [32]byte) string {
	return base64.RawURLEncoding.EncodeToString(digest[:])
}
