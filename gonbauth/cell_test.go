package gonbauth

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Cell programs as separate processes, as GoNB runs every cell: the tests
// below run this test binary as one (GONBAUTH_TEST_CELL, see TestMain);
// the benchmarks run internal/cmd/logincell.

// cellWait bounds a cell process: it is killed after that.
const cellWait = 20 * time.Second

// cellEnv is the environment of a cell process signing in to issuer with
// its store in dir: this process's environment without GONBAUTH_* and
// GoNB's pipes (a cell process must not think it is in a notebook), and
// the settings. GONBAUTH_TIMEOUT bounds a sign-in that would wrongly wait
// for a browser. GONBAUTH_MODE stays unset, as in a real cell: a saved
// sign-in is used, or refreshed, whatever the mode.
func cellEnv(issuer, clientID, dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "GONBAUTH_") && !strings.HasPrefix(k, "GONB_PIPE") {
			env = append(env, kv)
		}
	}
	return append(env, EnvIssuer+"="+issuer, EnvClientID+"="+clientID, EnvConfigDir+"="+dir,
		EnvNoBrowser+"=1", EnvTimeout+"=20s")
}

// cellProc is a cell program started as a new process.
type cellProc struct {
	cmd         *exec.Cmd
	out, errOut bytes.Buffer
	kill        *time.Timer
}

// startProc starts path with env and args; it is killed after cellWait.
func startProc(tb testing.TB, path string, env []string, args ...string) *cellProc {
	p := &cellProc{cmd: exec.Command(path, args...)}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errOut
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p.kill = time.AfterFunc(cellWait, func() { p.cmd.Process.Kill() })
	return p
}

// startTestCell starts this test binary as a cell program (runTestCell).
func startTestCell(tb testing.TB, env []string) *cellProc {
	return startProc(tb, os.Args[0], append(env, "GONBAUTH_TEST_CELL=1"), "-test.run=^$")
}

// wait waits for the process to exit, failing tb unless it exits 0.
func (p *cellProc) wait(tb testing.TB) {
	err := p.cmd.Wait()
	p.kill.Stop()
	if err != nil {
		tb.Fatalf("%s: %v\nstderr:\n%s", filepath.Base(p.cmd.Path), err, p.errOut.String())
	}
}

// cpu is the process's user and system CPU time.
func (p *cellProc) cpu() time.Duration {
	return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
}

// A later cell finds the saved sign-in and asks the server nothing
// (BenchmarkFreshProcessLogin measures it).
func TestCellReusesSavedSignInWithoutRequests(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	signInOnce(t, srv, cfg)
	before := srv.requestCount()
	p := startTestCell(t, cellEnv(srv.URL, cfg.ClientID, cfg.ConfigDir))
	p.wait(t)
	if !strings.Contains(p.out.String(), "from the store") {
		t.Fatalf("the cell did not use the saved sign-in: %s%s", &p.out, &p.errOut)
	}
	if n := srv.requestCount() - before; n != 0 {
		t.Fatalf("%d requests reached the server from a cell with a valid saved sign-in, want 0", n)
	}
}

// Cells started together over one expired sign-in refresh it once: the
// store's lock makes the others wait and use the refreshed token
// (BenchmarkRefreshFanIn measures it).
func TestCellsRefreshExpiredSignInOnce(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	signInOnce(t, srv, cfg)
	old := expireSaved(t, cfg)
	env := cellEnv(srv.URL, cfg.ClientID, cfg.ConfigDir)
	ps := make([]*cellProc, 8)
	for i := range ps {
		ps[i] = startTestCell(t, env)
	}
	for _, p := range ps {
		p.wait(t)
		if !strings.Contains(p.out.String(), "from the store") {
			t.Fatalf("a cell signed in afresh: %s%s", &p.out, &p.errOut)
		}
	}
	if n := srv.calls("refresh_token"); n != 1 {
		t.Fatalf("%d refreshes reached the server from %d cells, want 1", n, len(ps))
	}
	st, key := savedStore(t, cfg)
	if e := st.load(key); e == nil || e.Token.AccessToken == old || !e.Token.Expiry.After(time.Now()) {
		t.Fatal("the saved sign-in was not refreshed")
	}
}
