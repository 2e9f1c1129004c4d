// Package pkce holds the rules of PKCE code verifiers (RFC 7636
// §4.1: alphabet, lengths, encoding, validation and their error texts) and
// the S256 challenge with the SHA-256 function supplied by the caller, for
// the WebAssembly module, which hashes with its compact wasm/internal/sha256
// and gets its random bytes from JavaScript. It imports neither a hash, nor
// a random source, nor fmt, which would make the module hundreds of KB
// larger.
//
// gonbauth/pkce, the Go API, follows the same rules with crypto/sha256.
// They cannot share this package: Go's internal rule would need it at the
// repository's top level, and gonbauth/pkce exports nothing made only for
// this build. wasm's TestRulesAgree checks that the two say the same.
package pkce

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
)

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
		return "", verifierError("need at least " + itoa(EntropyBytes) + " random bytes, got " + itoa(len(random)))
	}
	v := base64.RawURLEncoding.EncodeToString(random)
	if len(v) > MaxVerifierLen {
		return "", verifierError(itoa(len(random)) + " random bytes encode to " + itoa(len(v)) + " characters, more than " + itoa(MaxVerifierLen))
	}
	return v, nil
}

// Validate reports whether v is a well-formed code verifier: 43 to 128
// characters from [A-Z] [a-z] [0-9] "-" "." "_" "~". The error says which
// rule is broken and never repeats the verifier itself.
func Validate(v string) error {
	if err := ValidateLength(len(v)); err != nil {
		return err
	}
	for i := 0; i < len(v); i++ {
		if !unreserved(v[i]) {
			return verifierError("character at position " + itoa(i) + " is not one of A-Z a-z 0-9 - . _ ~")
		}
	}
	return nil
}

// ValidateLength is the length rule of Validate on its own: it reports
// whether n characters are a valid verifier length, with Validate's error.
// It serves callers that know a verifier is too long without holding all of
// it (the WebAssembly module does not copy a megabyte string to say so).
func ValidateLength(n int) error {
	if n < MinVerifierLen || n > MaxVerifierLen {
		return verifierError("length " + itoa(n) + " is outside " + itoa(MinVerifierLen) + " to " + itoa(MaxVerifierLen) + " characters")
	}
	return nil
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// Challenge validates verifier and returns its S256 challenge,
// BASE64URL(SHA256(ASCII(verifier))) without padding, with the SHA-256
// function the caller supplies: sum256 must be SHA-256.
func Challenge(verifier string, sum256 func([]byte) [32]byte) (string, error) {
	if err := Validate(verifier); err != nil {
		return "", err
	}
	digest := sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(digest[:]), nil
}

// Verify reports, in constant time, whether challenge is the S256
// challenge of verifier, with the SHA-256 function the caller supplies. A
// malformed verifier never verifies.
func Verify(verifier, challenge string, sum256 func([]byte) [32]byte) bool {
	want, err := Challenge(verifier, sum256)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// verifierError is a malformed-verifier error: its text is ErrVerifier's,
// ": ", and what is wrong, and errors.Is(err, ErrVerifier) holds. (The same
// as fmt.Errorf("%w: ...", ErrVerifier), without fmt, which would make the
// WebAssembly module about 360 KB larger.)
type verifierError string

func (e verifierError) Error() string { return ErrVerifier.Error() + ": " + string(e) }

func (e verifierError) Unwrap() error { return ErrVerifier }

func itoa(n int) string { return strconv.Itoa(n) }
