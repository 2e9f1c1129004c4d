package main

// Faults through the command as a real process, against the pure-Go
// hostile server (no Node or browser needed): an interrupt at every wait,
// a kill during a refresh and during a save, a full disk, a read-only
// store, and a planted link or FIFO where the store keeps its files.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/gonbauth/gonbauth/gonbauth/internal/hostileserver"
	"github.com/gonbauth/gonbauth/gonbauth/internal/lockedio"
	"github.com/gonbauth/gonbauth/gonbauth/internal/loopbacktest"
)

// leaks sees the secrets the hostile server issues and everything the
// command printed on stderr (and on stdout, but for the token command's
// token) in cli, runCLI and startCLI; TestMain fails the run if one holds
// the other or a control character.
var leaks = hostileserver.NewRecorder()

// faultEnv points the command at srv and a store in dir.
func faultEnv(srv *hostileserver.Server, dir string) []string {
	return []string{"GONBAUTH_ISSUER=" + srv.URL, "GONBAUTH_CLIENT_ID=" + hostileserver.ClientID,
		"GONBAUTH_SCOPES=api offline_access", "GONBAUTH_CONFIG_DIR=" + dir, "GONBAUTH_NO_BROWSER=1", "GONBAUTH_MODE=loopback"}
}

// startCLI starts the command without waiting for anything.
func startCLI(t *testing.T, env []string, args ...string) (*exec.Cmd, *lockedio.Writer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GONBAUTH_TEST_AS_CLI=1"), env...)
	// stderr is read while the process writes.
	stderr := lockedio.New(new(bytes.Buffer))
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		leaks.Output(t.Name()+": stderr", stderr.String())
	})
	return cmd, stderr
}

// interrupt waits until the command is at the wait (arrived is closed),
// then interrupts it as sigint does.
func interrupt(t *testing.T, cmd *exec.Cmd, stderr *lockedio.Writer, arrived <-chan struct{}) {
	t.Helper()
	select {
	case <-arrived:
	case <-time.After(20 * time.Second):
		t.Fatalf("the command never reached the wait: %s", stderr)
	}
	sigint(t, cmd, stderr)
}

// sigint lets the command settle into the wait it is at, sends SIGINT,
// and wants it to end within 5 s, with exit code 1 and a message that says
// it was interrupted. stderr is read before the command has ended only
// when it does not end: a plain buffer (from cli) is safe once it is
// killed.
func sigint(t *testing.T, cmd *exec.Cmd, stderr fmt.Stringer) {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // let it settle into the wait
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running 5 s after SIGINT: %s", stderr)
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit code %d after SIGINT, want 1", code)
	}
	if msg := stderr.String(); !strings.Contains(msg, "interrupt") {
		t.Errorf("stderr does not say the command was interrupted:\n%s", msg)
	}
	t.Logf("ended %v after SIGINT", time.Since(start).Round(time.Millisecond))
}

// approve follows a sign-in link as a signed-in user's browser would.
func approve(t *testing.T, link string) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatalf("following the link: %v", err)
	}
	resp.Body.Close()
}

// faultSignIn signs in with `gonbauth login`, approved at once.
func faultSignIn(t *testing.T, srv *hostileserver.Server, dir string) {
	t.Helper()
	cmd, _, stderr, link := cli(t, faultEnv(srv, dir), "login")
	approve(t, link)
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("login: exit %d: %s", code, stderr)
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		if de.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, de.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[de.Name()] = b
		}
	}
	return files
}

// wantNoTemp wants no temporary file of a save left in dir.
func wantNoTemp(t *testing.T, dir string) {
	t.Helper()
	if names, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(names) > 0 {
		t.Errorf("temporary files left in the store: %q", names)
	}
}

func TestFaultInterruptAtEveryWait(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	t.Run("discovery hung", func(t *testing.T) {
		t.Parallel()
		srv := hostileserver.Start(t, leaks)
		srv.Hang(hostileserver.PathMetadata)
		cmd, stderr := startCLI(t, faultEnv(srv, t.TempDir()), "login")
		interrupt(t, cmd, stderr, srv.Arrived(hostileserver.PathMetadata))
	})
	t.Run("redirect wait", func(t *testing.T) {
		t.Parallel()
		srv := hostileserver.Start(t, leaks)
		cmd, _, stderr, link := cli(t, faultEnv(srv, t.TempDir()), "login")
		sigint(t, cmd, stderr)
		loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
	})
	t.Run("token exchange hung", func(t *testing.T) {
		t.Parallel()
		srv := hostileserver.Start(t, leaks)
		srv.Hang(hostileserver.PathToken)
		cmd, _, stderr, link := cli(t, faultEnv(srv, t.TempDir()), "login")
		approve(t, link)
		await(t, srv.Arrived(hostileserver.PathToken))
		sigint(t, cmd, stderr)
		loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
	})
	t.Run("device polling", func(t *testing.T) {
		t.Parallel()
		srv := hostileserver.Start(t, leaks)
		env := append(faultEnv(srv, t.TempDir()), "GONBAUTH_MODE=device")
		cmd, _, stderr, _ := cli(t, env, "login")
		await(t, srv.Arrived(hostileserver.PathToken))
		sigint(t, cmd, stderr)
	})
	t.Run("refresh hung", func(t *testing.T) {
		t.Parallel()
		srv, dir, before, refresh := hungRefresh(t)
		cmd, stderr := startCLI(t, faultEnv(srv, dir), "token")
		interrupt(t, cmd, stderr, refresh)
		if after := readDir(t, dir); !sameFiles(before, after) {
			t.Errorf("the interrupted refresh changed the store: %d files before, %d after", len(before), len(after))
		}
	})
	t.Run("lock held by another process", func(t *testing.T) {
		t.Parallel()
		srv := hostileserver.Start(t, leaks)
		dir := t.TempDir()
		faultSignIn(t, srv, dir)
		expireSaved(t, dir)
		name, _ := savedFile(t, dir)
		fl := flock.New(strings.TrimSuffix(name, ".json") + ".lock")
		if ok, err := fl.TryLock(); !ok || err != nil {
			t.Fatalf("taking the lock: %v", err)
		}
		defer fl.Unlock()
		cmd, stderr := startCLI(t, faultEnv(srv, dir), "token")
		// It waits up to a minute for the lock, holding the lock file open.
		interrupt(t, cmd, stderr, opened(cmd.Process.Pid, fl.Path()))
		if srv.Calls(hostileserver.PathToken) != 1 {
			t.Errorf("the token endpoint had %d requests; the interrupted command should have made none", srv.Calls(hostileserver.PathToken)-1)
		}
	})
}

// opened is closed once process pid holds path open, as /proc/PID/fd
// shows on Linux; elsewhere after a second. A time alone is not enough:
// a loaded machine can take longer to start the command.
func opened(pid int, path string) <-chan struct{} {
	ch := make(chan struct{})
	fds := fmt.Sprintf("/proc/%d/fd", pid)
	if _, err := os.Stat(fds); err != nil {
		time.AfterFunc(time.Second, func() { close(ch) })
		return ch
	}
	go func() {
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			entries, _ := os.ReadDir(fds)
			for _, e := range entries {
				if target, _ := os.Readlink(filepath.Join(fds, e.Name())); target == path {
					close(ch)
					return
				}
			}
		}
	}()
	return ch
}

// await waits for ch, at most 20 s.
func await(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		t.Fatal("the command never reached the server")
	}
}

func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(b[k], v) {
			return false
		}
	}
	return true
}

// entryOK wants the one saved sign-in in dir to be whole: valid JSON with
// a refresh token.
func entryOK(t *testing.T, dir string) {
	t.Helper()
	name, m := savedFile(t, dir)
	if rt, _ := m["token"].(map[string]any)["refresh_token"].(string); rt == "" {
		t.Fatalf("the saved sign-in %s has no refresh token", name)
	}
}

// hungRefresh sets up a saved sign-in whose access token has expired, at
// a server that will not answer the refresh: the store's files as they
// are, and what is closed when the refresh arrives.
func hungRefresh(t *testing.T) (srv *hostileserver.Server, dir string, before map[string][]byte, refresh <-chan struct{}) {
	t.Helper()
	srv = hostileserver.Start(t, leaks)
	dir = t.TempDir()
	faultSignIn(t, srv, dir)
	expireSaved(t, dir)
	before = readDir(t, dir)
	srv.Hang(hostileserver.PathToken)
	return srv, dir, before, srv.Next(hostileserver.PathToken)
}

func TestFaultKill(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	t.Run("during a refresh", func(t *testing.T) {
		srv, dir, before, refresh := hungRefresh(t)
		cmd, _ := startCLI(t, faultEnv(srv, dir), "token")
		await(t, refresh)
		cmd.Process.Kill()
		cmd.Wait()
		if after := readDir(t, dir); !sameFiles(before, after) {
			t.Errorf("the killed refresh changed the store")
		}
		// The next run refreshes with the saved refresh token, which the
		// server never saw used.
		srv.Unhang(hostileserver.PathToken)
		if code, stdout, stderr := runCLI(t, faultEnv(srv, dir), "token"); code != 0 || !strings.HasPrefix(stdout, "haccess-") {
			t.Fatalf("the next run: exit %d, stdout %q: %s", code, stdout, stderr)
		}
		entryOK(t, dir)
		wantNoTemp(t, dir)
	})
	t.Run("during saves", func(t *testing.T) {
		// Kill refreshes at moments around their save: whatever the
		// moment, the saved sign-in is the old one or the new one, whole.
		srv := hostileserver.Start(t, leaks)
		dir := t.TempDir()
		faultSignIn(t, srv, dir)
		for i := range 12 {
			expireSaved(t, dir)
			cmd, _ := startCLI(t, faultEnv(srv, dir), "token")
			calls := srv.Calls(hostileserver.PathToken)
			deadline := time.Now().Add(10 * time.Second)
			for srv.Calls(hostileserver.PathToken) == calls && time.Now().Before(deadline) {
				time.Sleep(100 * time.Microsecond)
			}
			time.Sleep(time.Duration(i) * 500 * time.Microsecond)
			cmd.Process.Kill()
			cmd.Wait()
			entryOK(t, dir)
			// A killed refresh may have rotated the refresh token at the
			// server without saving it (SECURITY.md): sign in again then.
			if code, _, _ := runCLI(t, faultEnv(srv, dir), "token", "--no-interactive"); code != 0 {
				faultSignIn(t, srv, dir)
			}
		}
		// The next run, and a sign-out, leave no temporary file behind: one
		// as a save killed before its rename leaves it, and one of a save
		// made without the lock (or by an older version), once it is old.
		name, _ := savedFile(t, dir)
		plantTemps := func() {
			for _, p := range []string{".tmp-" + filepath.Base(name) + "-4242", ".tmp-4243"} {
				p = filepath.Join(dir, p)
				if err := os.WriteFile(p, []byte(`{"token":{"refresh_token":"hrefresh-planted-secret"}}`), 0o600); err != nil {
					t.Fatal(err)
				}
				old := time.Now().Add(-time.Hour)
				os.Chtimes(p, old, old)
			}
		}
		plantTemps()
		if code, _, stderr := runCLI(t, faultEnv(srv, dir), "token", "--no-interactive"); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		wantNoTemp(t, dir)
		plantTemps()
		if code, _, stderr := runCLI(t, faultEnv(srv, dir), "logout"); code != 0 {
			t.Fatalf("logout: exit %d: %s", code, stderr)
		}
		wantNoTemp(t, dir)
	})
}

// mountTmpfs mounts a tmpfs of size bytes for one test: a disk that fills
// up, or that can be made read-only. It needs root.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+itoa(size)+",mode=0700"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot mount a tmpfs in CI (run the tests as root): %v", err)
		}
		t.Skipf("cannot mount a tmpfs (not root?): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// fill writes to dir until the file system is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 512)
	for {
		if _, err := f.Write(buf); err != nil {
			return
		}
	}
}

// expiredOnTmpfs signs in at a hostile server with the store in a tmpfs of
// size bytes, and makes the saved access token expire, so that the next
// `token` refreshes and saves. It returns the server, the tmpfs and the
// store.
func expiredOnTmpfs(t *testing.T, size int) (srv *hostileserver.Server, mnt, dir string) {
	t.Helper()
	srv = hostileserver.Start(t, leaks)
	mnt = mountTmpfs(t, size)
	dir = filepath.Join(mnt, "store")
	faultSignIn(t, srv, dir)
	expireSaved(t, dir)
	return srv, mnt, dir
}

// wantRefreshUnsaved wants `token` to refresh and print the token though
// the store cannot be written (what says why), to warn that the sign-in
// could not be saved, and to leave the store's files as they were.
func wantRefreshUnsaved(t *testing.T, srv *hostileserver.Server, dir, what string) {
	t.Helper()
	before := readDir(t, dir)
	code, stdout, stderr := runCLI(t, faultEnv(srv, dir), "token")
	if code != 0 || !strings.HasPrefix(stdout, "haccess-") {
		t.Fatalf("with %s: exit %d, stdout %q: %s", what, code, stdout, stderr)
	}
	if !strings.Contains(stderr, "warning") {
		t.Errorf("with %s: no warning that the refreshed sign-in could not be saved:\n%s", what, stderr)
	}
	if after := readDir(t, dir); !sameFiles(before, after) {
		t.Errorf("with %s: the failed save changed the store", what)
	}
}

func TestFaultFullDisk(t *testing.T) {
	srv, mnt, dir := expiredOnTmpfs(t, 64<<10)
	fill(t, mnt)
	// The server rotates the refresh token; the store still holds the old
	// one, whole: what the full disk costs is a sign-in, not a corrupt file.
	wantRefreshUnsaved(t, srv, dir, "a full disk")
	wantNoTemp(t, dir)
	entryOK(t, dir)
}

func TestFaultReadOnlyStore(t *testing.T) {
	srv, mnt, dir := expiredOnTmpfs(t, 1<<20)
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("remounting read-only: %v", err)
	}
	wantRefreshUnsaved(t, srv, dir, "a read-only store")
	code, _, stderr := runCLI(t, faultEnv(srv, dir), "logout")
	if code != 1 || !strings.HasPrefix(stderr, "gonbauth:") || strings.Count(strings.TrimSpace(stderr), "\n") > 2 {
		t.Errorf("logout from a read-only store: exit %d, want 1 with a short message:\n%s", code, stderr)
	}
}

func TestFaultPlantedFiles(t *testing.T) {
	type plant struct {
		name  string
		file  func(entry string) string // the path planted, from the entry's
		make  func(t *testing.T, path, target string)
		fresh bool // no sign-in saved before the run
	}
	symlink := func(t *testing.T, path, target string) {
		if err := os.Symlink(target, path); err != nil {
			t.Fatal(err)
		}
	}
	fifo := func(t *testing.T, path, target string) {
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	entry := func(e string) string { return e }
	lock := func(e string) string { return strings.TrimSuffix(e, ".json") + ".lock" }
	cases := []plant{
		{"symlink at the entry", entry, symlink, true},
		{"FIFO at the entry", entry, fifo, true},
		{"symlink at the lock", lock, symlink, false},
		{"FIFO at the lock", lock, fifo, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := hostileserver.Start(t, leaks)
			dir := t.TempDir()
			faultSignIn(t, srv, dir)
			name, _ := savedFile(t, dir)
			target := filepath.Join(t.TempDir(), "target")
			os.Remove(lock(name))
			if c.fresh {
				os.Remove(name)
			} else {
				expireSaved(t, dir)
			}
			c.make(t, c.file(name), target)

			// A fresh sign-in, or a refresh: either saves through the
			// planted file's place. It must end by itself.
			args := []string{"token", "--no-interactive"}
			if c.fresh {
				args = []string{"login"}
			}
			var code int
			var stderr string
			if c.fresh {
				cmd, _, buf, link := cli(t, faultEnv(srv, dir), args...)
				approve(t, link)
				code, stderr = waitExitWithin(t, cmd, 15*time.Second), buf.String()
			} else {
				cmd, buf := startCLI(t, faultEnv(srv, dir), args...)
				code, stderr = waitExitWithin(t, cmd, 15*time.Second), buf.String()
			}
			if code != 0 {
				t.Errorf("exit %d: %s", code, stderr)
			}
			if _, err := os.Lstat(target); err == nil {
				t.Errorf("the store created the planted link's target %s", target)
			}
			if fi, err := os.Lstat(c.file(name)); err == nil && fi.Mode()&(os.ModeSymlink|os.ModeNamedPipe) != 0 && c.file(name) == name {
				t.Errorf("the planted %v is still where the sign-in is saved", fi.Mode().Type())
			}
			wantNoTemp(t, dir)

			// Sign-out ends by itself too: signed out, or refused with what
			// to do about the planted file.
			cmd, buf := startCLI(t, faultEnv(srv, dir), "logout")
			if code := waitExitWithin(t, cmd, 15*time.Second); code != 0 && !(code == 1 && strings.Contains(buf.String(), "remove it")) {
				t.Errorf("logout: exit %d: %s", code, buf)
			}
			if _, err := os.Lstat(target); err == nil {
				t.Errorf("the store created the planted link's target %s", target)
			}
		})
	}
}

// TestFaultPlantedTemps: a link or FIFO planted where a killed save's
// temporary file would be is removed by the next run, never followed:
// the link's target is left as it was, and nothing blocks on the FIFO.
// (A save's own temporary file is created with O_EXCL under a random
// name, so nothing can be planted in its place.)
func TestFaultPlantedTemps(t *testing.T) {
	srv := hostileserver.Start(t, leaks)
	dir := t.TempDir()
	faultSignIn(t, srv, dir)
	name, _ := savedFile(t, dir)
	target := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(target, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".tmp-"+filepath.Base(name)+"-4242")
	fifo := filepath.Join(dir, ".tmp-"+filepath.Base(name)+"-4243")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	expireSaved(t, dir)
	cmd, buf := startCLI(t, faultEnv(srv, dir), "token", "--no-interactive")
	if code := waitExitWithin(t, cmd, 15*time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, buf)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "keep me" {
		t.Errorf("the planted link's target was changed: %q, %v", b, err)
	}
	for _, p := range []string{link, fifo} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still in the store", filepath.Base(p))
		}
	}
}

// TestFaultOpenStoreDirectory: a store directory others can write to (a
// place to plant files) is made private again even by a command that only
// reads it.
func TestFaultOpenStoreDirectory(t *testing.T) {
	srv := hostileserver.Start(t, leaks)
	dir := t.TempDir()
	faultSignIn(t, srv, dir)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, faultEnv(srv, dir), "status")
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || fi.Mode().Perm() != 0o700 || !strings.Contains(stderr, "0700") {
		t.Errorf("status: exit %d, the store is %v after it; stderr: %s", code, fi.Mode().Perm(), stderr)
	}
}

// waitExitWithin waits for the command, killing it (and failing) after d.
func waitExitWithin(t *testing.T, cmd *exec.Cmd, d time.Duration) int {
	t.Helper()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Errorf("the command hung for %v", d)
		return -1
	}
}
