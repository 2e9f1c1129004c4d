package gonbauth

import gonb "github.com/gonbauth/gonbauth/gonbauth/internal/notebook"

// notebookOutput is everything gonbauth asks of GoNB, in one place: the
// views use it and nothing else. internal/notebook speaks GoNB's pipe
// protocol without gonbui and what gonbui links into every cell.
type notebookOutput struct{}

// notebook is GoNB's output; outside a notebook its calls do nothing.
var notebook notebookOutput

// isNotebook reports whether the program runs as a GoNB cell.
func (notebookOutput) isNotebook() bool { return gonb.IsNotebook() }

// canDisplay reports whether a block reaches the notebook: not when the
// cell links GoNB's own packages, which keep their own connection to the
// kernel, without package gonbuidisplay to share it.
func (notebookOutput) canDisplay() bool { return gonb.CanDisplay() }

// uniqueID returns an id for a display block, unique in the kernel.
func (notebookOutput) uniqueID() string { return gonb.UniqueID() }

// display shows (or, for an id already shown, updates in place) a block
// with its HTML and plain-text forms.
func (notebookOutput) display(id, html, plain string) { gonb.Display(id, html, plain) }

// requestInput opens Jupyter's input box; the reply arrives on stdin.
func (notebookOutput) requestInput(prompt string, password bool) { gonb.RequestInput(prompt, password) }

// sync waits until the kernel has every output sent so far: output still
// in the pipe is lost when the program exits.
func (notebookOutput) sync() { gonb.Sync() }
