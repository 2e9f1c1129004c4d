package gonbauth

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
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
// sign-in URL carries only public values (client_id, state, challenge).
type status struct {
	phase     phase
	host      string // the issuer's (or authorization endpoint's) host
	authURL   string
	deadline  time.Time
	now       time.Time
	refused   []string // why responses were refused, newest last
	who       string
	expiry    time.Time
	scopes    []string
	message   string // the error, for phaseFailed and phaseCancelled
	notice    string // why an interactive sign-in is needed, if not obvious
	fromStore bool   // signed in from a saved sign-in
}

// remaining is the time left to sign in, rounded for display.
func (s *status) remaining() time.Duration {
	d := s.deadline.Sub(s.now)
	if d < 0 {
		return 0
	}
	return d.Round(time.Second)
}

// safeLink returns the URL if it may be rendered as a link: only http(s).
func safeLink(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", false
	}
	return raw, true
}

var statusTemplate = template.Must(template.New("status").Funcs(template.FuncMap{
	"join": strings.Join,
	"time": func(t time.Time) string { return t.Format("15:04:05 MST") },
}).Parse(`<div style="font-family:system-ui,sans-serif;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;max-width:44em">
{{- if eq .Phase 0 -}}
{{- if .Link -}}
<div style="font-size:1.15em;margin-bottom:6px"><a href="{{.Link}}" target="_blank" rel="noopener noreferrer" style="display:inline-block;background:#0969da;color:#fff;padding:6px 14px;border-radius:6px;text-decoration:none;font-weight:600">Sign in to {{.Host}}</a></div>
{{- else -}}
<div>Sign in to {{.Host}} at: <code>{{.URL}}</code></div>
{{- end -}}
{{- if .Notice}}<div style="color:#9a6700">{{.Notice}}</div>{{end -}}
<div style="color:#57606a">⏳ Waiting for you to sign in in the browser tab the link opens ({{.Remaining}} left).</div>
{{- else if eq .Phase 1 -}}
<div>⏳ Sign-in received from {{.Host}}; getting the token…</div>
{{- else if eq .Phase 2 -}}
<div style="color:#1a7f37;font-weight:600">✅ Signed in to {{.Host}}{{if .Who}} as {{.Who}}{{end}}{{if .FromStore}} (saved sign-in){{end}}</div>
<div style="color:#57606a">{{if not .Expiry.IsZero}}Token expires at {{time .Expiry}}{{else}}The token has no stated expiry{{end}}{{if .Scopes}} · scopes: {{join .Scopes " "}}{{end}}</div>
{{- else if eq .Phase 3 -}}
<div style="color:#cf222e;font-weight:600">❌ Sign-in to {{.Host}} failed</div>
<div style="font-family:ui-monospace,monospace;white-space:pre-wrap">{{.Message}}</div>
{{- else -}}
<div style="color:#9a6700;font-weight:600">⏹ Sign-in to {{.Host}} cancelled</div>
<div style="color:#57606a">{{.Message}}</div>
{{- end -}}
{{- range .Refused}}
<div style="color:#9a6700;font-size:.9em">⚠ A redirect was refused: {{.}}</div>
{{- end}}
</div>`))

// render returns the HTML and plain-text forms of s. html/template
// escapes every value, and only http(s) URLs become links.
func (s *status) render() (html, plain string) {
	link, ok := safeLink(s.authURL)
	data := struct {
		Phase                                 phase
		Host, Link, URL, Who, Message, Notice string
		FromStore                             bool
		Remaining                             time.Duration
		Expiry                                time.Time
		Scopes, Refused                       []string
	}{s.phase, s.host, "", s.authURL, s.who, s.message, s.notice, s.fromStore, s.remaining(), s.expiry, s.scopes, s.refused}
	if ok {
		data.Link = link
	}
	var b bytes.Buffer
	if err := statusTemplate.Execute(&b, data); err != nil {
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
	return b.String()
}

// headline is the plain-text status without the refusal notes.
func (s *status) headline() string {
	var b strings.Builder
	switch s.phase {
	case phaseWaiting:
		if s.notice != "" {
			b.WriteString(s.notice + "\n")
		}
		fmt.Fprintf(&b, "Sign in to %s by opening this link in your browser:\n%s\nWaiting for the sign-in (%v left).", s.host, s.authURL, s.remaining())
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
	// done flushes: under GoNB, output still in the pipe is lost at exit.
	done()
}

// newView picks the notebook view under GoNB and the terminal view elsewhere.
func newView(out io.Writer) view {
	if gonbui.IsNotebook {
		return &notebookView{id: "gonbauth-" + gonbui.UniqueId()}
	}
	return &terminalView{out: out}
}

// notebookView keeps one output block and updates it in place.
type notebookView struct{ id string }

func (v *notebookView) show(s *status) {
	html, plain := s.render()
	gonbui.SendData(&protocol.DisplayData{
		Data: map[protocol.MIMEType]any{
			protocol.MIMETextHTML:  html,
			protocol.MIMETextPlain: plain,
		},
		DisplayID: v.id,
	})
}

func (v *notebookView) done() { gonbui.Sync() }

// terminalView prints each change once, as lines on a terminal.
type terminalView struct {
	out      io.Writer
	last     phase
	started  bool
	nRefused int
}

func (v *terminalView) show(s *status) {
	for ; v.nRefused < len(s.refused); v.nRefused++ {
		fmt.Fprintf(v.out, "gonbauth: a redirect was refused: %s\n", s.refused[v.nRefused])
	}
	if v.started && s.phase == v.last {
		return // a tick: the terminal needs no countdown
	}
	v.started, v.last = true, s.phase
	switch s.phase {
	case phaseWaiting:
		// The URL stands alone on its line so that it can be copied or
		// picked out by a script.
		if s.notice != "" {
			fmt.Fprintln(v.out, "gonbauth: "+s.notice)
		}
		fmt.Fprintf(v.out, "gonbauth: sign in to %s by opening this link in your browser:\n\n%s\n\ngonbauth: waiting for the sign-in (%v left)...\n", s.host, s.authURL, s.remaining())
	case phaseSignedIn:
		fmt.Fprintln(v.out, "gonbauth: "+s.headline())
	}
	// Failures and cancellations reach the caller as errors.
}

func (v *terminalView) done() {}
