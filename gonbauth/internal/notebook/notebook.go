// Package notebook is the part of GoNB's display protocol that gonbauth
// uses: one output block shown and updated in place (text/html with a
// text/plain alternative), Jupyter's input box, and Sync.
//
// GoNB starts every cell program with GONB_PIPE and GONB_PIPE_BACK naming
// two fifos. The program writes gob-encoded protocol.DisplayData values on
// the first; the kernel answers sync requests with protocol.CommValue
// values on the second. gonbui speaks the same protocol with the same
// types, but importing it links klog, logr, uuid, pkg/errors, x/exp,
// gonb/common and image/png into every cell and makes GoNB's per-cell
// `go get` resolve their modules; this package imports only
// gonbui/protocol (the wire types) and encoding/gob.
//
// The pipes belong to the process, so the connection is process-wide,
// opened on first use. Outside GoNB every call is a no-op. Display errors
// are not reported: the display is best effort, as in gonbui, and after
// the first failure the pipes stay closed.
package notebook

import (
	"crypto/rand"
	"encoding/gob"
	"encoding/hex"
	"os"
	"sync"

	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// IsNotebook reports whether GoNB started this program.
func IsNotebook() bool { return os.Getenv(protocol.GONB_PIPE_ENV) != "" }

// UniqueID returns a new random display id: display ids are per kernel,
// and the kernel outlives the cell program.
func UniqueID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Display shows html, with plain as its text/plain alternative (what a
// text front end or a saved notebook's diff shows), in the output block
// id: the first call with an id creates the block, later ones update it.
func Display(id, html, plain string) {
	send(&protocol.DisplayData{
		Data: map[protocol.MIMEType]any{
			protocol.MIMETextHTML:  html,
			protocol.MIMETextPlain: plain,
		},
		DisplayID: id,
	})
}

// RequestInput makes Jupyter show an input box with prompt (hiding what
// is typed when password is set); the reply arrives on os.Stdin.
func RequestInput(prompt string, password bool) {
	send(&protocol.DisplayData{
		Data: map[protocol.MIMEType]any{
			protocol.MIMEJupyterInput: &protocol.InputRequest{Prompt: prompt, Password: password},
		},
	})
}

// Sync waits until the kernel has handled everything sent before it.
// Call it before the program ends: output still in the pipe is lost at
// exit.
func Sync() {
	c := pipes.open()
	if c == nil {
		return
	}
	c.mu.Lock()
	if c.waiting == nil {
		c.mu.Unlock()
		return // nothing reads the acks any more
	}
	id := c.nextSync
	c.nextSync++
	ack := make(chan struct{})
	c.waiting[id] = ack
	c.mu.Unlock()
	send(&protocol.DisplayData{
		Data: map[protocol.MIMEType]any{
			protocol.MIMECommValue: &protocol.CommValue{Address: protocol.GonbuiSyncAddress, Value: id},
		},
	})
	<-ack // closed by the ack, or when the pipes fail
}

// conn is the process's connection to the kernel.
type conn struct {
	once sync.Once
	mu   sync.Mutex
	enc  *gob.Encoder // nil once a write failed
	w, r *os.File

	nextSync int
	waiting  map[int]chan struct{} // Sync calls by id; nil once the acks ended
}

// pipes is process-wide because the fifos are: GoNB creates one pair per
// cell program.
var pipes conn

// open opens the pipes on first use, and returns nil outside GoNB or
// once writing failed.
func (c *conn) open() *conn {
	if !IsNotebook() {
		return nil
	}
	c.once.Do(func() {
		// In gonbui's order: the kernel opens its reading end first.
		w, err := os.OpenFile(os.Getenv(protocol.GONB_PIPE_ENV), os.O_WRONLY, 0)
		if err != nil {
			return
		}
		r, err := os.OpenFile(os.Getenv(protocol.GONB_PIPE_BACK_ENV), os.O_RDONLY, 0)
		if err != nil {
			w.Close()
			return
		}
		c.w, c.r, c.enc = w, r, gob.NewEncoder(w)
		c.waiting = map[int]chan struct{}{}
		go c.readAcks()
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.enc == nil {
		return nil
	}
	return c
}

func send(d *protocol.DisplayData) {
	c := pipes.open()
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.enc == nil {
		return
	}
	if err := c.enc.Encode(d); err != nil {
		// The kernel is gone: stop writing, and close the other pipe so
		// that readAcks releases every waiting Sync.
		c.enc = nil
		c.w.Close()
		c.r.Close()
	}
}

// readAcks releases the Sync calls the kernel acknowledges, until the
// pipe ends; then it releases them all.
func (c *conn) readAcks() {
	dec := gob.NewDecoder(c.r)
	for {
		var v protocol.CommValue
		if err := dec.Decode(&v); err != nil {
			c.mu.Lock()
			for _, ack := range c.waiting {
				close(ack)
			}
			c.waiting = nil
			c.mu.Unlock()
			return
		}
		id, ok := v.Value.(int)
		if v.Address != protocol.GonbuiSyncAckAddress || !ok {
			continue // comms traffic, which gonbauth does not use
		}
		c.mu.Lock()
		if ack, ok := c.waiting[id]; ok {
			close(ack)
			delete(c.waiting, id)
		}
		c.mu.Unlock()
	}
}
