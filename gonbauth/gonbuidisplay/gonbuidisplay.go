// Package gonbuidisplay makes gonbauth show its notebook output through
// gonbui's connection to the GoNB kernel. Import it for its side effect in
// a cell that also uses gonbui (or GoNB's widgets or plotly):
//
//	import (
//		"github.com/gonbauth/gonbauth/gonbauth"
//		_ "github.com/gonbauth/gonbauth/gonbauth/gonbuidisplay"
//		"github.com/janpfeifer/gonb/gonbui"
//	)
//
// Why: the kernel reads one stream of display messages from each cell
// program, and gonbui keeps its own. gonbauth on its own speaks to the
// kernel without gonbui, which spares every cell what gonbui links; but
// two connections in one program would break each other's output. So in
// a program that links any GoNB package, gonbauth opens no connection:
// without this package its sign-in shows as text (and says so once), with
// it the sign-in block goes through gonbui, as the cell's own output does.
// The text cannot be withdrawn, so its sign-in link (spent once the flow
// ends) stays in the saved notebook, where the block removes its link.
//
// Import it in every cell that signs in: GoNB carries a cell's imports
// over to later cells, but keeps one blank import at a time, so a later
// cell's `_ "..."` import replaces this one.
package gonbuidisplay

import (
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"

	"github.com/gonbauth/gonbauth/gonbauth/internal/notebook"
)

func init() { notebook.Use(viaGonbui{}) }

// viaGonbui sends gonbauth's output with gonbui.
type viaGonbui struct{}

func (viaGonbui) Display(id, html, plain string) {
	gonbui.SendData(&protocol.DisplayData{
		Data:      map[protocol.MIMEType]any{protocol.MIMETextHTML: html, protocol.MIMETextPlain: plain},
		DisplayID: id,
	})
}

func (viaGonbui) RequestInput(prompt string, password bool) { gonbui.RequestInput(prompt, password) }

func (viaGonbui) Sync() { gonbui.Sync() }
