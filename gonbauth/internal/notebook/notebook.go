// Package notebook is the part of GoNB's display protocol that gonbauth
// uses: one output block shown and updated in place (text/html with a
// text/plain alternative), Jupyter's input box, and Sync.
//
// GoNB starts every cell program with GONB_PIPE and GONB_PIPE_BACK naming
// two fifos. The program writes gob-encoded DisplayData values on the
// first; the kernel answers sync requests with CommValue values on the
// second. gonbui speaks the same protocol, but importing it links klog,
// logr, uuid, pkg/errors, x/exp and image/png into every cell and makes
// GoNB's per-cell `go get` ask the module proxy about each of their
// modules. This package states the wire types itself (wire.go) and needs
// only encoding/gob.
//
// The kernel reads one gob stream from the program, so only one
// connection per process may write to it: a second encoder's type
// definitions make the kernel stop reading ("duplicate type received"),
// and the two readers of the acks steal each other's bytes. So when the
// program links GoNB's own protocol package (as gonbui, its widgets and
// plotly do; they open their own connection), this package opens none: it
// uses gonbui's if package gonbuidisplay installed it (Use), and otherwise
// CanDisplay reports false and gonbauth shows its output as text.
//
// The connection is process-wide, because the fifos are, and is chosen
// on first use (not at initialisation: see registerWire). Outside GoNB
// every call is a no-op. Display errors are not reported: the display is
// best effort, as in gonbui, and after the first failure the pipes stay
// closed.
package notebook

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
)

// Backend is a connection to the kernel owned by someone else: gonbui's,
// which package gonbuidisplay installs with Use.
type Backend interface {
	// Display shows html, with plain as its text/plain alternative, in
	// the output block id (created by the first call, updated by the
	// next ones).
	Display(id, html, plain string)
	// RequestInput asks for an input box; the reply arrives on os.Stdin.
	RequestInput(prompt string, password bool)
	// Sync returns when the kernel has handled everything sent before.
	Sync()
}

// IsNotebook reports whether GoNB started this program.
func IsNotebook() bool { return os.Getenv(pipeEnv) != "" }

// CanDisplay reports whether output sent here reaches the notebook: the
// program runs under GoNB, and either no other package in it speaks to
// the kernel or gonbuidisplay made gonbauth's output go through gonbui.
func CanDisplay() bool { return current() != nil }

// Use makes b the connection that every later call goes through. It is
// meant for a package's init function, before any output is sent.
func Use(b Backend) {
	chosen.mu.Lock()
	defer chosen.mu.Unlock()
	chosen.installed = b
	chosen.decided = false // a program that links gonbuidisplay never opens pipes of its own
}

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
	if b := current(); b != nil {
		b.Display(id, html, plain)
	}
}

// RequestInput makes Jupyter show an input box with prompt (hiding what
// is typed when password is set); the reply arrives on os.Stdin.
func RequestInput(prompt string, password bool) {
	if b := current(); b != nil {
		b.RequestInput(prompt, password)
	}
}

// Sync waits until the kernel has handled everything sent before it.
// Call it before the program ends: output still in the pipe is lost at
// exit.
func Sync() {
	if b := current(); b != nil {
		b.Sync()
	}
}

// chosen is the process's connection, decided on first use.
var chosen struct {
	mu        sync.Mutex
	installed Backend // set by Use
	decided   bool
	b         Backend // nil: no output reaches the notebook
}

// ownConnection reports whether this package may open its own
// connection: whether its wire types are the program's (registerWire). A
// variable so that tests can say no.
var ownConnection = registerWire

// current returns the connection to use, nil when nothing can be shown.
func current() Backend {
	chosen.mu.Lock()
	defer chosen.mu.Unlock()
	if !chosen.decided {
		chosen.decided = true
		switch {
		case !IsNotebook():
		case chosen.installed != nil:
			chosen.b = chosen.installed
		case ownConnection():
			chosen.b = new(conn) // once per process: the fifos are
		}
	}
	return chosen.b
}
