package notebook

import (
	"encoding/gob"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// The pipes are process-wide and opened once, so the tests run in this
// order: outside GoNB first, then one session with a fake kernel.

func TestOutsideGoNBIsNoOp(t *testing.T) {
	t.Setenv(protocol.GONB_PIPE_ENV, "")
	if IsNotebook() {
		t.Fatal("IsNotebook without GONB_PIPE")
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
		t.Fatal("a display call blocked outside GoNB")
	}
}

func TestUniqueID(t *testing.T) {
	a, b := UniqueID(), UniqueID()
	if a == b || len(a) != 16 {
		t.Fatalf("UniqueID: %q, %q", a, b)
	}
}

// TestProtocol plays GoNB's side of the pipes, as gonbauth's fake kernel
// does, and checks what arrives and that Sync waits for the ack.
func TestProtocol(t *testing.T) {
	dir := t.TempDir()
	pipe, back := filepath.Join(dir, "pipe"), filepath.Join(dir, "pipe_back")
	for _, p := range []string{pipe, back} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(protocol.GONB_PIPE_ENV, pipe)
	t.Setenv(protocol.GONB_PIPE_BACK_ENV, back)
	if !IsNotebook() {
		t.Fatal("IsNotebook with GONB_PIPE set")
	}

	got := make(chan *protocol.DisplayData, 10)
	release := make(chan struct{})
	go func() {
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
			var d protocol.DisplayData
			if err := dec.Decode(&d); err != nil {
				return
			}
			got <- &d
			if cv, ok := d.Data[protocol.MIMECommValue].(protocol.CommValue); ok {
				<-release // hold the ack back until the test looks
				enc.Encode(&protocol.CommValue{Address: "#comms/other", Value: "ignored"})
				enc.Encode(&protocol.CommValue{Address: protocol.GonbuiSyncAckAddress, Value: cv.Value})
			}
		}
	}()

	Display("gonbauth-1", "<b>a &amp; b</b>", "a & b")
	Display("gonbauth-1", "<i>done</i>", "done")
	RequestInput("Paste:", true)
	synced := make(chan struct{})
	go func() { Sync(); close(synced) }()

	for i, want := range []struct{ html, plain string }{{"<b>a &amp; b</b>", "a & b"}, {"<i>done</i>", "done"}} {
		d := <-got
		if d.DisplayID != "gonbauth-1" || d.Data[protocol.MIMETextHTML] != want.html || d.Data[protocol.MIMETextPlain] != want.plain {
			t.Errorf("display %d: %+v", i, d)
		}
	}
	in, ok := (<-got).Data[protocol.MIMEJupyterInput].(protocol.InputRequest)
	if !ok || in.Prompt != "Paste:" || !in.Password {
		t.Errorf("input request: %+v", in)
	}
	if cv := (<-got).Data[protocol.MIMECommValue].(protocol.CommValue); cv.Address != protocol.GonbuiSyncAddress {
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
