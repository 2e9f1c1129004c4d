package pkce

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

// RFC 7636 Appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// The messages are part of what users see (the WebAssembly module throws
// them as JavaScript errors): they must not change by accident. These are
// the texts the package produced with fmt.Errorf before it dropped fmt.
func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{Validate(strings.Repeat("a", 42)), "pkce: invalid code verifier: length 42 is outside 43 to 128 characters"},
		{Validate(strings.Repeat("a", 129)), "pkce: invalid code verifier: length 129 is outside 43 to 128 characters"},
		{ValidateLength(1 << 20), "pkce: invalid code verifier: length 1048576 is outside 43 to 128 characters"},
		{Validate(strings.Repeat("a", 50) + "=" + "b"), "pkce: invalid code verifier: character at position 50 is not one of A-Z a-z 0-9 - . _ ~"},
		{func() error { _, err := EncodeVerifier(make([]byte, 31)); return err }(), "pkce: invalid code verifier: need at least 32 random bytes, got 31"},
		{func() error { _, err := EncodeVerifier(make([]byte, 97)); return err }(), "pkce: invalid code verifier: 97 random bytes encode to 130 characters, more than 128"},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("no error, want %q", tt.want)
			continue
		}
		if tt.err.Error() != tt.want {
			t.Errorf("error = %q, want %q", tt.err, tt.want)
		}
		if !errors.Is(tt.err, ErrVerifier) || errors.Unwrap(tt.err) != ErrVerifier {
			t.Errorf("%q does not wrap ErrVerifier", tt.err)
		}
	}
}

func TestValidateLength(t *testing.T) {
	for n := -1; n <= 200; n++ {
		err := ValidateLength(n)
		if ok := n >= MinVerifierLen && n <= MaxVerifierLen; ok != (err == nil) {
			t.Errorf("ValidateLength(%d) = %v", n, err)
		}
	}
}

// Challenge and Verify use the SHA-256 they are given (the WebAssembly
// module's own; crypto/sha256 in gonbauth/pkce), and hash nothing for a
// malformed verifier.
func TestChallengeAndVerifyWithTheHashGiven(t *testing.T) {
	c, err := Challenge(rfcVerifier, sha256.Sum256)
	if err != nil || c != rfcChallenge {
		t.Fatalf("Challenge = %q, %v; want %q", c, err, rfcChallenge)
	}
	if !Verify(rfcVerifier, rfcChallenge, sha256.Sum256) {
		t.Fatal("Verify rejected the RFC 7636 vector")
	}
	if Verify(rfcVerifier, rfcChallenge+"A", sha256.Sum256) || Verify(rfcVerifier, "", sha256.Sum256) {
		t.Fatal("Verify accepted a wrong challenge")
	}
	called := false
	fake := func(b []byte) [32]byte { called = true; return [32]byte{} }
	if _, err := Challenge("short", fake); !errors.Is(err, ErrVerifier) || called {
		t.Fatalf("Challenge of a bad verifier: err = %v, hashed = %v", err, called)
	}
	if Verify("short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", fake) {
		t.Fatal("Verify accepted a malformed verifier")
	}
	c, _ = Challenge(rfcVerifier, fake)
	if c != strings.Repeat("A", 43) {
		t.Fatalf("Challenge did not use the digest it was given: %q", c)
	}
}

func TestEncodeVerifierNeedsEnoughEntropy(t *testing.T) {
	if _, err := EncodeVerifier(make([]byte, 31)); !errors.Is(err, ErrVerifier) {
		t.Fatalf("31 bytes: err = %v, want ErrVerifier", err)
	}
	if _, err := EncodeVerifier(make([]byte, 97)); !errors.Is(err, ErrVerifier) {
		t.Fatalf("97 bytes: err = %v, want ErrVerifier", err)
	}
	v, err := EncodeVerifier(make([]byte, 96))
	if err != nil || len(v) != 128 {
		t.Fatalf("96 bytes: %q, %v", v, err)
	}
}
