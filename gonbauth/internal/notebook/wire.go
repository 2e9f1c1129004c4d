package notebook

import (
	"encoding/gob"
	"sync"
)

// GoNB's wire protocol, as gonbui/protocol v0.11.1 states it. gob matches
// struct fields by name, so these types decode into the kernel's own;
// the two that travel inside an interface value are registered under the
// names the kernel registered its types with, which is how it finds them.
const (
	protocolPkg  = "github.com/janpfeifer/gonb/gonbui/protocol"
	pipeEnv      = "GONB_PIPE"
	pipeBackEnv  = "GONB_PIPE_BACK"
	mimeHTML     = "text/html"
	mimePlain    = "text/plain"
	mimeInput    = "gonb/jupyter_input"
	mimeComm     = "gonb/comm_value"
	syncAddress  = "#gonbui/sync"
	syncAckAddr  = "#gonbui/sync_ack"
	inputReqName = protocolPkg + ".InputRequest"
	commValName  = protocolPkg + ".CommValue"
)

// displayData is protocol.DisplayData: what the program sends.
type displayData struct {
	Data      map[string]any // by MIME type
	Metadata  map[string]any
	DisplayID string
}

// inputRequest is protocol.InputRequest, sent as Data[mimeInput].
type inputRequest struct {
	Prompt   string
	Password bool
}

// commValue is protocol.CommValue: a sync request as Data[mimeComm], and
// what the kernel sends back.
type commValue struct {
	Address string
	Request bool
	Value   any
}

var wire struct {
	once sync.Once
	ours bool
}

// registerWire names the interface-borne types as the kernel does, and
// reports whether the names are ours. They are not when the program links
// gonbui/protocol (as every GoNB package that talks to the kernel does):
// its init registered the same names for its own types, and gob panics at
// a second registration, which is how this learns that another connection
// may exist. It runs on first use, never at initialisation, so protocol's
// init has run by then in any program that links it.
func registerWire() bool {
	wire.once.Do(func() {
		wire.ours = tryRegister(inputReqName, inputRequest{}) && tryRegister(commValName, commValue{})
		// What else the kernel may send back on the comms address, as
		// protocol registers it; decoding an unknown name would end the
		// stream of acks. The same name for the same type is no conflict.
		for _, v := range []any{[]int{}, []float64{}, []string{}, map[string]int{}, map[string]float64{}, map[string]string{}} {
			gob.Register(v)
		}
	})
	return wire.ours
}

// tryRegister registers v's type under name, and reports false where gob
// panics because another type has the name.
func tryRegister(name string, v any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	gob.RegisterName(name, v)
	return true
}
