package gonbauth

import (
	"cmp"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/testparallel"
	"github.com/janpfeifer/gonb/gonbui/protocol"

	"github.com/gonbauth/gonbauth/gonbauth/internal/loopbacktest"
)

// TestMain lets the test binary double as a GoNB cell program: with
// GONBAUTH_TEST_CELL set it runs one Login the way a cell would, talking
// to the fake kernel of the test that started it.
func TestMain(m *testing.M) {
	if os.Getenv("GONBAUTH_TEST_CELL") == "1" {
		os.Exit(runTestCell())
	}
	testparallel.Raise() // the parallel tests wait on timers
	// Never touch the user's real store; tests that need one set their own.
	dir, err := os.MkdirTemp("", "gonbauth-test-store-")
	if err != nil {
		panic(err)
	}
	os.Setenv(EnvConfigDir, dir)
	// CI runs in a container, which the automatic mode would take for a
	// remote kernel; tests of other modes set theirs.
	os.Setenv(EnvMode, string(ModeLoopback))
	code := checkLeaks(m.Run())
	os.RemoveAll(dir)
	if cellBuilds.dir != "" {
		os.RemoveAll(cellBuilds.dir)
	}
	os.Exit(code)
}

func runTestCell() int {
	sess, err := Login(context.Background(), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cell:", err)
		return 1
	}
	from := "in the browser"
	if sess.FromStore {
		from = "from the store"
	}
	fmt.Println("cell: signed in as", sess.Who(), from)
	return 0
}

// fakeKernel plays GoNB's side of the pipe protocol: it decodes what the
// cell displays and answers Sync requests.
type fakeKernel struct {
	dir          string
	mu           sync.Mutex
	msgs         []*protocol.DisplayData
	firstDisplay chan *protocol.DisplayData
	done         chan struct{}
}

func newFakeKernel(t *testing.T) *fakeKernel {
	dir := t.TempDir()
	for _, p := range []string{"pipe", "pipe_back"} {
		if err := syscall.Mkfifo(filepath.Join(dir, p), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return &fakeKernel{dir: dir, firstDisplay: make(chan *protocol.DisplayData, 1), done: make(chan struct{})}
}

func (k *fakeKernel) env() []string {
	return []string{"GONB_PIPE=" + filepath.Join(k.dir, "pipe"), "GONB_PIPE_BACK=" + filepath.Join(k.dir, "pipe_back")}
}

// serve reads messages until the cell closes its pipe, acknowledging syncs.
func (k *fakeKernel) serve(t *testing.T) {
	defer close(k.done)
	r, err := os.OpenFile(filepath.Join(k.dir, "pipe"), os.O_RDONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	defer r.Close()
	w, err := os.OpenFile(filepath.Join(k.dir, "pipe_back"), os.O_WRONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	defer w.Close()
	dec, enc := gob.NewDecoder(r), gob.NewEncoder(w)
	first := true
	for {
		var d protocol.DisplayData
		if err := dec.Decode(&d); err != nil {
			return // the cell exited
		}
		k.mu.Lock()
		k.msgs = append(k.msgs, &d)
		k.mu.Unlock()
		for _, mime := range []protocol.MIMEType{protocol.MIMETextPlain, protocol.MIMETextHTML} {
			if s, ok := d.Data[mime].(string); ok {
				leaks.Output("a notebook display's "+string(mime), s)
			}
		}
		if cv, ok := commValue(&d); ok && cv.Address == protocol.GonbuiSyncAddress {
			if err := enc.Encode(&protocol.CommValue{Address: protocol.GonbuiSyncAckAddress, Value: cv.Value}); err != nil {
				t.Error(err)
			}
			continue
		}
		if first {
			first = false
			k.firstDisplay <- &d
		}
	}
}

func (k *fakeKernel) messages() []*protocol.DisplayData {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]*protocol.DisplayData(nil), k.msgs...)
}

// commValue extracts a CommValue: gob delivers the pointer gonbui sends
// as a plain value.
func commValue(d *protocol.DisplayData) (*protocol.CommValue, bool) {
	switch v := d.Data[protocol.MIMECommValue].(type) {
	case *protocol.CommValue:
		return v, true
	case protocol.CommValue:
		return &v, true
	}
	return nil, false
}

// waitCell waits for the cell program, killing it if it hangs.
func waitCell(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the cell program did not exit")
	}
	return nil
}

// finishCell wants the cell program to exit cleanly (out is what it
// wrote), and waits until the kernel has all its messages.
func finishCell(t *testing.T, cmd *exec.Cmd, out fmt.Stringer, k *fakeKernel) {
	t.Helper()
	if err := waitCell(t, cmd); err != nil {
		t.Fatalf("cell failed: %v\n%s", err, out)
	}
	<-k.done
}

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// How a cell program reaches the kernel: the two builds of
// internal/cmd/logincell that the notebook tests run. This test binary
// links gonbui/protocol (the fake kernel decodes with GoNB's own types),
// so as a cell it would take gonbauth for a cell that uses gonbui.
const (
	viaOwnPipes = ""              // links no GoNB package: gonbauth's own connection
	viaGonbui   = "gonbuidisplay" // the build tag that imports package gonbuidisplay
)

// cellBuilds are the logincell programs built so far, in a directory
// that TestMain removes.
var cellBuilds struct {
	sync.Mutex
	dir   string
	paths map[string]string // by via
}

// cellProgram returns logincell built for via, building it on first use.
func cellProgram(t *testing.T, via string) string {
	t.Helper()
	cellBuilds.Lock()
	defer cellBuilds.Unlock()
	if p, ok := cellBuilds.paths[via]; ok {
		return p
	}
	if cellBuilds.dir == "" {
		d, err := os.MkdirTemp("", "gonbauth-test-cells-")
		if err != nil {
			t.Fatal(err)
		}
		cellBuilds.dir, cellBuilds.paths = d, map[string]string{}
	}
	out := filepath.Join(cellBuilds.dir, "logincell-"+cmp.Or(via, "own"))
	// The working directory of a test is its package's: gonbauth/.
	b, err := exec.Command("go", "build", "-tags="+via, "-o", out, "./internal/cmd/logincell").CombinedOutput()
	if err != nil {
		t.Fatalf("go build logincell -tags=%q: %v\n%s", via, err, b)
	}
	cellBuilds.paths[via] = out
	return out
}

// runCell starts logincell built for via as a cell program under the
// fake kernel, with env added to its environment, and returns its first
// display.
func runCell(t *testing.T, k *fakeKernel, via string, env ...string) (*exec.Cmd, *strings.Builder, *protocol.DisplayData) {
	t.Helper()
	cmd := exec.Command(cellProgram(t, via))
	cmd.Env = append(append(os.Environ(), k.env()...), env...)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	go k.serve(t)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case first := <-k.firstDisplay:
		return cmd, out, first
	case <-time.After(30 * time.Second):
		t.Fatal("the cell displayed nothing")
	}
	return nil, nil, nil
}

// startCell runs a cell that signs in with srv, and returns the sign-in
// link of its first display.
func startCell(t *testing.T, srv *fakeServer, k *fakeKernel, via string) (*exec.Cmd, *strings.Builder, string) {
	t.Helper()
	cmd, out, first := runCell(t, k, via, EnvIssuer+"="+srv.URL, EnvClientID+"=test-client")
	m := hrefRE.FindStringSubmatch(first.Data[protocol.MIMETextHTML].(string))
	if m == nil {
		t.Fatalf("no link in the first display: %v", first.Data)
	}
	return cmd, out, html.UnescapeString(m[1])
}

// signInCell runs a cell that signs in with srv, follows its link, and
// waits for the cell to end well; it returns the link.
func signInCell(t *testing.T, srv *fakeServer, k *fakeKernel, via string) string {
	t.Helper()
	cmd, out, link := startCell(t, srv, k, via)
	browse(t, link)
	finishCell(t, cmd, out, k)
	return link
}

// TestNotebookDisplay runs a sign-in under the fake kernel, which decodes
// with GoNB's own types, through both connections: gonbauth's own (its
// wire types must match GoNB's) and gonbui's (gonbuidisplay).
func TestNotebookDisplay(t *testing.T) {
	for _, via := range []string{viaOwnPipes, viaGonbui} {
		t.Run(cmp.Or(via, "own pipes"), func(t *testing.T) {
			srv := newFakeServer(t)
			k := newFakeKernel(t)
			link := signInCell(t, srv, k, via)
			msgs := k.messages()
			checkDisplays(t, msgs, link, "Signed in to ")
			last := msgs[len(msgs)-2].Data[protocol.MIMETextPlain].(string)
			if !strings.Contains(last, "Alice") {
				t.Errorf("the final status does not say who signed in: %q", last)
			}
		})
	}
}

// TestNotebookTextWhenCellLinksGonbui: a cell that links GoNB's packages
// without gonbuidisplay must not open a second connection to the kernel
// (it would break gonbui's output and hang its Sync), so the sign-in shows
// as text with a note on how to get the block. This test binary is such a
// cell. Nothing reads GONB_PIPE here: a cell that opened it would block.
func TestNotebookTextWhenCellLinksGonbui(t *testing.T) {
	srv := newFakeServer(t)
	k := newFakeKernel(t) // its pipes, never served
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(cellEnv(srv.URL, "test-client", t.TempDir()), k.env()...), "GONBAUTH_TEST_CELL=1")
	stderr, stdout := newURLWriter(), &strings.Builder{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case link := <-stderr.urls:
		browse(t, link)
	case <-time.After(30 * time.Second):
		t.Fatalf("the cell printed no link:\n%s", stderr)
	}
	if err := waitCell(t, cmd); err != nil {
		t.Fatalf("cell failed: %v\n%s", err, stderr)
	}
	out := stderr.String()
	if i := strings.Index(out, sharedDisplayNote+"\n"); i < 0 || i > strings.Index(out, "http://") {
		t.Errorf("the note on gonbuidisplay does not come before the link:\n%s", out)
	}
	// Without the input box nothing can be pasted: it must not be asked for.
	if !strings.Contains(out, "no input is available") || strings.Contains(out, "need to paste") || strings.Contains(out, "press Enter") {
		t.Errorf("the text asks for a paste that cannot come:\n%s", out)
	}
	if !strings.Contains(stdout.String(), "in the browser") {
		t.Errorf("the cell did not sign in: %s", stdout)
	}
}

func TestNotebookInterrupt(t *testing.T) {
	srv := newFakeServer(t)
	k := newFakeKernel(t)
	cmd, out, link := startCell(t, srv, k, viaOwnPipes)
	// What GoNB does when the user interrupts the cell.
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := waitCell(t, cmd)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("cell exit: %v, want a clean exit 1 from the returned error\n%s", err, out)
	}
	if !strings.Contains(out.String(), "sign-in cancelled: interrupt signal received") {
		t.Errorf("cell output: %s", out)
	}
	<-k.done
	checkDisplays(t, k.messages(), link, "cancelled")
	loopbacktest.WantClosed(t, loopbacktest.RedirectAddr(t, link))
}

// checkDisplays asserts one block updated in place, every message with a
// text/plain alternative, a final status holding want, then a Sync, and
// no secret anywhere.
func checkDisplays(t *testing.T, msgs []*protocol.DisplayData, link, want string) {
	t.Helper()
	if len(msgs) < 3 {
		t.Fatalf("%d messages, want at least a link, a final status and a sync", len(msgs))
	}
	id := msgs[0].DisplayID
	if id == "" {
		t.Fatal("the first display has no display id, so it cannot be updated in place")
	}
	for i, m := range msgs[:len(msgs)-1] {
		if m.DisplayID != id {
			t.Errorf("message %d has display id %q, want %q", i, m.DisplayID, id)
		}
		h, okH := m.Data[protocol.MIMETextHTML].(string)
		p, okP := m.Data[protocol.MIMETextPlain].(string)
		if !okH || !okP || h == "" || p == "" {
			t.Errorf("message %d lacks text/html or text/plain: %v", i, m.Data)
		}
		if strings.Contains(h+p, "-secret") {
			t.Errorf("message %d leaks a code or token: %q", i, p)
		}
	}
	first := msgs[0]
	h := first.Data[protocol.MIMETextHTML].(string)
	for _, w := range []string{`target="_blank"`, `rel="noopener`, "Sign in to 127.0.0.1"} {
		if !strings.Contains(h, w) {
			t.Errorf("first display lacks %q: %s", w, h)
		}
	}
	if !strings.Contains(first.Data[protocol.MIMETextPlain].(string), "\n"+link+"\n") {
		t.Errorf("first display's text/plain lacks the link on its own line")
	}
	final := msgs[len(msgs)-2]
	fp := final.Data[protocol.MIMETextPlain].(string)
	if !strings.Contains(fp, want) || strings.Contains(final.Data[protocol.MIMETextHTML].(string), "href=") {
		t.Errorf("final display %q: want %q and no link", fp, want)
	}
	cv, ok := commValue(msgs[len(msgs)-1])
	if !ok || cv.Address != protocol.GonbuiSyncAddress {
		t.Errorf("the last message is not a Sync: %v", msgs[len(msgs)-1].Data)
	}
}

func TestNotebookShowsSettingsError(t *testing.T) {
	k := newFakeKernel(t)
	cmd := exec.Command(cellProgram(t, viaOwnPipes))
	cmd.Env = append(append(os.Environ(), k.env()...), EnvIssuer+"=https://login.example.com", EnvClientID+"=")
	go k.serve(t)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("cell exit: %v\n%s", err, out)
	}
	<-k.done
	msgs := k.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want the failed status and a sync", len(msgs))
	}
	p, _ := msgs[0].Data[protocol.MIMETextPlain].(string)
	h, _ := msgs[0].Data[protocol.MIMETextHTML].(string)
	if !strings.Contains(p, "failed") || !strings.Contains(p, EnvClientID) || !strings.Contains(h, EnvClientID) {
		t.Fatalf("the notebook does not show the settings error: %q", p)
	}
	if cv, ok := commValue(msgs[1]); !ok || cv.Address != protocol.GonbuiSyncAddress {
		t.Fatal("no Sync after the error")
	}
}

// TestNotebookSavedSignInIsOneLine: a later cell that reuses the saved
// sign-in shows one compact line, not a box, and still a text/plain.
func TestNotebookSavedSignInIsOneLine(t *testing.T) {
	srv := newFakeServer(t)
	signInCell(t, srv, newFakeKernel(t), viaOwnPipes)

	k2 := newFakeKernel(t)
	cmd, out, first := runCell(t, k2, viaOwnPipes, EnvIssuer+"="+srv.URL, EnvClientID+"=test-client")
	finishCell(t, cmd, out, k2)
	h, _ := first.Data[protocol.MIMETextHTML].(string)
	p, _ := first.Data[protocol.MIMETextPlain].(string)
	if !strings.Contains(p, "(saved sign-in)") || strings.Contains(p, "\n") || strings.Contains(h, "border:") || !strings.Contains(h, "gonbauth-signed-in") {
		t.Fatalf("the saved sign-in is not one compact line:\n%s\n%s", p, h)
	}
	if msgs := k2.messages(); len(msgs) != 2 {
		t.Fatalf("%d messages, want the line and a sync", len(msgs))
	}
}
