package gonbauth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// storeVersion is the format of saved sign-ins. A file of another version
// is ignored (with a warning) and replaced by the next sign-in.
const storeVersion = 1

// maxEntryBytes bounds a saved sign-in; real ones are a few KiB.
const maxEntryBytes = 1 << 20

// lockTimeout bounds the wait for another process's refresh or save.
const lockTimeout = 60 * time.Second

// lockPoll is how often a held lock is retried: waiters on a refresh
// should not lose more than a few milliseconds (flock cannot block with a
// deadline).
const lockPoll = 5 * time.Millisecond

// entryKey identifies a saved sign-in.
type entryKey struct {
	Issuer   string   `json:"issuer"` // the issuer, or the token URL without one
	ClientID string   `json:"client_id"`
	Scopes   []string `json:"scopes"` // as requested, sorted
	Account  string   `json:"account,omitempty"`
}

func newEntryKey(s *settings) entryKey {
	iss := s.issuer
	if iss == "" {
		iss = s.tokenURL
	}
	scopes := slices.Clone(s.scopes)
	slices.Sort(scopes)
	return entryKey{Issuer: iss, ClientID: s.clientID, Scopes: slices.Compact(scopes), Account: s.account}
}

// fileName is a hash of the key: no user-controlled text in paths.
func (k entryKey) fileName() string {
	b, _ := json.Marshal(k)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16]) + ".json"
}

// entry is one saved sign-in, as stored on disk.
type entry struct {
	Version int `json:"version"`
	entryKey
	TokenURL      string         `json:"token_url"`
	RevocationURL string         `json:"revocation_url,omitempty"`
	ClientAuth    string         `json:"client_auth,omitempty"` // basic or post, as settled by ClientAuth "auto"
	Token         storedToken    `json:"token"`
	Claims        map[string]any `json:"claims,omitempty"` // verified ID token claims
	Name          string         `json:"name,omitempty"`   // from the claims or userinfo
	Email         string         `json:"email,omitempty"`
	// JWKSURL and IDTokenAlgs verify the ID tokens of refreshes, and
	// IDTokenIssuer is the issuer they name when it is not the configured
	// one (Microsoft's {tenantid} template).
	JWKSURL       string    `json:"jwks_uri,omitempty"`
	IDTokenAlgs   []string  `json:"id_token_algs,omitempty"`
	IDTokenIssuer string    `json:"id_token_issuer,omitempty"`
	SavedAt       time.Time `json:"saved_at"`
}

// storedToken keeps what oauth2.Token drops when marshalled (id_token,
// granted scope).
type storedToken struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	IDToken      string    `json:"id_token,omitempty"`
	Scope        string    `json:"scope,omitempty"` // as granted
}

func toStored(t *oauth2.Token) storedToken {
	st := storedToken{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken, Expiry: t.Expiry}
	st.IDToken, _ = t.Extra("id_token").(string)
	st.Scope, _ = t.Extra("scope").(string)
	return st
}

func (st storedToken) oauth2() *oauth2.Token {
	t := &oauth2.Token{AccessToken: st.AccessToken, TokenType: st.TokenType, RefreshToken: st.RefreshToken, Expiry: st.Expiry}
	extra := map[string]any{}
	if st.IDToken != "" {
		extra["id_token"] = st.IDToken
	}
	if st.Scope != "" {
		extra["scope"] = st.Scope
	}
	return t.WithExtra(extra)
}

// decodeEntry parses and checks a saved sign-in. Any error means the file
// is not usable and must be treated as no sign-in.
func decodeEntry(data []byte) (*entry, error) {
	if len(data) > maxEntryBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxEntryBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e entry
	if err := dec.Decode(&e); err != nil || e.Version != storeVersion {
		// Only then is the file read again: a fresh cell's Login decodes
		// its sign-in once.
		if verr := checkVersion(data); verr != nil {
			return nil, verr
		}
		return nil, fmt.Errorf("not a saved sign-in (%v)", err)
	}
	if len(bytes.TrimSpace(data[dec.InputOffset():])) != 0 {
		return nil, errors.New("trailing data after the saved sign-in")
	}
	switch {
	case e.Issuer == "" || e.ClientID == "":
		return nil, errors.New("no issuer or client ID")
	case e.Token.AccessToken == "" && e.Token.RefreshToken == "":
		return nil, errors.New("no token")
	case e.TokenURL == "" || checkEndpoint(e.TokenURL) != nil:
		return nil, errors.New("no valid token URL")
	case e.RevocationURL != "" && checkEndpoint(e.RevocationURL) != nil:
		return nil, errors.New("an invalid revocation URL")
	case e.JWKSURL != "" && checkEndpoint(e.JWKSURL) != nil:
		return nil, errors.New("an invalid key set URL")
	case checkBearer(e.Token.TokenType) != nil:
		return nil, errors.New("a token type other than Bearer")
	case !visibleASCII(e.Token.AccessToken):
		return nil, errors.New("an access token with characters other than visible ASCII")
	}
	return &e, nil
}

// checkVersion says why data is not a sign-in of this version: not JSON,
// or another format version (a newer gonbauth's, whose fields this one
// would refuse as unknown).
func checkVersion(data []byte) error {
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return fmt.Errorf("not valid JSON (%v)", err)
	}
	if probe.Version == nil || *probe.Version != storeVersion {
		v := "none"
		if probe.Version != nil {
			v = fmt.Sprint(*probe.Version)
		}
		return fmt.Errorf("format version %s, not %d", v, storeVersion)
	}
	return nil
}

// store keeps sign-ins in a directory only the user can read, one file per
// sign-in, each replaced atomically and guarded by a lock file so that
// kernels and cells never interleave their writes.
type store struct {
	dir   string
	warn  func(string)
	where where // where its errors are read, for naming ConfigDir
}

// defaultStoreDir is "gonbauth" under the user's configuration directory.
func defaultStoreDir(w where) (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("gonbauth: no user configuration directory (%w): set %s", err, w.setting("ConfigDir"))
	}
	return filepath.Join(base, "gonbauth"), nil
}

// storeFor opens the store of resolved settings.
func storeFor(s *settings) (*store, error) {
	dir := s.configDir
	if dir == "" {
		var err error
		if dir, err = defaultStoreDir(s.where); err != nil {
			return nil, err
		}
	}
	return &store{dir: dir, warn: warner(s.output), where: s.where}, nil
}

func (s *store) path(k entryKey) string { return filepath.Join(s.dir, k.fileName()) }

// ensureDir creates the directory 0700, or checks an existing one.
func (s *store) ensureDir() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("gonbauth: cannot create the sign-in store %s: %w", s.dir, err)
	}
	return s.checkDir()
}

// checkDir checks the store directory before anything in it is used, read
// or written: it must be the user's directory, and one that others can
// read or write (where they could plant or swap files) is made private,
// with a warning, or refused.
func (s *store) checkDir() error {
	fi, err := os.Stat(s.dir)
	if err != nil {
		return fmt.Errorf("gonbauth: sign-in store: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("gonbauth: the sign-in store %s is not a directory", s.dir)
	}
	if !ownedByUser(fi) {
		return fmt.Errorf("gonbauth: the sign-in store %s belongs to another user: set %s to a directory of yours", s.dir, s.where.setting("ConfigDir"))
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(s.dir, 0o700); err != nil {
			return fmt.Errorf("gonbauth: the sign-in store %s is open to other users and cannot be restricted: %w", s.dir, err)
		}
		s.warn(fmt.Sprintf("the sign-in store %s was open to other users; it is now private (0700)", s.dir))
	}
	return nil
}

// load returns the saved sign-in for k, or nil. A file that is corrupt, of
// another version, not owned by the user or not a regular file is
// reported with a one-line warning and treated as no sign-in; one that
// others could read is made private first.
func (s *store) load(k entryKey) *entry {
	if err := s.checkDir(); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.warn(err.Error() + "; the saved sign-in is not used")
		}
		return nil
	}
	s.cleanTemps("", false) // killed saves', which hold tokens
	p := s.path(k)
	e, err := s.read(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		s.warn(fmt.Sprintf("ignoring the saved sign-in %s: %v", p, err))
		return nil
	case !keysEqual(e.entryKey, k):
		s.warn(fmt.Sprintf("ignoring the saved sign-in %s: it belongs to other settings", p))
		return nil
	}
	return e
}

// read opens, checks and decodes one saved sign-in. Its error says why the
// file cannot be used; a file others could read is made private (with a
// warning) before it is read.
func (s *store) read(p string) (*entry, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if !ownedByUser(fi) {
		return nil, errors.New("it belongs to another user")
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return nil, fmt.Errorf("other users can read it and it cannot be made private: %w", err)
		}
		s.warn(fmt.Sprintf("the saved sign-in %s was readable by other users; it is now private (0600): if they may have read it, sign out and in again", p))
	}
	// Sized from the file, so that it is read in one call (and the EOF).
	buf := bytes.NewBuffer(make([]byte, 0, min(fi.Size(), maxEntryBytes)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, maxEntryBytes+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	e, err := decodeEntry(data)
	if err != nil {
		return nil, fmt.Errorf("%v; it will be replaced at the next sign-in", err)
	}
	return e, nil
}

func keysEqual(a, b entryKey) bool {
	return a.Issuer == b.Issuer && a.ClientID == b.ClientID && a.Account == b.Account && slices.Equal(a.Scopes, b.Scopes)
}

// save replaces the entry atomically: a private temporary file in the same
// directory, written and synced, then renamed over the old one.
func (s *store) save(e *entry) error { return s.write(e, false) }

// saveHeld is save by a caller that holds e's lock: it first removes the
// temporary files of killed saves of e, and names its own after e, so
// that only a holder of the lock removes it.
func (s *store) saveHeld(e *entry) error {
	s.cleanTemps(e.fileName(), true)
	s.cleanTemps("", false) // the others that can be had
	return s.write(e, true)
}

func (s *store) write(e *entry, held bool) error {
	if err := s.ensureDir(); err != nil {
		return err
	}
	e.Version, e.SavedAt = storeVersion, time.Now().UTC()
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("gonbauth: encoding the sign-in: %w", err)
	}
	if len(data)+1 > maxEntryBytes {
		// load would refuse it forever after.
		return fmt.Errorf("gonbauth: the sign-in is %d bytes, more than a saved sign-in may be (%d): not saved", len(data)+1, maxEntryBytes)
	}
	pattern := tempPrefix + "*" // removed by cleanTemps once a minute old
	if held {
		pattern = tempPrefix + e.fileName() + "-*"
	}
	tmp, err := os.CreateTemp(s.dir, pattern) // mode 0600
	if err != nil {
		return fmt.Errorf("gonbauth: saving the sign-in: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("gonbauth: saving the sign-in: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("gonbauth: saving the sign-in: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("gonbauth: saving the sign-in: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path(e.entryKey)); err != nil {
		return fmt.Errorf("gonbauth: saving the sign-in: %w", err)
	}
	syncDir(s.dir)
	return nil
}

// tempPrefix starts the name of a save's temporary file (followed by the
// entry's file name when the save holds its lock): a save killed before
// its rename leaves one, holding tokens, which cleanTemps removes.
const tempPrefix = ".tmp-"

// cleanTemps removes the temporary files left by killed saves of the
// entry named name (every entry's when name is ""). Only a save holding
// the entry's lock writes one, so one is removed only while that lock is
// held (locked: by the caller) or can be had at once, never under a
// running save. A name without its entry (a save without the lock, or
// an older version's) is removed once it is a minute old.
func (s *store) cleanTemps(name string, locked bool) {
	temps, _ := filepath.Glob(filepath.Join(s.dir, tempPrefix+name+"*"))
	for _, t := range temps {
		entry, _, ok := strings.Cut(strings.TrimPrefix(filepath.Base(t), tempPrefix), ".json-")
		ok = ok && len(entry) == 32
		switch {
		case !ok:
			if fi, err := os.Lstat(t); err == nil && time.Since(fi.ModTime()) > time.Minute {
				os.Remove(t)
			}
		case locked && name != "":
			os.Remove(t)
		default:
			unlock, err := lockFile(nil, filepath.Join(s.dir, entry+".lock"))
			if err != nil {
				continue // saving now, or no lock to be had: next time
			}
			os.Remove(t)
			unlock()
		}
	}
}

// saveLocked saves e under its lock, so that it does not interleave with
// another process's refresh.
func (s *store) saveLocked(ctx context.Context, e *entry) error {
	unlock, err := s.lock(ctx, e.entryKey)
	if err != nil {
		return err
	}
	defer unlock()
	return s.saveHeld(e)
}

// remove deletes the entry for k; a missing one is not an error.
func (s *store) remove(k entryKey) error {
	err := os.Remove(s.path(k))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("gonbauth: removing the saved sign-in: %w", err)
	}
	return nil
}

// list returns every usable saved sign-in, with its key.
func (s *store) list() ([]*entry, error) {
	if err := s.checkDir(); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.warn(err.Error() + "; its sign-ins are not used")
		}
		return nil, nil
	}
	names, err := filepath.Glob(filepath.Join(s.dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("gonbauth: listing sign-ins: %w", err)
	}
	var out []*entry
	for _, n := range names {
		e, err := s.read(n)
		if err != nil {
			s.warn(fmt.Sprintf("skipping %s: %v", n, err))
			continue
		}
		if filepath.Base(n) != e.fileName() {
			s.warn(fmt.Sprintf("skipping %s: its name does not match its settings", n))
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// lock takes the cross-process lock of k's entry, waiting up to
// lockTimeout for another process's refresh.
func (s *store) lock(ctx context.Context, k entryKey) (unlock func(), err error) {
	if err := s.ensureDir(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	unlock, err = lockFile(ctx, strings.TrimSuffix(s.path(k), ".json")+".lock")
	if err != nil {
		return nil, fmt.Errorf("gonbauth: waiting for the lock on the saved sign-in: %w", err)
	}
	return unlock, nil
}

// openLockFile opens (creating it 0600) a lock file with the care of a
// sign-in file (see read): no symbolic link, no FIFO, the user's own.
func openLockFile(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|openFlags, 0o600)
	if err != nil {
		return nil, fmt.Errorf("the lock file %s cannot be opened (a symbolic link is refused): remove it: %w", p, err)
	}
	fi, err := f.Stat()
	switch {
	case err != nil || !fi.Mode().IsRegular():
		err = fmt.Errorf("the lock file %s is not a regular file: remove it", p)
	case !ownedByUser(fi):
		err = fmt.Errorf("the lock file %s belongs to another user: remove it", p)
	case fi.Mode().Perm()&0o077 != 0:
		err = f.Chmod(0o600)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// shownScopes are the scopes a saved sign-in holds: those granted, or
// those sent when the server did not say (finish saves them so), never
// defaults dropped before the request.
func (e *entry) shownScopes() []string {
	if e.Token.Scope != "" {
		return splitScopes(e.Token.Scope)
	}
	return e.Scopes
}
