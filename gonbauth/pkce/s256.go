//go:build !pkce_nocrypto

package pkce

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
)

// NewVerifier returns a fresh verifier made from EntropyBytes bytes of
// crypto/rand. Every flow must use its own.
func NewVerifier() (string, error) {
	b := make([]byte, EntropyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pkce: reading random bytes: %w", err)
	}
	return EncodeVerifier(b)
}

// Challenge returns the S256 challenge of a verifier after checking that
// the verifier is well formed.
func Challenge(verifier string) (string, error) {
	return ChallengeWith(verifier, sha256.Sum256)
}

// Verify reports whether challenge is the S256 challenge of verifier, in
// constant time. A malformed verifier never verifies.
func Verify(verifier, challenge string) bool {
	return VerifyWith(verifier, challenge, sha256.Sum256)
}
