package notebook

import (
	"encoding/gob"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// The connection is chosen once per process; reset lets each test choose
// again, with its own environment.
func reset(t *testing.T) {
	t.Cleanup(func() {
		chosen.mu.Lock()
		defer chosen.mu.Unlock()
		if c, ok := chosen.b.(*conn); ok && c.w != nil {
			c.w.Close() // ends the fake kernel's reading
		}
		chosen.installed, chosen.decided, chosen.b = nil, false, nil
	})
}

// Outside GoNB, and beside another connection (a program where GoNB's
// protocol package has registered the wire names: a cell that uses
// gonbui), nothing is sent and nothing is opened: nothing reads the pipes
// here, so opening one would block.
func TestNoOutput(t *testing.T) {
	for _, tt := range []struct {
		name     string
		setup    func(t *testing.T)
		notebook bool
	}{
		{"outside GoNB", func(t *testing.T) { t.Setenv(pipeEnv, "") }, false},
		{"beside another connection", func(t *testing.T) {
			fakePipes(t)
			own := ownConnection
			t.Cleanup(func() { ownConnection = own })
			ownConnection = func() bool { return false }
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reset(t)
			tt.setup(t)
			if IsNotebook() != tt.notebook || CanDisplay() {
				t.Fatalf("IsNotebook %v, CanDisplay %v", IsNotebook(), CanDisplay())
			}
			done := make(chan struct{})
			go func() {
				Display("x", "<b>x</b>", "x")
				RequestInput("p", true)
				Sync()
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("a display call blocked")
			}
		})
	}
}

func TestUniqueID(t *testing.T) {
	a, b := UniqueID(), UniqueID()
	if a == b || len(a) != 16 {
		t.Fatalf("UniqueID: %q, %q", a, b)
	}
}

// fakePipes makes the two fifos of a cell and sets GoNB's variables.
func fakePipes(t *testing.T) (pipe, back string) {
	dir := t.TempDir()
	pipe, back = filepath.Join(dir, "pipe"), filepath.Join(dir, "pipe_back")
	for _, p := range []string{pipe, back} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(pipeEnv, pipe)
	t.Setenv(pipeBackEnv, back)
	return pipe, back
}

// kernel plays GoNB's side of the pipes with the package's wire types
// (gonbauth's notebook tests decode with GoNB's own): it sends every
// message on got and, unless ack is nil, acknowledges each sync after a
// value arrives on ack.
func kernel(t *testing.T, pipe, back string, got chan<- *displayData, ack <-chan struct{}) {
	r, err := os.OpenFile(pipe, os.O_RDONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	defer r.Close()
	w, err := os.OpenFile(back, os.O_WRONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	defer w.Close()
	dec, enc := gob.NewDecoder(r), gob.NewEncoder(w)
	for {
		var d displayData
		if err := dec.Decode(&d); err != nil {
			return
		}
		got <- &d
		if cv, ok := d.Data[mimeComm].(commValue); ok && ack != nil {
			<-ack // hold the ack back until the test looks
			enc.Encode(&commValue{Address: "#comms/other", Value: []string{"ignored"}})
			enc.Encode(&commValue{Address: syncAckAddr, Value: cv.Value})
		}
	}
}

// TestOwnConnection checks what arrives and that Sync waits for the ack.
func TestOwnConnection(t *testing.T) {
	reset(t)
	pipe, back := fakePipes(t)
	if !IsNotebook() || !CanDisplay() {
		t.Fatal("IsNotebook or CanDisplay false with GONB_PIPE set and no other connection")
	}
	got := make(chan *displayData, 10)
	release := make(chan struct{})
	go kernel(t, pipe, back, got, release)

	Display("gonbauth-1", "<b>a &amp; b</b>", "a & b")
	Display("gonbauth-1", "<i>done</i>", "done")
	RequestInput("Paste:", true)
	synced := make(chan struct{})
	go func() { Sync(); close(synced) }()

	for i, want := range []struct{ html, plain string }{{"<b>a &amp; b</b>", "a & b"}, {"<i>done</i>", "done"}} {
		d := <-got
		if d.DisplayID != "gonbauth-1" || d.Data[mimeHTML] != want.html || d.Data[mimePlain] != want.plain {
			t.Errorf("display %d: %+v", i, d)
		}
	}
	in, ok := (<-got).Data[mimeInput].(inputRequest)
	if !ok || in.Prompt != "Paste:" || !in.Password {
		t.Errorf("input request: %+v", in)
	}
	if cv := (<-got).Data[mimeComm].(commValue); cv.Address != syncAddress {
		t.Errorf("sync request: %+v", cv)
	}
	select {
	case <-synced:
		t.Fatal("Sync returned before the kernel acknowledged it")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case <-synced:
	case <-time.After(10 * time.Second):
		t.Fatal("Sync did not return after the ack")
	}
}

// A kernel that stopped acknowledging (its decoder failed) must not hang
// the sign-in at its end.
func TestSyncIsBounded(t *testing.T) {
	reset(t)
	pipe, back := fakePipes(t)
	got := make(chan *displayData, 10)
	go kernel(t, pipe, back, got, nil) // reads, never acks
	defer func(d time.Duration) { syncWait = d }(syncWait)
	syncWait = 100 * time.Millisecond
	done := make(chan struct{})
	go func() { Sync(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Sync waited for an ack that never comes")
	}
}

// backend records what reaches it.
type backend struct{ calls []string }

func (b *backend) Display(id, html, plain string) { b.calls = append(b.calls, "display "+id) }
func (b *backend) RequestInput(prompt string, password bool) {
	b.calls = append(b.calls, "input "+prompt)
}
func (b *backend) Sync() { b.calls = append(b.calls, "sync") }

// With a connection installed (gonbuidisplay's), every call goes there and
// the pipes are not touched: nothing reads them here, so opening one
// would block.
func TestUseInstalledConnection(t *testing.T) {
	reset(t)
	fakePipes(t)
	b := &backend{}
	Use(b)
	if !CanDisplay() {
		t.Fatal("CanDisplay false with a connection installed")
	}
	Display("id", "<b>x</b>", "x")
	RequestInput("Paste:", true)
	Sync()
	if want := []string{"display id", "input Paste:", "sync"}; !slices.Equal(b.calls, want) {
		t.Fatalf("calls %q, want %q", b.calls, want)
	}
}

// The wire names are this package's in a program that does not link
// gonbui/protocol; a name another type holds is detected, not a panic.
func TestRegisterWire(t *testing.T) {
	if !registerWire() {
		t.Fatal("the wire names are taken in a program that does not link gonbui/protocol")
	}
	type mine struct{ A string }
	type theirs struct{ B string }
	if !tryRegister("gonbauth.test/Name", theirs{}) {
		t.Fatal("a new name was refused")
	}
	if tryRegister("gonbauth.test/Name", mine{}) {
		t.Fatal("a name held by another type was taken")
	}
}
