package gonbauth

import (
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// gonbuiOutput is everything gonbauth asks of GoNB, in one place, so that
// the kernel protocol can be swapped without touching the views.
type gonbuiOutput struct{}

// notebook is GoNB's output; outside a notebook its calls do nothing.
var notebook gonbuiOutput

// isNotebook reports whether the program runs as a GoNB cell.
func (gonbuiOutput) isNotebook() bool { return gonbui.IsNotebook }

// uniqueID returns an id for a display block, unique in the kernel.
func (gonbuiOutput) uniqueID() string { return gonbui.UniqueId() }

// display shows (or, for an id already shown, updates in place) a block
// with its HTML and plain-text forms.
func (gonbuiOutput) display(id, html, plain string) {
	gonbui.SendData(&protocol.DisplayData{
		Data: map[protocol.MIMEType]any{
			protocol.MIMETextHTML:  html,
			protocol.MIMETextPlain: plain,
		},
		DisplayID: id,
	})
}

// requestInput opens Jupyter's input box; the reply arrives on stdin.
func (gonbuiOutput) requestInput(prompt string, password bool) { gonbui.RequestInput(prompt, password) }

// sync waits until the kernel has every output sent so far: output still
// in the pipe is lost when the program exits.
func (gonbuiOutput) sync() { gonbui.Sync() }
