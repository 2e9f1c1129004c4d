//go:build unix

package gonbauth

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The lock file beside a saved sign-in is opened with the care of the
// sign-in file: a planted link must not make a save create a file at its
// target, and a planted FIFO must not block Login, a refresh or sign-out.
func TestStoreLockRefusesPlantedFiles(t *testing.T) {
	for _, tt := range []struct {
		name  string
		plant func(t *testing.T, lock, target string)
	}{
		{"link to a missing file", func(t *testing.T, lock, target string) { must(t, os.Symlink(target, lock)) }},
		{"link to a file", func(t *testing.T, lock, target string) {
			must(t, os.WriteFile(target, []byte("theirs"), 0o644))
			must(t, os.Symlink(target, lock))
		}},
		{"FIFO", func(t *testing.T, lock, _ string) { must(t, syscall.Mkfifo(lock, 0o600)) }},
		{"directory", func(t *testing.T, lock, _ string) { must(t, os.Mkdir(lock, 0o700)) }},
		{"another user's", func(t *testing.T, lock, _ string) {
			if os.Geteuid() != 0 {
				t.Skip("only root can give a file to another user")
			}
			must(t, os.WriteFile(lock, nil, 0o600))
			must(t, os.Chown(lock, 65534, 65534))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := newStoreForTest(t)
			k := storeTestDefaultKey
			must(t, os.MkdirAll(st.dir, 0o700))
			lock := strings.TrimSuffix(st.path(k), ".json") + ".lock"
			target := filepath.Join(t.TempDir(), "elsewhere")
			tt.plant(t, lock, target)

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			done := make(chan error, 1)
			go func() { done <- st.saveLocked(ctx, storeTestEntry(k)) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(3 * time.Second):
				t.Fatal("the save blocked on the planted lock file")
			}
			if err == nil || !strings.Contains(err.Error(), lock) || !strings.Contains(err.Error(), "remove it") {
				t.Fatalf("err = %v, want one naming %s and what to do", err, lock)
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("refusing took %v", time.Since(start))
			}
			if data, err := os.ReadFile(target); err == nil && string(data) != "theirs" || err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("the link's target was written: %q %v", data, err)
			}
			if _, err := os.Stat(st.path(k)); !errors.Is(err, fs.ErrNotExist) {
				t.Fatal("saved although the lock could not be had")
			}
		})
	}
}

// A store directory that others can write is made private (or refused)
// before a sign-in is read from it, not only before one is written.
func TestStoreReadRepairsOpenDirectory(t *testing.T) {
	for _, read := range []string{"load", "list"} {
		t.Run(read, func(t *testing.T) {
			st, w := newStoreForTest(t)
			k := storeTestDefaultKey
			must(t, st.save(storeTestEntry(k)))
			must(t, os.Chmod(st.dir, 0o777))
			w.reset()
			if read == "load" {
				if st.load(k) == nil {
					t.Fatal("the sign-in was not loaded after the repair")
				}
			} else if es, err := st.list(); err != nil || len(es) != 1 {
				t.Fatalf("list: %v %v", es, err)
			}
			if m := fileMode(t, st.dir); m != 0o700 {
				t.Fatalf("mode after %s = %v, want 0700", read, m)
			}
			if ws := w.all(); len(ws) != 1 || !strings.Contains(ws[0], "0700") {
				t.Fatalf("warnings %q, want one about the repair", ws)
			}
		})
	}
}

// plantTemp leaves what a save killed before its rename leaves: a
// temporary file holding tokens.
func plantTemp(t *testing.T, dir, name string, age time.Duration) string {
	t.Helper()
	p := filepath.Join(dir, name)
	must(t, os.WriteFile(p, []byte(`{"token":{"access_token":"`+storeTestAccess+`"}}`), 0o600))
	old := time.Now().Add(-age)
	must(t, os.Chtimes(p, old, old))
	return p
}

// Temporary files left by killed saves are removed by the next save, the
// next load and sign-out; never one a running save (holding the lock) is
// writing.
func TestStoreCleansKilledSaveTemps(t *testing.T) {
	k := storeTestDefaultKey
	for _, tt := range []struct {
		name string
		run  func(t *testing.T, st *store)
	}{
		{"load", func(t *testing.T, st *store) { st.load(k) }},
		{"saveLocked", func(t *testing.T, st *store) { must(t, st.saveLocked(context.Background(), storeTestEntry(k))) }},
		{"logout", func(t *testing.T, st *store) {
			must(t, st.logout(context.Background(), k, &settings{httpClient: http.DefaultClient}))
		}},
		{"LogoutAll", func(t *testing.T, st *store) {
			must(t, LogoutAll(context.Background(), &Config{ConfigDir: st.dir, Output: os.Stderr}))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := newStoreForTest(t)
			e := storeTestEntry(k)
			e.RevocationURL = "" // no request leaves the test
			must(t, st.save(e))
			other := storeTestKey("https://other.example.com", "c", "")
			plantTemp(t, st.dir, tempPrefix+k.fileName()+"-123", 0)
			plantTemp(t, st.dir, tempPrefix+other.fileName()+"-456", 0) // a first save, killed
			plantTemp(t, st.dir, tempPrefix+"789", 2*time.Minute)       // an older version's
			tt.run(t, st)
			checkNoTempFiles(t, st.dir)
		})
	}

	t.Run("running save", func(t *testing.T) {
		st, _ := newStoreForTest(t)
		must(t, st.save(storeTestEntry(k)))
		unlock, err := (&store{dir: st.dir, warn: st.warn}).lock(context.Background(), k) // another process saving
		must(t, err)
		defer unlock()
		inFlight := plantTemp(t, st.dir, tempPrefix+k.fileName()+"-123", 0)
		young := plantTemp(t, st.dir, tempPrefix+"789", 0)
		st.load(k)
		for _, p := range []string{inFlight, young} {
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("a running save's temporary file was removed: %v", err)
			}
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
