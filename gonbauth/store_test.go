package gonbauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// Every token value in these tests holds storeTestMarker, so that a warning
// or error quoting any part of one is caught by checkNoSecrets. Test and
// subtest names must not contain it (they end up in temporary paths).
const storeTestMarker = "SECRET"

const (
	storeTestAccess  = "at-SECRET-4f1c2e9a"
	storeTestRefresh = "rt-SECRET-b83d07e5"
	storeTestIDToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig-SECRET-91aa"
)

// storeWarnings collects what a store warns about; safe for concurrent use.
type storeWarnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *storeWarnings) add(m string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, m)
	leaks.Output("a store warning", m)
}

func (w *storeWarnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.msgs)
}

func (w *storeWarnings) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = nil
}

// newStoreForTest returns a store in a directory that does not exist yet,
// so that the store creates it.
func newStoreForTest(t *testing.T) (*store, *storeWarnings) {
	t.Helper()
	w := &storeWarnings{}
	return &store{dir: filepath.Join(t.TempDir(), "config", "gonbauth"), warn: w.add}, w
}

func storeTestKey(issuer, clientID, account string, scopes ...string) entryKey {
	return newEntryKey(&settings{issuer: issuer, clientID: clientID, account: account, scopes: scopes})
}

var storeTestDefaultKey = storeTestKey("https://login.example.com", "notebook-client", "", "openid", "email", "profile")

// storeTestEntry returns a complete entry for k, built the way Login builds
// one: the token goes through toStored.
func storeTestEntry(k entryKey) *entry {
	tok := (&oauth2.Token{
		AccessToken:  storeTestAccess,
		TokenType:    "Bearer",
		RefreshToken: storeTestRefresh,
		Expiry:       time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.UTC),
	}).WithExtra(map[string]any{
		"id_token":   storeTestIDToken,
		"scope":      "openid email profile offline_access",
		"expires_in": 3600, // dropped: not part of a saved sign-in
	})
	return &entry{
		entryKey:      k,
		TokenURL:      "https://login.example.com/oauth2/token",
		RevocationURL: "https://login.example.com/oauth2/revoke",
		Token:         toStored(tok),
		Claims: map[string]any{
			"sub":    "user-123",
			"email":  "ada@example.com",
			"exp":    float64(1.9e9),
			"groups": []any{"eng", "ops"},
			"nested": map[string]any{"ok": true, "n": nil},
		},
		Name:  "Ada Lovelace",
		Email: "ada@example.com",
	}
}

// storeTestRaw returns a valid saved sign-in for k as a JSON object that a
// test can change before writing it.
func storeTestRaw(t *testing.T, k entryKey) map[string]any {
	t.Helper()
	e := storeTestEntry(k)
	e.Version, e.SavedAt = storeVersion, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return jsonObject(t, b)
}

// jsonObject decodes data, which must be a JSON object.
func jsonObject(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("not a JSON object: %v", err)
	}
	return m
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeStoreFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // regardless of the umask
		t.Fatal(err)
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func checkNoSecrets(t *testing.T, what string, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		for _, s := range []string{storeTestMarker, storeTestAccess, storeTestRefresh, storeTestIDToken} {
			if strings.Contains(m, s) {
				t.Errorf("%s quotes a token (%q): %q", what, s, m)
			}
		}
	}
}

// checkStoreError wants op on the store to have failed with err, a message
// that starts with "gonbauth: ", names path (what was in the way) and
// quotes no token.
func checkStoreError(t *testing.T, op string, err error, path string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s succeeded where it must fail (%s is in the way)", op, path)
	}
	if !strings.HasPrefix(err.Error(), "gonbauth: ") || !strings.Contains(err.Error(), path) {
		t.Errorf("%s error %q should start with \"gonbauth: \" and name %s", op, err, path)
	}
	checkNoSecrets(t, op+" error", err.Error())
}

// checkNoTempFiles fails if a save left a temporary file in dir.
func checkNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".tmp-") {
			t.Errorf("leftover temporary file %s", filepath.Join(dir, de.Name()))
		}
	}
}

func TestStoreSaveLoadRoundTrip(t *testing.T) {
	expiry := time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		name    string
		tok     *oauth2.Token
		account string
		scopes  []string
	}{
		{"full token", (&oauth2.Token{AccessToken: storeTestAccess, TokenType: "Bearer", RefreshToken: storeTestRefresh, Expiry: expiry}).
			WithExtra(map[string]any{"id_token": storeTestIDToken, "scope": "openid email"}), "", []string{"openid", "email"}},
		{"access token only", &oauth2.Token{AccessToken: storeTestAccess}, "", []string{"openid"}},
		{"refresh token only", &oauth2.Token{RefreshToken: storeTestRefresh, TokenType: "bearer"}, "work", []string{"api"}},
		{"id token without scope", (&oauth2.Token{AccessToken: storeTestAccess, Expiry: expiry}).
			WithExtra(map[string]any{"id_token": storeTestIDToken}), "home", nil},
		{"non-string extras are dropped", (&oauth2.Token{AccessToken: storeTestAccess}).
			WithExtra(map[string]any{"id_token": 42, "scope": []any{"a"}}), "", []string{"b", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, w := newStoreForTest(t)
			k := storeTestKey("https://login.example.com", "client-1", tt.account, tt.scopes...)
			want := storeTestEntry(k)
			want.Token = toStored(tt.tok)
			before := time.Now().UTC().Add(-time.Second)
			if err := st.save(want); err != nil {
				t.Fatal(err)
			}
			after := time.Now().UTC().Add(time.Second)

			got := st.load(k)
			if got == nil {
				t.Fatalf("load returned nothing; warnings: %q", w.all())
			}
			if len(w.all()) != 0 {
				t.Errorf("warnings on a clean round trip: %q", w.all())
			}
			if got.Version != storeVersion {
				t.Errorf("version = %d, want %d", got.Version, storeVersion)
			}
			if got.SavedAt.Before(before) || got.SavedAt.After(after) {
				t.Errorf("saved_at = %v, want between %v and %v", got.SavedAt, before, after)
			}
			if !got.SavedAt.Equal(want.SavedAt) {
				t.Errorf("saved_at = %v, save set %v", got.SavedAt, want.SavedAt)
			}
			if !keysEqual(got.entryKey, k) || got.Issuer != k.Issuer || got.ClientID != k.ClientID || got.Account != k.Account {
				t.Errorf("key = %+v, want %+v", got.entryKey, k)
			}
			if got.TokenURL != want.TokenURL || got.RevocationURL != want.RevocationURL {
				t.Errorf("URLs = %q, %q", got.TokenURL, got.RevocationURL)
			}
			if got.Name != want.Name || got.Email != want.Email {
				t.Errorf("name, email = %q, %q", got.Name, got.Email)
			}
			if !reflect.DeepEqual(got.Claims, want.Claims) {
				t.Errorf("claims = %#v, want %#v", got.Claims, want.Claims)
			}
			gt, wt := got.Token, want.Token
			if gt.AccessToken != wt.AccessToken || gt.TokenType != wt.TokenType || gt.RefreshToken != wt.RefreshToken ||
				gt.IDToken != wt.IDToken || gt.Scope != wt.Scope || !gt.Expiry.Equal(wt.Expiry) {
				t.Errorf("stored token = %+v, want %+v", gt, wt)
			}

			// Through oauth2.Token, as Login hands it on.
			ot := got.Token.oauth2()
			if ot.AccessToken != tt.tok.AccessToken || ot.TokenType != tt.tok.TokenType ||
				ot.RefreshToken != tt.tok.RefreshToken || !ot.Expiry.Equal(tt.tok.Expiry) {
				t.Errorf("oauth2 token = %+v, want %+v", ot, tt.tok)
			}
			for _, x := range []string{"id_token", "scope"} {
				wantX, _ := tt.tok.Extra(x).(string)
				gotX := ot.Extra(x)
				if wantX == "" {
					if gotX != nil {
						t.Errorf("Extra(%q) = %#v, want nil", x, gotX)
					}
				} else if gotX != wantX {
					t.Errorf("Extra(%q) = %#v, want %q", x, gotX, wantX)
				}
			}

			if m := fileMode(t, st.dir); m != 0o700 {
				t.Errorf("store directory mode = %v, want 0700", m)
			}
			if m := fileMode(t, filepath.Dir(st.dir)); m != 0o700 {
				t.Errorf("parent created with mode %v, want 0700", m)
			}
			p := st.path(k)
			if m := fileMode(t, p); m != 0o600 {
				t.Errorf("file mode = %v, want 0600", m)
			}
			checkNoTempFiles(t, st.dir)

			// The file itself: versioned, no token in a field name, the
			// oauth2 extras kept under their own names.
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			m := jsonObject(t, raw)
			if m["version"] != float64(1) {
				t.Errorf("version in the file = %#v", m["version"])
			}
			if _, ok := m["saved_at"].(string); !ok {
				t.Errorf("saved_at in the file = %#v", m["saved_at"])
			}
			tm, _ := m["token"].(map[string]any)
			if _, ok := tm["expiry"]; ok != !tt.tok.Expiry.IsZero() {
				t.Errorf("expiry in the file: %v, want present = %v", ok, !tt.tok.Expiry.IsZero())
			}
			if tm["id_token"] != nil && tm["id_token"] != storeTestIDToken {
				t.Errorf("id_token in the file = %#v", tm["id_token"])
			}
		})
	}
}

func TestStoreSaveSetsVersionAndTime(t *testing.T) {
	st, _ := newStoreForTest(t)
	e := storeTestEntry(storeTestDefaultKey)
	e.Version, e.SavedAt = 7, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := st.save(e); err != nil {
		t.Fatal(err)
	}
	if e.Version != storeVersion || time.Since(e.SavedAt) > time.Minute || e.SavedAt.Location() != time.UTC {
		t.Errorf("after save: version %d, saved_at %v", e.Version, e.SavedAt)
	}
	if got := st.load(storeTestDefaultKey); got == nil || got.Version != storeVersion {
		t.Errorf("load after saving a stale version = %+v", got)
	}
}

func TestStoreSaveTightensLooseDirectory(t *testing.T) {
	for _, mode := range []os.FileMode{0o755, 0o750, 0o705, 0o777, 0o701} {
		t.Run(fmt.Sprintf("%04o", mode), func(t *testing.T) {
			st, w := newStoreForTest(t)
			if err := os.MkdirAll(st.dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(st.dir, mode); err != nil {
				t.Fatal(err)
			}
			if err := st.save(storeTestEntry(storeTestDefaultKey)); err != nil {
				t.Fatal(err)
			}
			if m := fileMode(t, st.dir); m != 0o700 {
				t.Errorf("mode after save = %v, want 0700", m)
			}
			ws := w.all()
			if len(ws) != 1 {
				t.Fatalf("warnings = %q, want exactly one", ws)
			}
			if !strings.Contains(ws[0], st.dir) || !strings.Contains(ws[0], "0700") {
				t.Errorf("warning %q should name the directory and its new mode", ws[0])
			}
			checkNoSecrets(t, "warning", ws...)

			// Once private, no more warnings.
			if err := st.save(storeTestEntry(storeTestDefaultKey)); err != nil {
				t.Fatal(err)
			}
			if st.load(storeTestDefaultKey) == nil {
				t.Error("load after save returned nothing")
			}
			if got := w.all(); len(got) != 1 {
				t.Errorf("warnings after a second save = %q, want still one", got)
			}
		})
	}
}

func TestStoreLockTightensLooseDirectory(t *testing.T) {
	st, w := newStoreForTest(t)
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(st.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	unlock, err := st.lock(context.Background(), storeTestDefaultKey)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if m := fileMode(t, st.dir); m != 0o700 {
		t.Errorf("mode after lock = %v, want 0700", m)
	}
	if ws := w.all(); len(ws) != 1 {
		t.Errorf("warnings = %q, want exactly one", ws)
	}
}

func TestStoreLoadRepairsLooseFileMode(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o666, 0o660, 0o606} {
		t.Run(fmt.Sprintf("%04o", mode), func(t *testing.T) {
			st, w := newStoreForTest(t)
			if err := st.save(storeTestEntry(storeTestDefaultKey)); err != nil {
				t.Fatal(err)
			}
			p := st.path(storeTestDefaultKey)
			if err := os.Chmod(p, mode); err != nil {
				t.Fatal(err)
			}
			got := st.load(storeTestDefaultKey)
			if got == nil || got.Token.AccessToken != storeTestAccess {
				t.Fatalf("load = %+v, want the saved entry; warnings %q", got, w.all())
			}
			if m := fileMode(t, p); m != 0o600 {
				t.Errorf("mode after load = %v, want 0600", m)
			}
			ws := w.all()
			if len(ws) != 1 {
				t.Fatalf("warnings = %q, want exactly one", ws)
			}
			if !strings.Contains(ws[0], "readable by other users") || !strings.Contains(ws[0], p) {
				t.Errorf("warning %q should say the file %s was readable by other users", ws[0], p)
			}
			checkNoSecrets(t, "warning", ws...)

			w.reset()
			if st.load(storeTestDefaultKey) == nil || len(w.all()) != 0 {
				t.Errorf("second load: warnings %q", w.all())
			}
		})
	}
}

// badEntryCase is a file that is not a usable saved sign-in for the key it
// is stored under, with (part of) the reason decodeEntry or load gives.
type badEntryCase struct {
	name    string
	data    []byte
	reasons []string // the warning contains one of these
}

// storeTestBadEntries returns file contents that decodeEntry must reject.
// Each holds the test tokens, so that a reason quoting them is caught.
func storeTestBadEntries(t *testing.T, k entryKey) []badEntryCase {
	t.Helper()
	with := func(change func(m map[string]any)) []byte {
		m := storeTestRaw(t, k)
		change(m)
		return mustJSON(t, m)
	}
	tokenWith := func(change func(tm map[string]any)) []byte {
		return with(func(m map[string]any) { change(m["token"].(map[string]any)) })
	}
	valid := mustJSON(t, storeTestRaw(t, k))
	cases := []badEntryCase{
		{"invalid JSON", []byte(`{"version": 1, "token": {"access_token": "` + storeTestAccess + `" oops`), []string{"not valid JSON"}},
		{"empty file", nil, []string{"not valid JSON"}},
		{"whitespace only", []byte(" \n\t"), []string{"not valid JSON"}},
		{"JSON null", []byte("null"), []string{"format version none"}},
		{"JSON array", []byte(`[{"version":1}]`), []string{"not valid JSON"}},
		{"version 2", with(func(m map[string]any) { m["version"] = 2 }), []string{"format version 2, not 1"}},
		{"version 0", with(func(m map[string]any) { m["version"] = 0 }), []string{"format version 0, not 1"}},
		{"version -1", with(func(m map[string]any) { m["version"] = -1 }), []string{"format version -1, not 1"}},
		{"version missing", with(func(m map[string]any) { delete(m, "version") }), []string{"format version none"}},
		{"version null", with(func(m map[string]any) { m["version"] = nil }), []string{"format version none"}},
		{"version as string", with(func(m map[string]any) { m["version"] = "1" }), []string{"version"}},
		{"version as float", []byte(strings.Replace(string(valid), `"version": 1`, `"version": 1.5`, 1)), []string{"version"}},
		{"version huge", []byte(strings.Replace(string(valid), `"version": 1`, `"version": 1e400`, 1)), []string{"version", "not valid JSON"}},
		{"unknown field", with(func(m map[string]any) { m["refresh_token"] = storeTestRefresh }), []string{"unknown field"}},
		{"unknown token field", tokenWith(func(tm map[string]any) { tm["access"] = "x" }), []string{"unknown field"}},
		{"trailing object", append(bytes.Clone(valid), []byte(`{"version":1}`)...), []string{"trailing data", "after top-level value"}},
		{"trailing garbage", append(bytes.Clone(valid), []byte("\nx")...), []string{"trailing data", "after top-level value"}},
		{"two entries", append(append(bytes.Clone(valid), '\n'), valid...), []string{"trailing data", "after top-level value"}},
		{"missing issuer", with(func(m map[string]any) { delete(m, "issuer") }), []string{"no issuer or client ID"}},
		{"empty issuer", with(func(m map[string]any) { m["issuer"] = "" }), []string{"no issuer or client ID"}},
		{"missing client", with(func(m map[string]any) { delete(m, "client_id") }), []string{"no issuer or client ID"}},
		{"no token object", with(func(m map[string]any) { delete(m, "token") }), []string{"no token"}},
		{"empty tokens", tokenWith(func(tm map[string]any) { tm["access_token"], tm["refresh_token"] = "", "" }), []string{"no token"}},
		{"only an ID token", tokenWith(func(tm map[string]any) { delete(tm, "access_token"); delete(tm, "refresh_token") }), []string{"no token"}},
		{"token as string", with(func(m map[string]any) { m["token"] = storeTestAccess }), []string{"not a saved sign-in"}},
		{"access token as number", tokenWith(func(tm map[string]any) { tm["access_token"] = 12345 }), []string{"not a saved sign-in"}},
		{"expiry not a time", tokenWith(func(tm map[string]any) { tm["expiry"] = "tomorrow" }), []string{"not a saved sign-in"}},
		{"scopes not a list", with(func(m map[string]any) { m["scopes"] = "openid" }), []string{"not a saved sign-in"}},
		{"claims not an object", with(func(m map[string]any) { m["claims"] = []any{1} }), []string{"not a saved sign-in"}},
		{"token URL plain http", with(func(m map[string]any) { m["token_url"] = "http://login.example.com/token" }), []string{"no valid token URL"}},
		{"token URL missing", with(func(m map[string]any) { delete(m, "token_url") }), []string{"no valid token URL"}},
		{"token URL relative", with(func(m map[string]any) { m["token_url"] = "/token" }), []string{"no valid token URL"}},
		{"token URL with password", with(func(m map[string]any) { m["token_url"] = "https://u:p@login.example.com/token" }), []string{"no valid token URL"}},
		{"token URL other scheme", with(func(m map[string]any) { m["token_url"] = "file:///etc/passwd" }), []string{"no valid token URL"}},
		{"revocation URL plain http", with(func(m map[string]any) { m["revocation_url"] = "http://login.example.com/revoke" }), []string{"invalid revocation URL"}},
		{"oversized", with(func(m map[string]any) { m["claims"] = map[string]any{"pad": strings.Repeat("x", maxEntryBytes)} }), []string{"larger than"}},
	}
	// Truncations of a valid file: never valid JSON.
	trimmed := bytes.TrimSpace(valid)
	for _, n := range []int{1, 2, 10, len(trimmed) / 4, len(trimmed) / 2, len(trimmed) - 20, len(trimmed) - 2, len(trimmed) - 1} {
		cases = append(cases, badEntryCase{fmt.Sprintf("truncated to %d bytes", n), trimmed[:n:n], []string{"not valid JSON"}})
	}
	// Truncated in the middle of each token.
	for _, s := range []string{storeTestAccess, storeTestRefresh, storeTestIDToken} {
		i := bytes.Index(trimmed, []byte(s))
		if i < 0 {
			t.Fatalf("%s not in the entry", s)
		}
		n := i + len(s)/2
		cases = append(cases, badEntryCase{fmt.Sprintf("truncated in a token at %d bytes", n), trimmed[:n:n], []string{"not valid JSON"}})
	}
	return cases
}

func TestDecodeEntryAcceptsValid(t *testing.T) {
	k := storeTestDefaultKey
	minimal := fmt.Sprintf(`{"version":1,"issuer":"i","client_id":"c","token_url":"http://127.0.0.1:8080/t","token":{"refresh_token":%q}}`, storeTestRefresh)
	tests := []struct {
		name string
		data []byte
	}{
		{"full", mustJSON(t, storeTestRaw(t, k))},
		{"minimal", []byte(minimal)},
		{"loopback http", []byte(`{"version":1,"issuer":"i","client_id":"c","token_url":"http://localhost:9/t","revocation_url":"http://[::1]:9/r","token":{"access_token":"a"}}`)},
		{"trailing whitespace", []byte(minimal + " \n\n\t ")},
		{"null optional fields", []byte(`{"version":1,"issuer":"i","client_id":"c","token_url":"https://x/t","token":{"access_token":"a","expiry":null},"scopes":null,"claims":null}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := decodeEntry(tt.data)
			if err != nil || e == nil {
				t.Fatalf("decodeEntry = %v, %v", e, err)
			}
			if err := checkEntryInvariants(e); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestDecodeEntryRejects(t *testing.T) {
	for _, tt := range storeTestBadEntries(t, storeTestDefaultKey) {
		t.Run(tt.name, func(t *testing.T) {
			e, err := decodeEntry(tt.data)
			if err == nil || e != nil {
				t.Fatalf("decodeEntry = %+v, %v; want an error", e, err)
			}
			checkReason(t, err.Error(), tt.reasons)
			checkNoSecrets(t, "error", err.Error())
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
		})
	}
}

func checkReason(t *testing.T, msg string, reasons []string) {
	t.Helper()
	for _, r := range reasons {
		if strings.Contains(msg, r) {
			return
		}
	}
	t.Errorf("%q gives none of the reasons %q", msg, reasons)
}

func TestDecodeEntrySizeLimit(t *testing.T) {
	base := fmt.Sprintf(`{"version":1,"issuer":"i","client_id":"c","token_url":"https://x/t","token":{"access_token":%q}}`, storeTestAccess)
	pad := func(n int) []byte { return []byte(base + strings.Repeat(" ", n-len(base))) }
	if e, err := decodeEntry(pad(maxEntryBytes)); err != nil || e == nil {
		t.Errorf("entry of exactly maxEntryBytes: %v", err)
	}
	if e, err := decodeEntry(pad(maxEntryBytes + 1)); err == nil || e != nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("entry of maxEntryBytes+1: %v, %v", e, err)
	}
	// Through load, which reads at most maxEntryBytes+1 bytes.
	st, w := newStoreForTest(t)
	k := storeTestKey("i", "c", "")
	k.Scopes = nil
	keyed := fmt.Sprintf(`{"version":1,"issuer":"i","client_id":"c","scopes":null,"token_url":"https://x/t","token":{"access_token":%q}}`, storeTestAccess)
	for _, tt := range []struct {
		size int
		ok   bool
	}{{maxEntryBytes, true}, {maxEntryBytes + 1, false}, {3 * maxEntryBytes, false}} {
		writeStoreFile(t, st.path(k), []byte(keyed+strings.Repeat(" ", tt.size-len(keyed))), 0o600)
		w.reset()
		got := st.load(k)
		if (got != nil) != tt.ok {
			t.Errorf("load of %d bytes = %v, want ok = %v (warnings %q)", tt.size, got, tt.ok, w.all())
		}
		if !tt.ok {
			ws := w.all()
			if len(ws) != 1 || !strings.Contains(ws[0], "larger than") {
				t.Errorf("load of %d bytes: warnings %q", tt.size, ws)
			}
		}
	}
}

// checkIgnored checks that load returned nothing and gave exactly one
// warning naming the file and the reason, without any token.
func checkIgnored(t *testing.T, got *entry, w *storeWarnings, path string, reasons []string) {
	t.Helper()
	if got != nil {
		t.Errorf("load = %+v, want nil", got)
	}
	ws := w.all()
	if len(ws) != 1 {
		t.Fatalf("warnings = %q, want exactly one", ws)
	}
	if !strings.Contains(ws[0], path) {
		t.Errorf("warning %q does not name the file %s", ws[0], path)
	}
	checkReason(t, ws[0], reasons)
	checkNoSecrets(t, "warning", ws...)
}

func TestStoreLoadIgnoresCorruptFiles(t *testing.T) {
	k := storeTestDefaultKey
	for _, tt := range storeTestBadEntries(t, k) {
		t.Run(tt.name, func(t *testing.T) {
			st, w := newStoreForTest(t)
			p := st.path(k)
			writeStoreFile(t, p, tt.data, 0o600)
			checkIgnored(t, st.load(k), w, p, tt.reasons)
			if _, err := os.Stat(p); err != nil {
				t.Errorf("load removed the file: %v", err)
			}
		})
	}
}

// TestStoreLoadIgnoresEveryTruncation cuts a saved file at every length.
func TestStoreLoadIgnoresEveryTruncation(t *testing.T) {
	st, w := newStoreForTest(t)
	k := storeTestDefaultKey
	if err := st.save(storeTestEntry(k)); err != nil {
		t.Fatal(err)
	}
	p := st.path(k)
	full, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	trimmed := bytes.TrimSpace(full)
	for n := 0; n < len(trimmed); n++ {
		writeStoreFile(t, p, trimmed[:n], 0o600)
		w.reset()
		if got := st.load(k); got != nil {
			t.Fatalf("load of the first %d bytes returned an entry", n)
		}
		ws := w.all()
		if len(ws) != 1 || !strings.Contains(ws[0], p) || !strings.Contains(ws[0], "not valid JSON") {
			t.Fatalf("first %d bytes: warnings %q", n, ws)
		}
		checkNoSecrets(t, fmt.Sprintf("warning for the first %d bytes", n), ws...)
	}
}

func TestStoreLoadIgnoresOtherSettings(t *testing.T) {
	k := storeTestKey("https://login.example.com", "client-1", "work", "openid", "email")
	tests := []struct {
		name  string
		other entryKey
	}{
		{"other issuer", storeTestKey("https://evil.example.com", "client-1", "work", "openid", "email")},
		{"other client", storeTestKey("https://login.example.com", "client-2", "work", "openid", "email")},
		{"other account", storeTestKey("https://login.example.com", "client-1", "home", "openid", "email")},
		{"no account", storeTestKey("https://login.example.com", "client-1", "", "openid", "email")},
		{"fewer scopes", storeTestKey("https://login.example.com", "client-1", "work", "openid")},
		{"more scopes", storeTestKey("https://login.example.com", "client-1", "work", "openid", "email", "profile")},
		{"unsorted scopes", entryKey{Issuer: k.Issuer, ClientID: k.ClientID, Account: k.Account, Scopes: []string{"openid", "email"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, w := newStoreForTest(t)
			// A valid entry for other settings, under k's file name.
			e := storeTestEntry(tt.other)
			e.Version, e.SavedAt = storeVersion, time.Now().UTC()
			p := st.path(k)
			writeStoreFile(t, p, mustJSON(t, e), 0o600)
			checkIgnored(t, st.load(k), w, p, []string{"belongs to other settings"})
		})
	}
}

func TestStoreLoadIgnoresNonRegularFiles(t *testing.T) {
	k := storeTestDefaultKey
	tests := []struct {
		name    string
		setup   func(t *testing.T, st *store, p string)
		reasons []string
	}{
		{"symlink to a valid entry", func(t *testing.T, st *store, p string) {
			other := &store{dir: t.TempDir(), warn: func(string) {}}
			if err := other.save(storeTestEntry(k)); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(st.dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(other.path(k), p); err != nil {
				t.Fatal(err)
			}
		}, []string{"symbolic link"}},
		{"dangling symlink", func(t *testing.T, st *store, p string) {
			if err := os.MkdirAll(st.dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(t.TempDir(), "nowhere.json"), p); err != nil {
				t.Fatal(err)
			}
		}, []string{"symbolic link"}},
		{"directory", func(t *testing.T, st *store, p string) {
			if err := os.MkdirAll(p, 0o700); err != nil {
				t.Fatal(err)
			}
		}, []string{"not a regular file"}},
		{"file of another user", func(t *testing.T, st *store, p string) {
			if os.Geteuid() != 0 {
				skipOutsideCI(t, "needs root to give a file away")
			}
			e := storeTestEntry(k)
			e.Version = storeVersion
			writeStoreFile(t, p, mustJSON(t, e), 0o600)
			if err := os.Chown(p, 54321, 54321); err != nil {
				skipOutsideCI(t, "cannot chown: "+err.Error())
			}
		}, []string{"belongs to another user"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, w := newStoreForTest(t)
			p := st.path(k)
			tt.setup(t, st, p)
			checkIgnored(t, st.load(k), w, p, tt.reasons)
		})
	}
}

// TestStoreDirOfAnotherUser: a store directory that is not the user's is
// refused with the setting to change, named as the user sets it.
func TestStoreDirOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOutsideCI(t, "needs root to give a directory away")
	}
	dir := filepath.Join(t.TempDir(), "gonbauth")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 54321, 54321); err != nil {
		skipOutsideCI(t, "cannot chown: "+err.Error())
	}
	for w, want := range map[where]string{whereCLI: "set GONBAUTH_CONFIG_DIR to a directory of yours", whereNotebook: "set Config.ConfigDir (GONBAUTH_CONFIG_DIR) to"} {
		st, err := storeFor(&settings{configDir: dir, where: w, output: &bytes.Buffer{}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.checkDir(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: err = %v, want %q", w, err, want)
		}
	}
}

// TestStoreLoadFIFODoesNotHang plants a named pipe where the entry should
// be: load must report it as not a regular file instead of blocking in
// open(2) until some process opens the pipe for writing.
func TestStoreLoadFIFODoesNotHang(t *testing.T) {
	for _, via := range []string{"load", "list"} {
		t.Run(via, func(t *testing.T) {
			st, w := newStoreForTest(t)
			k := storeTestDefaultKey
			p := st.path(k)
			if err := os.MkdirAll(st.dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				skipOutsideCI(t, "no FIFOs here: "+err.Error())
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				if via == "load" {
					st.load(k)
				} else {
					st.list()
				}
			}()
			select {
			case <-done:
				checkReason(t, strings.Join(w.all(), "\n"), []string{"not a regular file"})
			case <-time.After(3 * time.Second):
				t.Errorf("%s blocked on a FIFO in the store for 3s", via)
				// Unblock it: a writer that closes at once gives EOF.
				if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					f.Close()
				}
				<-done
			}
		})
	}
}

func TestStoreSaveReplacesCorruptFile(t *testing.T) {
	k := storeTestDefaultKey
	cases := storeTestBadEntries(t, k)
	other := storeTestEntry(storeTestKey("https://other.example.com", "c", ""))
	other.Version = storeVersion
	cases = append(cases, badEntryCase{"other settings", mustJSON(t, other), []string{"belongs to other settings"}})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			st, w := newStoreForTest(t)
			p := st.path(k)
			writeStoreFile(t, p, tt.data, 0o600)
			checkIgnored(t, st.load(k), w, p, tt.reasons)

			e := storeTestEntry(k)
			e.Token.AccessToken = "at-SECRET-replaced"
			if err := st.save(e); err != nil {
				t.Fatal(err)
			}
			w.reset()
			got := st.load(k)
			if got == nil || got.Token.AccessToken != "at-SECRET-replaced" {
				t.Fatalf("load after replacing = %+v; warnings %q", got, w.all())
			}
			if ws := w.all(); len(ws) != 0 {
				t.Errorf("warnings after replacing: %q", ws)
			}
			checkNoTempFiles(t, st.dir)
		})
	}
}

func TestStoreUnwritable(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) (dir, blocker string)
	}{
		{"store is a regular file", func(t *testing.T) (string, string) {
			p := filepath.Join(t.TempDir(), "gonbauth")
			writeStoreFile(t, p, []byte("not a directory\n"), 0o600)
			return p, p
		}},
		{"parent is a regular file", func(t *testing.T) (string, string) {
			p := filepath.Join(t.TempDir(), "config")
			writeStoreFile(t, p, []byte("not a directory\n"), 0o600)
			return filepath.Join(p, "gonbauth"), p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, blocker := tt.setup(t)
			w := &storeWarnings{}
			st := &store{dir: dir, warn: w.add}
			k := storeTestDefaultKey

			checkStoreError(t, "save", st.save(storeTestEntry(k)), dir)

			err := st.saveLocked(context.Background(), storeTestEntry(k))
			if err == nil || !strings.HasPrefix(err.Error(), "gonbauth: ") {
				t.Errorf("saveLocked error = %v", err)
			}

			unlock, err := st.lock(context.Background(), k)
			if err == nil {
				unlock()
			}
			checkStoreError(t, "lock", err, dir)

			if got := st.load(k); got != nil {
				t.Errorf("load = %+v, want nil", got)
			}
			if es, err := st.list(); err != nil || len(es) != 0 {
				t.Errorf("list = %v, %v; want nothing", es, err)
			}
			_ = st.remove(k) // must not panic; an error is fine
			checkNoSecrets(t, "warning", w.all()...)

			if data, err := os.ReadFile(blocker); err != nil || string(data) != "not a directory\n" {
				t.Errorf("the file in the way was changed: %q, %v", data, err)
			}
		})
	}
}

// TestStoreSaveFailureLeavesNoTempFile makes the final rename fail: the
// entry's path is a directory.
func TestStoreSaveFailureLeavesNoTempFile(t *testing.T) {
	st, w := newStoreForTest(t)
	k := storeTestDefaultKey
	p := st.path(k)
	if err := os.MkdirAll(filepath.Join(p, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	checkStoreError(t, "save", st.save(storeTestEntry(k)), p)
	checkNoTempFiles(t, st.dir)
	if got := st.load(k); got != nil {
		t.Errorf("load = %+v", got)
	}
	checkNoSecrets(t, "warning", w.all()...)
}

func TestStoreRemove(t *testing.T) {
	st, w := newStoreForTest(t)
	k1 := storeTestKey("https://login.example.com", "c", "", "openid")
	k2 := storeTestKey("https://login.example.com", "c", "other", "openid")

	// Nothing saved, not even a directory.
	if err := st.remove(k1); err != nil {
		t.Errorf("remove from a store that does not exist: %v", err)
	}
	for _, k := range []entryKey{k1, k2} {
		if err := st.save(storeTestEntry(k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.remove(k1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(st.path(k1)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file still there after remove: %v", err)
	}
	if got := st.load(k1); got != nil {
		t.Errorf("load after remove = %+v", got)
	}
	if got := st.load(k2); got == nil {
		t.Error("remove took another entry with it")
	}
	if err := st.remove(k1); err != nil {
		t.Errorf("removing a missing entry: %v", err)
	}
	if ws := w.all(); len(ws) != 0 {
		t.Errorf("warnings: %q", ws)
	}

	// A corrupt file can be removed too.
	writeStoreFile(t, st.path(k1), []byte("{"), 0o600)
	if err := st.remove(k1); err != nil {
		t.Errorf("removing a corrupt entry: %v", err)
	}
}

func TestStoreList(t *testing.T) {
	st, w := newStoreForTest(t)

	// Nothing yet: no directory, no error.
	if es, err := st.list(); err != nil || len(es) != 0 || len(w.all()) != 0 {
		t.Fatalf("list of a missing store = %v, %v, warnings %q", es, err, w.all())
	}

	keys := []entryKey{
		storeTestKey("https://a.example.com", "c1", "", "openid"),
		storeTestKey("https://a.example.com", "c1", "work", "openid"),
		storeTestKey("https://b.example.com", "c2", "", "email", "openid"),
	}
	want := map[string]bool{}
	for i, k := range keys {
		e := storeTestEntry(k)
		e.Token.AccessToken = fmt.Sprintf("at-%d-SECRET", i)
		want[e.Token.AccessToken] = true
		if err := st.save(e); err != nil {
			t.Fatal(err)
		}
	}
	// Lock files and temporary files are not entries.
	unlock, err := st.lock(context.Background(), keys[0])
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	writeStoreFile(t, filepath.Join(st.dir, ".tmp-123456"), []byte("{"), 0o600)
	writeStoreFile(t, filepath.Join(st.dir, "notes.txt"), []byte("{"), 0o600)

	// What list must skip, each with one warning naming the file.
	corrupt := filepath.Join(st.dir, strings.Repeat("ab", 16)+".json")
	writeStoreFile(t, corrupt, []byte(`{"version": 1, "token": {"access_token": "at-SECRET-corrupt"`), 0o600)
	version2 := filepath.Join(st.dir, strings.Repeat("cd", 16)+".json")
	m := storeTestRaw(t, keys[0])
	m["version"] = 2
	writeStoreFile(t, version2, mustJSON(t, m), 0o600)
	misnamed := filepath.Join(st.dir, strings.Repeat("ef", 16)+".json")
	valid, err := os.ReadFile(st.path(keys[1]))
	if err != nil {
		t.Fatal(err)
	}
	writeStoreFile(t, misnamed, valid, 0o600)
	link := filepath.Join(st.dir, strings.Repeat("01", 16)+".json")
	if err := os.Symlink(st.path(keys[2]), link); err != nil {
		t.Fatal(err)
	}
	dirEntry := filepath.Join(st.dir, strings.Repeat("23", 16)+".json")
	if err := os.Mkdir(dirEntry, 0o700); err != nil {
		t.Fatal(err)
	}
	skipped := []string{corrupt, version2, misnamed, link, dirEntry}

	es, err := st.list()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range es {
		if got[e.Token.AccessToken] {
			t.Errorf("listed twice: %s", e.Token.AccessToken)
		}
		got[e.Token.AccessToken] = true
		if e.fileName() == "" || e.Version != storeVersion {
			t.Errorf("listed entry %+v", e)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	ws := w.all()
	if len(ws) != len(skipped) {
		t.Errorf("warnings = %q, want one for each of %q", ws, skipped)
	}
	for _, p := range skipped {
		n := 0
		for _, m := range ws {
			if strings.Contains(m, p) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d warnings name %s, want 1: %q", n, p, ws)
		}
	}
	for _, m := range ws {
		if strings.Contains(m, misnamed) && !strings.Contains(m, "does not match") {
			t.Errorf("warning for the misnamed file: %q", m)
		}
		if strings.Contains(m, dirEntry) && !strings.Contains(m, "not a regular file") {
			t.Errorf("warning for the directory: %q", m)
		}
	}
	checkNoSecrets(t, "warning", ws...)
}

func TestStoreEntryKeyFileNames(t *testing.T) {
	const iss = "https://login.example.com"
	tests := []struct {
		name string
		a, b *settings
		same bool
	}{
		{"identical", &settings{issuer: iss, clientID: "c", scopes: []string{"a", "b"}}, &settings{issuer: iss, clientID: "c", scopes: []string{"a", "b"}}, true},
		{"scope order", &settings{issuer: iss, clientID: "c", scopes: []string{"b", "a"}}, &settings{issuer: iss, clientID: "c", scopes: []string{"a", "b"}}, true},
		{"duplicate scopes", &settings{issuer: iss, clientID: "c", scopes: []string{"b", "a", "b", "a"}}, &settings{issuer: iss, clientID: "c", scopes: []string{"a", "b"}}, true},
		{"other issuer", &settings{issuer: iss, clientID: "c"}, &settings{issuer: "https://other.example.com", clientID: "c"}, false},
		{"issuer case", &settings{issuer: iss, clientID: "c"}, &settings{issuer: strings.ToUpper(iss), clientID: "c"}, false},
		{"other client", &settings{issuer: iss, clientID: "c"}, &settings{issuer: iss, clientID: "d"}, false},
		{"other account", &settings{issuer: iss, clientID: "c", account: "work"}, &settings{issuer: iss, clientID: "c", account: "home"}, false},
		{"account or none", &settings{issuer: iss, clientID: "c", account: "work"}, &settings{issuer: iss, clientID: "c"}, false},
		{"extra scope", &settings{issuer: iss, clientID: "c", scopes: []string{"a"}}, &settings{issuer: iss, clientID: "c", scopes: []string{"a", "b"}}, false},
		{"scope split differently", &settings{issuer: iss, clientID: "c", scopes: []string{"a b"}}, &settings{issuer: iss, clientID: "c", scopes: []string{"a", "b"}}, false},
		{"token URL without issuer", &settings{tokenURL: "https://x.example.com/token", clientID: "c"}, &settings{tokenURL: "https://y.example.com/token", clientID: "c"}, false},
		{"client secret is not in the key", &settings{issuer: iss, clientID: "c", clientSecret: "s1"}, &settings{issuer: iss, clientID: "c", clientSecret: "s2"}, true},
		{"token URL ignored with an issuer", &settings{issuer: iss, clientID: "c", tokenURL: "https://x/t"}, &settings{issuer: iss, clientID: "c"}, true},
	}
	nameRE := regexp.MustCompile(`^[0-9a-f]{32}\.json$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scopesA := slices.Clone(tt.a.scopes)
			ka, kb := newEntryKey(tt.a), newEntryKey(tt.b)
			if !slices.Equal(tt.a.scopes, scopesA) {
				t.Errorf("newEntryKey changed the settings' scopes to %q", tt.a.scopes)
			}
			if !slices.IsSorted(ka.Scopes) || len(slices.Compact(slices.Clone(ka.Scopes))) != len(ka.Scopes) {
				t.Errorf("key scopes %q not sorted and unique", ka.Scopes)
			}
			fa, fb := ka.fileName(), kb.fileName()
			for _, f := range []string{fa, fb} {
				if !nameRE.MatchString(f) {
					t.Errorf("file name %q is not a hash", f)
				}
			}
			if (fa == fb) != tt.same || keysEqual(ka, kb) != tt.same {
				t.Errorf("%+v and %+v: same file %v, keysEqual %v; want %v", ka, kb, fa == fb, keysEqual(ka, kb), tt.same)
			}

			// Saved under one, found (or not) under the other.
			st, w := newStoreForTest(t)
			if err := st.save(storeTestEntry(ka)); err != nil {
				t.Fatal(err)
			}
			if got := st.load(kb); (got != nil) != tt.same {
				t.Errorf("load under the other key = %v, want found = %v", got, tt.same)
			}
			if ws := w.all(); len(ws) != 0 {
				t.Errorf("warnings: %q", ws)
			}
		})
	}
}

func TestStoreLockSerialises(t *testing.T) {
	for _, separate := range []bool{false, true} {
		t.Run(map[bool]string{false: "same store value", true: "separate store values"}[separate], func(t *testing.T) {
			st, _ := newStoreForTest(t)
			st2 := st
			if separate {
				st2 = &store{dir: st.dir, warn: st.warn}
			}
			k := storeTestDefaultKey
			ctx := context.Background()

			unlock1, err := st.lock(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var events []string
			record := func(ev string) {
				mu.Lock()
				defer mu.Unlock()
				events = append(events, ev)
			}
			type result struct {
				unlock func()
				err    error
			}
			second := make(chan result, 1)
			go func() {
				unlock2, err := st2.lock(ctx, k)
				if err == nil {
					record("second acquired")
				}
				second <- result{unlock2, err}
			}()

			// Give the second lock time to block (the assertion is about
			// ordering, not this duration).
			time.Sleep(100 * time.Millisecond)
			select {
			case r := <-second:
				if r.unlock != nil {
					r.unlock()
				}
				t.Fatalf("second lock returned (%v) while the first was held", r.err)
			default:
			}
			record("first released")
			unlock1()

			select {
			case r := <-second:
				if r.err != nil {
					t.Fatal(r.err)
				}
				r.unlock()
			case <-time.After(10 * time.Second):
				t.Fatal("second lock not acquired within 10s of the first unlock")
			}
			mu.Lock()
			defer mu.Unlock()
			if want := []string{"first released", "second acquired"}; !slices.Equal(events, want) {
				t.Errorf("events %q, want %q", events, want)
			}

			// Released again: a third lock is immediate.
			unlock3, err := st.lock(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			unlock3()
		})
	}
}

func TestStoreLockOtherKeyDoesNotWait(t *testing.T) {
	st, _ := newStoreForTest(t)
	unlock1, err := st.lock(context.Background(), storeTestDefaultKey)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock1()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	other := storeTestKey("https://login.example.com", "other-client", "")
	unlock2, err := st.lock(ctx, other)
	if err != nil {
		t.Fatalf("lock of another key waited for the first: %v", err)
	}
	unlock2()
}

func TestStoreLockContext(t *testing.T) {
	tests := []struct {
		name    string
		held    bool
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"already cancelled, free", false, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
		{"already cancelled, held", true, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
		{"deadline while held", true, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 150*time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := newStoreForTest(t)
			k := storeTestDefaultKey
			if tt.held {
				unlock, err := (&store{dir: st.dir, warn: st.warn}).lock(context.Background(), k)
				if err != nil {
					t.Fatal(err)
				}
				defer unlock()
			}
			ctx, cancel := tt.ctx()
			defer cancel()
			unlock, err := st.lock(ctx, k)
			if err == nil {
				unlock()
				t.Fatal("lock succeeded")
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v is not %v", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "gonbauth: ") {
				t.Errorf("error %q should start with \"gonbauth: \"", err)
			}
			// A failed lock leaves the lock free for others.
			if !tt.held {
				unlock, err := st.lock(context.Background(), k)
				if err != nil {
					t.Fatal(err)
				}
				unlock()
			}
		})
	}
}

// TestStoreLockErrorIsOneLine: the lock error is shown as a one-line
// warning ("...; this sign-in lasts for this process only").
func TestStoreLockErrorIsOneLine(t *testing.T) {
	st, _ := newStoreForTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := st.lock(ctx, storeTestDefaultKey)
	if err == nil {
		t.Fatal("lock succeeded")
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("lock error is not one line: %q", err)
	}
}

func TestStoreConcurrentSaves(t *testing.T) {
	const n = 20
	for _, locked := range []bool{true, false} {
		t.Run(map[bool]string{true: "saveLocked", false: "save"}[locked], func(t *testing.T) {
			base, w := newStoreForTest(t)
			k := storeTestDefaultKey
			entries := make([]*entry, n)
			byToken := map[string]int{}
			for i := range entries {
				e := storeTestEntry(k)
				e.Token.AccessToken = fmt.Sprintf("at-%02d-SECRET", i)
				e.Token.RefreshToken = fmt.Sprintf("rt-%02d-SECRET", i)
				e.Name = fmt.Sprintf("writer %02d", i)
				e.Claims = map[string]any{"writer": float64(i), "pad": strings.Repeat(fmt.Sprint(i%10), 4096*(1+i%3))}
				entries[i] = e
				byToken[e.Token.AccessToken] = i
			}
			consistent := func(e *entry) error {
				i, ok := byToken[e.Token.AccessToken]
				if !ok {
					return fmt.Errorf("unknown access token %q", e.Token.AccessToken)
				}
				want := entries[i]
				if e.Token.RefreshToken != want.Token.RefreshToken || e.Name != want.Name || !reflect.DeepEqual(e.Claims, want.Claims) {
					return fmt.Errorf("entry mixes writer %d with another: %q %q", i, e.Token.RefreshToken, e.Name)
				}
				return nil
			}

			start := make(chan struct{})
			stop := make(chan struct{})
			var writers sync.WaitGroup
			errs := make(chan error, 2*n+1)
			for i := range n {
				writers.Add(1)
				go func() {
					defer writers.Done()
					st := &store{dir: base.dir, warn: w.add} // as another process would
					<-start
					var err error
					if locked {
						err = st.saveLocked(context.Background(), entries[i])
					} else {
						err = st.save(entries[i])
					}
					if err != nil {
						errs <- fmt.Errorf("writer %d: %w", i, err)
					}
				}()
			}
			// A reader all along: never a partial or mixed file.
			readerDone := make(chan struct{})
			go func() {
				defer close(readerDone)
				st := &store{dir: base.dir, warn: w.add}
				<-start
				for {
					select {
					case <-stop:
						return
					default:
					}
					if e := st.load(k); e != nil {
						if err := consistent(e); err != nil {
							errs <- fmt.Errorf("reader: %w", err)
							return
						}
					}
				}
			}()
			close(start)
			writers.Wait()
			close(stop)
			<-readerDone
			close(errs)
			for err := range errs {
				t.Error(err)
			}

			got := base.load(k)
			if got == nil {
				t.Fatalf("nothing saved; warnings %q", w.all())
			}
			if err := consistent(got); err != nil {
				t.Error(err)
			}
			raw, err := os.ReadFile(base.path(k))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := decodeEntry(raw); err != nil {
				t.Errorf("final file: %v", err)
			}
			if ws := w.all(); len(ws) != 0 {
				t.Errorf("warnings: %q", ws)
			}
			checkNoTempFiles(t, base.dir)
			des, err := os.ReadDir(base.dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, de := range des {
				if n := de.Name(); n != k.fileName() && n != strings.TrimSuffix(k.fileName(), ".json")+".lock" {
					t.Errorf("unexpected file %s in the store", n)
				}
			}
		})
	}
}

// TestStoreSavedEntryAlwaysLoads: save must not write what load rejects.
// An entry whose encoding exceeds maxEntryBytes is saved without error but
// is then ignored by every load ("larger than ..."), and replaced by an
// equally large one at the next sign-in.
func TestStoreSavedEntryAlwaysLoads(t *testing.T) {
	st, w := newStoreForTest(t)
	e := storeTestEntry(storeTestDefaultKey)
	e.Claims["picture"] = "data:image/png;base64," + strings.Repeat("A", maxEntryBytes)
	err := st.save(e)
	if err != nil {
		return // refusing is fine
	}
	if got := st.load(storeTestDefaultKey); got == nil {
		t.Errorf("save succeeded but load ignores the entry: %q", w.all())
	}
}

// skipOutsideCI skips a test that this machine cannot run, except in CI
// (CI=true), where every test must run: there it fails.
func skipOutsideCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("cannot run in CI: " + why)
	}
	t.Skip(why)
}
