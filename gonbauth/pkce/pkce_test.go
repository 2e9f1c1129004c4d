package pkce

import (
	"errors"
	"strings"
	"testing"
)

// RFC 7636 Appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func TestChallengeRFC7636AppendixB(t *testing.T) {
	got, err := Challenge(rfcVerifier)
	if err != nil {
		t.Fatal(err)
	}
	if got != rfcChallenge {
		t.Fatalf("Challenge(%q) = %q, want %q", rfcVerifier, got, rfcChallenge)
	}
	if !Verify(rfcVerifier, rfcChallenge) {
		t.Fatal("Verify rejected the RFC 7636 vector")
	}
	if Verify(rfcVerifier, rfcChallenge[:42]+"x") {
		t.Fatal("Verify accepted a wrong challenge")
	}
}

func TestNewVerifierIsFreshAndValid(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		v, err := NewVerifier()
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(v); err != nil {
			t.Fatalf("NewVerifier produced an invalid verifier: %v", err)
		}
		if len(v) != 43 {
			t.Fatalf("len = %d, want 43", len(v))
		}
		if seen[v] {
			t.Fatal("NewVerifier repeated a verifier")
		}
		seen[v] = true
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name, v string
		ok      bool
		msg     string
	}{
		{"rfc vector", rfcVerifier, true, ""},
		{"min length", strings.Repeat("a", 43), true, ""},
		{"max length", strings.Repeat("~", 128), true, ""},
		{"all unreserved", "ABCXYZabcxyz0189-._~" + strings.Repeat("a", 23), true, ""},
		{"too short", strings.Repeat("a", 42), false, "length 42"},
		{"too long", strings.Repeat("a", 129), false, "length 129"},
		{"empty", "", false, "length 0"},
		{"plus", strings.Repeat("a", 42) + "+", false, "position 42"},
		{"slash", "/" + strings.Repeat("a", 42), false, "position 0"},
		{"space", strings.Repeat("a", 20) + " " + strings.Repeat("a", 22), false, "position 20"},
		{"non-ascii", strings.Repeat("a", 42) + "é", false, "position 42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.v)
			if tt.ok {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrVerifier) {
				t.Fatalf("err = %v, want ErrVerifier", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %q, want it to mention %q", err, tt.msg)
			}
			if len(tt.v) > 10 && strings.Contains(err.Error(), tt.v) {
				t.Fatal("error repeats the verifier")
			}
			if Verify(tt.v, "anything") {
				t.Fatal("Verify accepted a malformed verifier")
			}
		})
	}
}
