package gonbauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkEntryInvariants checks what decodeEntry promises of an entry it
// returns.
func checkEntryInvariants(e *entry) error {
	switch {
	case e == nil:
		return errors.New("nil entry")
	case e.Version != storeVersion:
		return fmt.Errorf("version %d", e.Version)
	case e.Issuer == "" || e.ClientID == "":
		return fmt.Errorf("issuer %q, client ID %q", e.Issuer, e.ClientID)
	case e.Token.AccessToken == "" && e.Token.RefreshToken == "":
		return errors.New("no token")
	case checkEndpoint(e.TokenURL) != nil:
		return fmt.Errorf("token URL %q: %v", e.TokenURL, checkEndpoint(e.TokenURL))
	case e.RevocationURL != "" && checkEndpoint(e.RevocationURL) != nil:
		return fmt.Errorf("revocation URL %q: %v", e.RevocationURL, checkEndpoint(e.RevocationURL))
	}
	return nil
}

// normalisedEntry makes two entries that mean the same compare equal with
// reflect.DeepEqual: times by instant, an empty claims map as none.
func normalisedEntry(e *entry) entry {
	n := *e
	utc := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Time{}
		}
		return t.UTC()
	}
	n.SavedAt, n.Token.Expiry = utc(n.SavedAt), utc(n.Token.Expiry)
	if len(n.Claims) == 0 {
		n.Claims = nil
	}
	return n
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add([]byte(`{"version":1,"issuer":"https://login.example.com","client_id":"c","scopes":["email","openid"],"token_url":"https://login.example.com/token","token":{"access_token":"at","refresh_token":"rt","expiry":"2030-01-02T03:04:05.123456789+02:00","id_token":"x.y.z","scope":"openid"},"claims":{"sub":"1","n":1.5e300},"saved_at":"2025-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"version":1,"issuer":"i","client_id":"c","token_url":"http://127.0.0.1:1/t","token":{"refresh_token":"r"}}`))
	f.Add([]byte(`{"Version":1,"ISSUER":"i","Client_ID":"c","token_URL":"https://x/t","Token":{"Access_Token":"a"},"claims":{}}`))
	f.Add([]byte(`{"version":2,"issuer":"i","client_id":"c","token_url":"https://x/t","token":{"access_token":"a"}}`))
	f.Add([]byte(`{"version":1,"version":2}`))
	f.Add([]byte("{\"version\":1,\"issuer\":\"\\ud800\xff<\",\"client_id\":\"c\",\"token_url\":\"https://x/t\",\"token\":{\"access_token\":\"a\",\"expiry\":\"0000-01-01T00:00:00+23:59\"}}"))
	f.Add([]byte(`{"version":1,"issuer":"i","client_id":"c","token_url":"https://x/t","token":{"access_token":"a"}}{}`))
	f.Add([]byte(``))

	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := decodeEntry(data)
		if err != nil {
			if e != nil {
				t.Fatalf("decodeEntry returned both %+v and %v", e, err)
			}
			if err.Error() == "" || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not a one-line reason", err)
			}
			return
		}
		if len(data) > maxEntryBytes {
			t.Fatalf("accepted %d bytes, more than maxEntryBytes", len(data))
		}
		if err := checkEntryInvariants(e); err != nil {
			t.Fatalf("accepted an entry that breaks an invariant: %v", err)
		}

		// What was accepted survives being written back, as save does.
		b1, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("accepted an entry that cannot be encoded: %v", err)
		}
		if len(b1) > maxEntryBytes {
			// Escaping grew it past the limit: see TestStoreSavedEntryAlwaysLoads.
			return
		}
		e2, err := decodeEntry(b1)
		if err != nil {
			t.Fatalf("re-encoded entry rejected: %v\n%s", err, b1)
		}
		if err := checkEntryInvariants(e2); err != nil {
			t.Fatalf("re-decoded entry breaks an invariant: %v", err)
		}
		if n1, n2 := normalisedEntry(e), normalisedEntry(e2); !reflect.DeepEqual(n1, n2) {
			t.Fatalf("round trip changed the entry:\n%#v\n%#v", n1, n2)
		}
		b2, err := json.Marshal(e2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("encoding not stable:\n%s\n%s", b1, b2)
		}
		if !keysEqual(e.entryKey, e2.entryKey) || e.fileName() != e2.fileName() {
			t.Fatalf("round trip changed the key: %+v, %+v", e.entryKey, e2.entryKey)
		}

		// The indented form save writes decodes to the same entry.
		bi, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if len(bi) <= maxEntryBytes {
			e3, err := decodeEntry(append(bi, '\n'))
			if err != nil {
				t.Fatalf("indented entry rejected: %v", err)
			}
			if n1, n3 := normalisedEntry(e), normalisedEntry(e3); !reflect.DeepEqual(n1, n3) {
				t.Fatalf("indented round trip changed the entry:\n%#v\n%#v", n1, n3)
			}
		}
	})
}

// TestDecodeEntrySeedCorpus keeps the committed seeds meaning what their
// names say: "valid-*" ones decode, the other named ones are rejected.
// Files the fuzzer adds (named by a hash) are only run by FuzzDecodeEntry.
func TestDecodeEntrySeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecodeEntry")
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	hashName := regexp.MustCompile(`^[0-9a-f]{16}$`)
	seen := map[string]bool{}
	for _, de := range des {
		name := de.Name()
		if hashName.MatchString(name) {
			continue
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			header, body, ok := strings.Cut(string(raw), "\n")
			body = strings.TrimSpace(body)
			if header != "go test fuzz v1" || !ok || !strings.HasPrefix(body, "[]byte(") || !strings.HasSuffix(body, ")") {
				t.Fatalf("not a one-value corpus file: %q", raw)
			}
			data, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(body, "[]byte("), ")"))
			if err != nil {
				t.Fatal(err)
			}
			e, err := decodeEntry([]byte(data))
			if want := strings.HasPrefix(name, "valid-"); (err == nil) != want {
				t.Errorf("decodeEntry error = %v, want success = %v", err, want)
			}
			if err == nil {
				if err := checkEntryInvariants(e); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for _, name := range []string{"valid-full", "valid-minimal", "version-2", "truncated-half", "unknown-field", "wrong-types", "huge-number", "deeply-nested", "empty"} {
		if !seen[name] {
			t.Errorf("seed %s is missing", name)
		}
	}
}
