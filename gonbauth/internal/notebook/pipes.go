package notebook

import (
	"encoding/gob"
	"os"
	"sync"
	"time"
)

// syncWait bounds Sync on the package's own connection: a kernel that
// stopped reading the pipe (its decoder failed) never acknowledges, and
// the sign-in must not hang on its display.
var syncWait = 10 * time.Second

// conn is this package's own connection to the kernel, for a program in
// which nothing else speaks to it.
type conn struct {
	once sync.Once
	mu   sync.Mutex
	enc  *gob.Encoder // nil once a write failed
	w, r *os.File

	nextSync int
	waiting  map[int]chan struct{} // Sync calls by id; nil once the acks ended
}

// open opens the pipes on first use, and reports whether they are open.
func (c *conn) open() bool {
	c.once.Do(func() {
		// In gonbui's order: the kernel opens its reading end first.
		w, err := os.OpenFile(os.Getenv(pipeEnv), os.O_WRONLY, 0)
		if err != nil {
			return
		}
		r, err := os.OpenFile(os.Getenv(pipeBackEnv), os.O_RDONLY, 0)
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
	return c.enc != nil
}

func (c *conn) Display(id, html, plain string) {
	c.send(&displayData{Data: map[string]any{mimeHTML: html, mimePlain: plain}, DisplayID: id})
}

func (c *conn) RequestInput(prompt string, password bool) {
	c.send(&displayData{Data: map[string]any{mimeInput: inputRequest{Prompt: prompt, Password: password}}})
}

func (c *conn) Sync() {
	if !c.open() {
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
	c.send(&displayData{Data: map[string]any{mimeComm: commValue{Address: syncAddress, Value: id}}})
	t := time.NewTimer(syncWait)
	defer t.Stop()
	select {
	case <-ack: // closed by the ack, or when the pipes fail
	case <-t.C:
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
	}
}

func (c *conn) send(d *displayData) {
	if !c.open() {
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
		var v commValue
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
		if v.Address != syncAckAddr || !ok {
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
