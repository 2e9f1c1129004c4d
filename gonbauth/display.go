package gonbauth

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/notebook"
)

// phase is where a sign-in stands, as shown to the user.
type phase int

const (
	phaseWaiting phase = iota
	phaseExchanging
	phaseSignedIn
	phaseFailed
	phaseCancelled
)

// status is what the user sees of a flow. It holds no secrets: the
// sign-in URL carries only public values (client_id, state, challenge),
// and a device flow's user code is meant to be read.
type status struct {
	phase     phase
	host      string // the issuer's (or authorization endpoint's) host
	authURL   string // the link to open (the verification URI in device mode)
	deadline  time.Time
	now       time.Time
	refused   []string // why responses were refused, oldest first (bounded)
	refusedN  int      // refused responses counted but not listed
	who       string
	expiry    time.Time
	scopes    []string
	message   string // the error, for phaseFailed and phaseCancelled
	notice    string // why an interactive sign-in is needed, if not obvious
	fromStore bool   // signed in from a saved sign-in

	mode    Mode
	modeWhy string

	// Paste mode: where the browser lands, and why pastes were refused.
	pasteTo     string
	pasteErr    string
	pasteErrs   int  // how many pastes were refused, to notice a new one
	pasteClosed bool // no input is available: only the redirect can finish

	// Device mode.
	userCode string
	qrPNG    []byte
}

// remaining is the time left to sign in, rounded for display.
func (s *status) remaining() time.Duration {
	d := s.deadline.Sub(s.now)
	if d < 0 {
		return 0
	}
	return d.Round(time.Second)
}

var statusTemplate = template.Must(template.New("status").Funcs(template.FuncMap{
	"join": strings.Join,
	"time": func(t time.Time) string { return t.Format("15:04:05 MST") },
}).Parse(`<div style="font-family:system-ui,sans-serif;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;max-width:44em">
{{- if .Waiting -}}
{{- if .Notice}}<div style="color:#9a6700">{{.Notice}}</div>{{end -}}
{{- if .UserCode -}}
<div style="margin-bottom:6px">To sign in to {{.Host}}, open {{if .Link}}<a href="{{.Link}}" target="_blank" rel="noopener noreferrer">{{.URL}}</a>{{else}}<code>{{.URL}}</code>{{end}} on any device and confirm the code <b style="font-family:ui-monospace,monospace;font-size:1.3em;letter-spacing:.08em">{{.UserCode}}</b>, or scan:</div>
{{- if .QR}}<div><img src="{{.QR}}" width="164" height="164" alt="QR code of the sign-in address"></div>{{end -}}
{{- else -}}
{{- if .Link -}}
<div style="font-size:1.15em;margin-bottom:6px"><a href="{{.Link}}" target="_blank" rel="noopener noreferrer" style="display:inline-block;background:#0969da;color:#fff;padding:6px 14px;border-radius:6px;text-decoration:none;font-weight:600">Sign in to {{.Host}}</a></div>
{{- else -}}
<div>Sign in to {{.Host}} at: <code>{{.URL}}</code></div>
{{- end -}}
{{- if .PasteTo}}<div>If the browser then shows “this site can't be reached” at <code>{{.PasteTo}}</code>, copy that page's whole address from the address bar and paste it {{if .PasteClosed}}— no input box is available here, so only the redirect can finish this sign-in{{else}}in the box below{{end}}.</div>{{end -}}
{{- end -}}
{{- if .PasteErr}}<div style="color:#cf222e">The pasted address was refused: {{.PasteErr}}. Paste it again.</div>{{end -}}
<div style="color:#57606a">⏳ Waiting for you to sign in ({{.Remaining}} left).</div>
<div style="color:#57606a;font-size:.85em">Mode: {{.Mode}}, because {{.ModeWhy}}; {{.ModeHelp}}.</div>
{{- else if .Exchanging -}}
<div>⏳ Sign-in received from {{.Host}}; getting the token…</div>
{{- else if .SignedIn -}}
<div style="color:#1a7f37;font-weight:600">✅ Signed in to {{.Host}}{{if .Who}} as {{.Who}}{{end}}{{if .FromStore}} (saved sign-in){{end}}</div>
<div style="color:#57606a">{{if not .Expiry.IsZero}}Token expires at {{time .Expiry}}{{else}}The token has no stated expiry{{end}}{{if .Scopes}} · scopes: {{join .Scopes " "}}{{end}}</div>
{{- else if .Failed -}}
<div style="color:#cf222e;font-weight:600">❌ Sign-in to {{.Host}} failed</div>
<div style="font-family:ui-monospace,monospace;white-space:pre-wrap">{{.Message}}</div>
{{- else -}}
<div style="color:#9a6700;font-weight:600">⏹ Sign-in to {{.Host}} cancelled</div>
<div style="color:#57606a">{{.Message}}</div>
{{- end -}}
{{- range .Refused}}
<div style="color:#9a6700;font-size:.9em">⚠ A redirect was refused: {{.}}</div>
{{- end}}
{{- if .RefusedN}}
<div style="color:#9a6700;font-size:.9em">⚠ {{.RefusedN}} more redirects were refused.</div>
{{- end}}
</div>`))

// statusData is what the template sees.
type statusData struct {
	Phase                                          phase
	Host, Link, URL, Who, Message, Notice          string
	Mode                                           Mode
	ModeWhy, ModeHelp, PasteTo, PasteErr, UserCode string
	QR                                             template.URL
	FromStore, PasteClosed                         bool
	Remaining                                      time.Duration
	RefusedN                                       int
	Expiry                                         time.Time
	Scopes, Refused                                []string
}

// The phases, by name, for the template.
func (d statusData) Waiting() bool    { return d.Phase == phaseWaiting }
func (d statusData) Exchanging() bool { return d.Phase == phaseExchanging }
func (d statusData) SignedIn() bool   { return d.Phase == phaseSignedIn }
func (d statusData) Failed() bool     { return d.Phase == phaseFailed }

// render returns the HTML and plain-text forms of s. html/template
// escapes every value, and only http(s) URLs become links.
func (s *status) render() (html, plain string) {
	d := statusData{
		Phase: s.phase, Host: s.host, URL: s.authURL, Who: s.who, Message: s.message, Notice: s.notice,
		Mode: s.mode, ModeWhy: s.modeWhy, ModeHelp: modeHelp, PasteTo: s.pasteTo, PasteErr: s.pasteErr,
		UserCode: s.userCode, FromStore: s.fromStore, PasteClosed: s.pasteClosed,
		Remaining: s.remaining(), Expiry: s.expiry, Scopes: s.scopes, Refused: s.refused,
		RefusedN: s.refusedN,
	}
	if safeLink(s.authURL) {
		d.Link = s.authURL
	}
	if len(s.qrPNG) > 0 {
		// Trusted: a PNG this package encoded, not text from anyone.
		d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(s.qrPNG))
	}
	var b bytes.Buffer
	if err := statusTemplate.Execute(&b, d); err != nil {
		b.Reset()
		template.HTMLEscape(&b, []byte("gonbauth: cannot render the status: "+err.Error()))
	}
	return b.String(), s.plain()
}

// plain is the text/plain form: what VS Code, nbconvert and consoles show.
func (s *status) plain() string {
	var b strings.Builder
	b.WriteString(s.headline())
	for _, r := range s.refused {
		fmt.Fprintf(&b, "\nA redirect was refused: %s", r)
	}
	if s.refusedN > 0 {
		fmt.Fprintf(&b, "\n%d more redirects were refused.", s.refusedN)
	}
	return b.String()
}

// headline is the plain-text status without the refusal notes. Links
// stand alone on their lines.
func (s *status) headline() string {
	var b strings.Builder
	switch s.phase {
	case phaseWaiting:
		if s.notice != "" {
			b.WriteString(s.notice + "\n")
		}
		if s.userCode != "" {
			fmt.Fprintf(&b, "To sign in to %s, open this address on any device:\n%s\nand confirm the code %s.", s.host, s.authURL, s.userCode)
		} else {
			fmt.Fprintf(&b, "Sign in to %s by opening this link in your browser:\n%s", s.host, s.authURL)
		}
		if s.pasteTo != "" {
			fmt.Fprintf(&b, "\nIf the browser then cannot reach %s, copy that page's whole address and paste it.", s.pasteTo)
		}
		if s.pasteErr != "" {
			fmt.Fprintf(&b, "\nThe pasted address was refused: %s. Paste it again.", s.pasteErr)
		}
		fmt.Fprintf(&b, "\nWaiting for the sign-in (%v left). Mode: %s, because %s; %s.", s.remaining(), s.mode, s.modeWhy, modeHelp)
	case phaseExchanging:
		fmt.Fprintf(&b, "Sign-in received from %s; getting the token…", s.host)
	case phaseSignedIn:
		fmt.Fprintf(&b, "Signed in to %s", s.host)
		if s.who != "" {
			fmt.Fprintf(&b, " as %s", s.who)
		}
		if s.fromStore {
			b.WriteString(" (saved sign-in)")
		}
		if !s.expiry.IsZero() {
			fmt.Fprintf(&b, ". Token expires at %s", s.expiry.Format("15:04:05 MST"))
		}
		if len(s.scopes) > 0 {
			fmt.Fprintf(&b, "; scopes: %s", strings.Join(s.scopes, " "))
		}
		b.WriteString(".")
	case phaseFailed:
		fmt.Fprintf(&b, "Sign-in to %s failed: %s", s.host, s.message)
	case phaseCancelled:
		fmt.Fprintf(&b, "Sign-in to %s cancelled: %s", s.host, s.message)
	}
	return b.String()
}

// view shows a flow's status somewhere.
type view interface {
	show(*status)
	// askPaste asks for a pasted address.
	askPaste(prompt string)
	// done flushes: under GoNB, output still in the pipe is lost at exit.
	done()
}

// newView picks the notebook view under GoNB and the terminal view elsewhere.
func newView(out io.Writer) view {
	if notebook.IsNotebook() {
		return &notebookView{id: "gonbauth-" + notebook.UniqueID()}
	}
	return &terminalView{out: out}
}

// notebookView keeps one output block and updates it in place.
type notebookView struct{ id string }

func (v *notebookView) show(s *status) {
	html, plain := s.render()
	notebook.Display(v.id, html, plain)
}

// askPaste opens Jupyter's input box; the reply arrives on stdin. It is a
// password box so that the pasted address, which holds a code, is not
// echoed into the saved notebook.
func (v *notebookView) askPaste(prompt string) { notebook.RequestInput(prompt, true) }

func (v *notebookView) done() { notebook.Sync() }

// terminalView prints each change once, as lines on a terminal.
type terminalView struct {
	out       io.Writer
	last      phase
	started   bool
	nRefused  int
	nMore     int
	pasteErrs int
}

func (v *terminalView) show(s *status) {
	for ; v.nRefused < len(s.refused); v.nRefused++ {
		fmt.Fprintf(v.out, "gonbauth: a redirect was refused: %s\n", s.refused[v.nRefused])
	}
	if s.pasteErrs > v.pasteErrs {
		v.pasteErrs = s.pasteErrs
		fmt.Fprintf(v.out, "gonbauth: the pasted address was refused: %s\n", s.pasteErr)
	}
	if s.phase != phaseWaiting && s.refusedN > v.nMore {
		v.nMore = s.refusedN
		fmt.Fprintf(v.out, "gonbauth: %d more redirects were refused\n", s.refusedN)
	}
	if v.started && s.phase == v.last {
		return // a tick: the terminal needs no countdown
	}
	v.started, v.last = true, s.phase
	switch s.phase {
	case phaseWaiting:
		v.waiting(s)
	case phaseSignedIn:
		fmt.Fprintln(v.out, "gonbauth: "+s.headline())
	}
	// Failures and cancellations reach the caller as errors.
}

// waiting prints the link (or the device code) alone on its line, so
// that it can be copied or picked out by a script.
func (v *terminalView) waiting(s *status) {
	if s.notice != "" {
		fmt.Fprintln(v.out, "gonbauth: "+s.notice)
	}
	fmt.Fprintf(v.out, "gonbauth: mode %s, because %s; %s.\n", s.mode, s.modeWhy, modeHelp)
	if s.userCode != "" {
		fmt.Fprintf(v.out, "gonbauth: to sign in to %s, open this address on any device:\n\n%s\n\ngonbauth: and confirm the code %s.\n", s.host, s.authURL, s.userCode)
	} else {
		fmt.Fprintf(v.out, "gonbauth: sign in to %s by opening this link in your browser:\n\n%s\n\n", s.host, s.authURL)
	}
	fmt.Fprintf(v.out, "gonbauth: waiting for the sign-in (%v left)...\n", s.remaining())
}

func (v *terminalView) askPaste(prompt string) { fmt.Fprintln(v.out, "gonbauth: "+prompt) }

func (v *terminalView) done() {}
