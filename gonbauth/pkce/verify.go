package pkce

import "crypto/subtle"

// VerifyWith is Verify with the SHA-256 function supplied by the caller: it
// reports, in constant time, whether challenge is the S256 challenge of
// verifier. A malformed verifier never verifies. sum256 must be SHA-256.
func VerifyWith(verifier, challenge string, sum256 func([]byte) [32]byte) bool {
	want, err := ChallengeWith(verifier, sum256)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}
