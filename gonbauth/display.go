package gonbauth

import (
	"html"
	"io"
	"strings"
	"sync"
	"time"
)

// display shows a sign-in as the flow reports it. The flow only reports
// events; the words come from the message table (messages.go) and the
// layout from the output: a notebook block updated in place, or lines on
// a terminal.
type display struct {
	st    viewState
	now   func() time.Time
	out   output
	noBox bool // a notebook whose input box this program cannot ask for
}

// output lays out a sign-in's state for one kind of place.
type output interface {
	// show lays out st after ev.
	show(st *viewState, ev event)
	// askPaste asks for a pasted address.
	askPaste(prompt string)
	// done flushes: under GoNB, output still in the pipe is lost at exit.
	done()
}

// event is what just happened, for outputs that print changes only.
type event int

const (
	evWaiting event = iota
	evTick
	evRefused
	evPasteRefused
	evPasteClosed
	evExchanging
	evSignedIn
	evFailed
	evCancelled
)

// newDisplay picks the notebook under GoNB, else the terminal (the
// command's words when command is not "").
func newDisplay(out io.Writer, now func() time.Time, command string) *display {
	d := &display{now: now}
	switch {
	case notebook.isNotebook() && notebook.canDisplay():
		d.st.where = whereNotebook
		d.out = &notebookView{id: "gonbauth-" + notebook.uniqueID()}
	case notebook.isNotebook():
		// The cell links gonbui, which owns the kernel's display
		// connection: text on out, which GoNB shows in the cell.
		d.st.where = whereNotebook
		v := newTerminalView(out, "")
		v.preface = sharedDisplayNote
		d.out, d.noBox = v, true
	default:
		d.st.where = whereTerminal
		if command != "" {
			d.st.where = whereCLI
		}
		d.out = newTerminalView(out, command)
	}
	return d
}

func (d *display) show(ev event) {
	d.st.now = d.now()
	d.out.show(safeState(&d.st), ev)
}

// place is where the user reads the messages.
func (d *display) place() where { return d.st.where }

// hostName names the server for people.
func (d *display) hostName() string { return d.st.hostName() }

// knowsServer reports whether the server has been named.
func (d *display) knowsServer() bool { return d.st.host != "" }

// The events.

// server names the server the sign-in is with, as soon as it is known.
func (d *display) server(host string) { d.st.host = host }

// renewRefused says why the saved sign-in cannot be used; it is shown with
// the sign-in link that follows.
func (d *display) renewRefused(reason string) { d.st.renew = reason }

// waitingLink shows the link to sign in with. autoWhy says why mode was
// chosen for the user, "" when it needs no words; pasteTo is the redirect
// URI the user may paste from (paste mode).
func (d *display) waitingLink(link string, deadline time.Time, mode Mode, autoWhy, pasteTo string) {
	d.st.phase, d.st.link, d.st.deadline = phaseWaiting, link, deadline
	d.st.mode, d.st.autoWhy, d.st.pasteTo = mode, autoWhy, pasteTo
	d.show(evWaiting)
}

// waitingCode shows the device flow's address, its QR code and the code.
func (d *display) waitingCode(link, userCode string, deadline time.Time, mode Mode, autoWhy string) {
	d.st.phase, d.st.link, d.st.userCode, d.st.deadline = phaseWaiting, link, userCode, deadline
	d.st.mode, d.st.autoWhy = mode, autoWhy
	d.st.qr, _ = newQR(link) // the address and the code are enough without it
	d.show(evWaiting)
}

// modeExplained adds a sentence to the note on an automatically chosen
// mode: why a provider's rule or a refusal changed the choice.
func (d *display) modeExplained(note string) { d.st.modeExtra = note }

// tick moves the countdown.
func (d *display) tick() { d.show(evTick) }

// refused reports the redirects refused while waiting, as the receiver
// keeps them: the first few and every possible mix-up (a list that only
// grows, and is bounded), and a count of the others.
func (d *display) refused(listed []string, more int) {
	d.st.refused, d.st.refusedMore = listed, more
	d.show(evRefused)
}

func (d *display) pasteRefused(reason string) {
	d.st.pasteErr = reason
	d.st.pasteErrs++
	d.show(evPasteRefused)
}

// pasteClosed reports that no input is available: only the redirect can
// finish now.
func (d *display) pasteClosed() {
	d.st.pasteClosed = true
	d.show(evPasteClosed)
}

func (d *display) exchanging() {
	d.st.phase, d.st.userCode, d.st.qr = phaseExchanging, "", nil
	d.show(evExchanging)
}

func (d *display) signedIn(who string, expiry time.Time, scopes []string, fromStore bool) {
	d.st.phase, d.st.link, d.st.userCode, d.st.qr = phaseSignedIn, "", "", nil
	d.st.who, d.st.expiry, d.st.scopes, d.st.fromStore = who, expiry, scopes, fromStore
	d.show(evSignedIn)
}

// failed shows err as the final state; the link is dropped so that a
// saved notebook does not keep a dead one.
func (d *display) failed(err error) {
	d.st.phase, d.st.err, d.st.link, d.st.userCode, d.st.qr = phaseFailed, err, "", "", nil
	d.show(evFailed)
}

// cancelled shows a sign-in stopped by the caller or SIGINT.
func (d *display) cancelled(cause string) {
	d.st.phase, d.st.cause, d.st.link, d.st.userCode, d.st.qr = phaseCancelled, cause, "", "", nil
	d.show(evCancelled)
}

// canAsk reports whether a pasted address can be asked for.
func (d *display) canAsk() bool { return !d.noBox }

// inputClosed says, from the start, that nothing can be pasted: only the
// redirect can finish the sign-in.
func (d *display) inputClosed() { d.st.pasteClosed = true }

func (d *display) askPaste(prompt string) { d.out.askPaste(prompt) }

func (d *display) done() { d.out.done() }

// The notebook view.

// notebookView keeps one output block and updates it in place, only when
// what it shows changes (the flow ticks every second).
type notebookView struct {
	id   string
	last string
}

func (v *notebookView) show(st *viewState, _ event) {
	h := renderHTML(st)
	if h == v.last {
		return
	}
	v.last = h
	notebook.display(v.id, h, renderPlain(st))
}

// askPaste opens Jupyter's input box; the reply arrives on stdin. It is a
// password box so that the pasted address, which holds a code, is not
// echoed into the saved notebook.
func (v *notebookView) askPaste(prompt string) { notebook.requestInput(prompt, true) }

func (v *notebookView) done() { notebook.sync() }

// HTML. Every value is escaped with html.EscapeString, which escapes
// both quotes, so the same escaping is safe in text and in quoted
// attributes; only http(s) addresses become links. Styles are inline
// (Jupyter strips <style> from untrusted output) and colours come from
// Jupyter's theme variables, with fallbacks for front ends without them.
// Text keeps the theme's own text colour, whose contrast the theme
// ensures in light and dark; accents colour only borders and icons.

const (
	cssBlock   = "font-family:var(--jp-ui-font-family,system-ui,sans-serif);color:var(--jp-ui-font-color1,inherit);line-height:1.45;max-width:46em;"
	cssBox     = "border:1px solid var(--jp-border-color1,rgba(127,127,127,.45));border-left:4px solid %s;border-radius:6px;padding:10px 14px;"
	cssSmall   = "color:var(--jp-ui-font-color1,inherit);font-size:.9em;margin-top:4px;"
	cssCode    = "font-family:var(--jp-code-font-family,ui-monospace,monospace);font-size:.95em;overflow-wrap:anywhere;"
	cssButton  = "display:inline-block;padding:5px 14px;border:2px solid var(--jp-brand-color1,#1a73e8);border-radius:6px;color:var(--jp-ui-font-color1,inherit);font-weight:600;text-decoration:none;"
	cssCopy    = "margin-left:8px;padding:4px 10px;border:1px solid var(--jp-border-color1,rgba(127,127,127,.6));border-radius:6px;background:transparent;color:var(--jp-ui-font-color1,inherit);font:inherit;cursor:pointer;"
	cssHead    = "display:flex;gap:8px;align-items:center;font-weight:600;"
	cssDetails = "margin-top:6px;font-size:.9em;"
)

// accent is a tone's colour: for icons and borders only.
func accent(t tone) string {
	switch t {
	case toneOK:
		return "var(--jp-success-color1,#2e7d32)"
	case toneWarn:
		return "var(--jp-warn-color1,#b26a00)"
	case toneError:
		return "var(--jp-error-color1,#d32f2f)"
	}
	return "var(--jp-brand-color1,#1a73e8)"
}

// icon is a tone's state icon: inline SVG, never an emoji, which renders
// as an empty box where no emoji font is installed. It is decorative: the
// words carry the state.
func icon(t tone) string {
	var shape string
	switch t {
	case toneOK: // a check
		shape = `<path d="M4 8.5l2.5 2.5L12 5.5" fill="none" stroke="currentColor" stroke-width="2"/>`
	case toneWarn: // an exclamation mark
		shape = `<path d="M8 4v5" stroke="currentColor" stroke-width="2"/><circle cx="8" cy="11.5" r="1.1" fill="currentColor"/>`
	case toneError: // a cross
		shape = `<path d="M5 5l6 6M11 5l-6 6" stroke="currentColor" stroke-width="2"/>`
	default: // a clock
		shape = `<path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.6"/>`
	}
	return `<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" style="flex:none;color:` + accent(t) + `"><circle cx="8" cy="8" r="7" fill="none" stroke="currentColor" stroke-width="1.4"/>` + shape + `</svg>`
}

// renderHTML is the notebook block of st.
func renderHTML(st *viewState) string {
	m := compose(st)
	var b strings.Builder
	b.WriteString(`<div class="gonbauth gonbauth-` + m.state + `" style="` + cssBlock)
	if m.compact {
		// A saved sign-in: one quiet line, no box.
		b.WriteString(`"><div style="display:flex;gap:8px;align-items:center">` + icon(m.tone) + `<span>`)
		writeSpans(&b, m.head)
		b.WriteString("</span></div></div>")
		return b.String()
	}
	b.WriteString(strings.Replace(cssBox, "%s", accent(m.tone), 1) + `">`)
	b.WriteString(`<div style="` + cssHead + `">` + icon(m.tone) + `<span>`)
	link := m.button != "" && safeLink(m.button)
	if link {
		writeButton(&b, m.head, m.button)
	} else {
		writeSpans(&b, m.head)
		if m.button != "" {
			b.WriteString(` at <code style="` + cssCode + `">` + html.EscapeString(m.button) + "</code>")
		}
	}
	b.WriteString("</span></div>")
	if link {
		// The address itself, collapsed but selectable, for when scripts
		// are off (an untrusted notebook) and Copy link does nothing.
		b.WriteString(`<details style="` + cssDetails + `"><summary style="cursor:pointer">Show the link</summary><code style="` + cssCode + `user-select:all">` + html.EscapeString(m.button) + `</code></details>`)
	}
	if m.qr != nil {
		b.WriteString(`<div style="margin-top:8px"><img src="data:image/svg+xml;base64,` + base64SVG(m.qr) + `" width="164" height="164" alt="QR code of the sign-in address"></div>`)
	}
	for _, p := range m.paras {
		style := "margin-top:6px;"
		if p.small {
			style = cssSmall
		}
		if p.tone != toneWait {
			style += "border-left:3px solid " + accent(p.tone) + ";padding-left:8px;"
		}
		b.WriteString(`<div style="` + style + `">`)
		writeSpans(&b, p.spans)
		b.WriteString("</div>")
	}
	if m.detail != nil {
		b.WriteString(`<details style="` + cssDetails + `"><summary style="cursor:pointer">` + html.EscapeString(m.detail.summary) + "</summary><div>")
		writeSpans(&b, m.detail.body)
		b.WriteString("</div></details>")
	}
	b.WriteString("</div></div>")
	return b.String()
}

// writeButton writes the sign-in link as a button and a Copy link
// control beside it. The control starts hidden and the script shows it:
// where scripts are stripped (an untrusted notebook) there is no dead
// button, and the address stays selectable under "Show the link". The
// script is constant and reads the address from the page, so no value is
// ever written into script text.
func writeButton(b *strings.Builder, label []span, link string) {
	b.WriteString(`<a href="` + html.EscapeString(link) + `" target="_blank" rel="noopener noreferrer" style="` + cssButton + `">`)
	writeSpans(b, label)
	b.WriteString(`</a><button type="button" class="gonbauth-copy" hidden style="` + cssCopy + `">Copy link</button><script>` + copyScript + `</script>`)
}

// copyScript wires every hidden Copy link control: it copies the link
// before it, or, where the clipboard is unavailable (a page served over
// plain http), opens the block's "Show the link" for the user to copy.
const copyScript = `document.querySelectorAll("button.gonbauth-copy[hidden]").forEach(function(b){b.hidden=false;b.onclick=function(){var c=navigator.clipboard,d=b.closest(".gonbauth").querySelector("details");if(!c){d.open=true;return}c.writeText(b.previousElementSibling.href).then(function(){b.textContent="Copied"},function(){d.open=true})}})`

func writeSpans(b *strings.Builder, spans []span) {
	for i, s := range spans {
		t := html.EscapeString(s.text)
		switch s.kind {
		case spanCode:
			b.WriteString(`<code style="` + cssCode + `">` + t + "</code>")
		case spanNoWrap:
			b.WriteString(`<span style="white-space:nowrap">` + t + "</span>")
		case spanStrong:
			b.WriteString(`<b style="font-family:var(--jp-code-font-family,ui-monospace,monospace);font-size:1.3em;letter-spacing:.08em">` + t + "</b>")
		case spanLink:
			if i > 0 {
				b.WriteString(" ")
			}
			if safeLink(s.text) {
				b.WriteString(`<a href="` + t + `" target="_blank" rel="noopener noreferrer" style="color:inherit;text-decoration:underline">` + t + "</a>")
			} else {
				b.WriteString(`<code style="` + cssCode + `">` + t + "</code>")
			}
			b.WriteString(" ")
		default:
			b.WriteString(t)
		}
	}
}

// renderPlain is the text/plain form: what VS Code, nbconvert and
// consoles show. Links stand alone on their lines.
func renderPlain(st *viewState) string {
	m := compose(st)
	var b strings.Builder
	writePlainSpans(&b, m.head)
	switch {
	case m.button != "":
		b.WriteString(" by opening this link in your browser:\n" + m.button)
	case m.compact:
	default:
		endSentence(&b)
	}
	for _, p := range m.paras {
		b.WriteString("\n")
		writePlainSpans(&b, p.spans)
	}
	if m.detail != nil {
		b.WriteString("\n")
		writePlainSpans(&b, m.detail.body)
	}
	return b.String()
}

// endSentence ends a headline with a full stop unless it has one.
func endSentence(b *strings.Builder) {
	if s := b.String(); s != "" && !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "…") {
		b.WriteString(".")
	}
}

func writePlainSpans(b *strings.Builder, spans []span) {
	for _, s := range spans {
		if s.kind == spanLink {
			b.WriteString(":\n" + s.text + "\n")
			continue
		}
		b.WriteString(s.text)
	}
}

// The terminal view.

// terminalView prints each change once, as lines. On a terminal the
// countdown is one line rewritten in place and the device flow shows its
// QR code; elsewhere (a pipe, a file) it prints plain lines only.
type terminalView struct {
	out     io.Writer
	tty     bool
	command string // the gonbauth command, "" for a program that imports the library
	preface string // printed before the first line, if any line is printed

	mu       sync.Mutex
	counting bool // the countdown line is open (tty only)
	lastTick string
	nRefused int // refused redirects printed
}

// refusedMore says, once the wait is over, how many more redirects were
// refused than were listed: a flood of them must not flood the terminal.
func (v *terminalView) refusedMore(st *viewState) {
	if st.refusedMore > 0 {
		v.println("gonbauth: " + lowerFirst(refusedMoreText(st.refusedMore)))
	}
}

func newTerminalView(out io.Writer, command string) *terminalView {
	return &terminalView{out: out, tty: isTerminal(out), command: command}
}

func (v *terminalView) println(s string) {
	if v.preface != "" {
		io.WriteString(v.out, v.preface+"\n")
		v.preface = ""
	}
	if v.counting {
		io.WriteString(v.out, "\r\x1b[K")
		v.counting = false
	}
	io.WriteString(v.out, s+"\n")
}

func (v *terminalView) show(st *viewState, ev event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch ev {
	case evWaiting:
		v.waiting(st)
	case evTick:
	case evRefused:
		for ; v.nRefused < len(st.refused); v.nRefused++ {
			v.println("gonbauth: " + lowerFirst(refusedText(st.refused[v.nRefused])))
		}
	case evPasteRefused:
		v.println("gonbauth: " + lowerFirst(pasteRefusedText(st.pasteErr, st.pasteErrs)))
	case evPasteClosed:
		v.println("gonbauth: " + lowerFirst(plainOf(pasteHelp(st))))
	case evExchanging:
		v.println("gonbauth: " + lowerFirst(plainOf(compose(st).head)))
	case evSignedIn:
		v.refusedMore(st)
		v.signedIn(st)
	case evFailed, evCancelled:
		// They reach the caller as errors, which it prints.
		if v.counting {
			v.println("")
		}
		v.refusedMore(st)
		return
	}
	if st.phase == phaseWaiting && v.tty {
		v.countdown(st)
	}
}

// waiting prints the link (or the device address) alone on its line, so
// that it can be copied or picked out by a script.
func (v *terminalView) waiting(st *viewState) {
	m := compose(st)
	for _, p := range m.paras {
		if p.tone == toneWarn && strings.HasPrefix(plainOf(p.spans), "The saved sign-in") {
			v.println("gonbauth: " + lowerFirst(plainOf(p.spans)))
		}
	}
	if note := modeNote(st); note != "" {
		v.println("gonbauth: " + lowerFirst(note) + " " + modeHelpText(st.where))
	}
	if st.userCode != "" {
		v.println("gonbauth: " + lowerFirst(deviceHead(st)[0].text) + ":\n\n" + st.link + "\n")
		if st.qr != nil && v.tty {
			v.println(strings.Join(st.qr.text(true), "\n") + "\n")
		}
		v.println("gonbauth: and confirm the code " + st.userCode + ".")
	} else {
		v.println("gonbauth: " + lowerFirst(plainOf(m.head)) + " by opening this link in your browser:\n\n" + st.link + "\n")
		if st.pasteTo != "" {
			v.println("gonbauth: " + lowerFirst(plainOf(pasteHelp(st))))
		}
	}
	if !v.tty {
		v.println("gonbauth: " + lowerFirst(countdownText(st)))
	}
}

// countdown rewrites the countdown line in place.
func (v *terminalView) countdown(st *viewState) {
	line := "gonbauth: waiting for you to sign in: " + clock(st.deadline.Sub(st.now)) + " left"
	if v.counting && line == v.lastTick {
		return
	}
	io.WriteString(v.out, "\r\x1b[K"+line)
	v.counting, v.lastTick = true, line
}

// signedIn says who signed in, unless nothing needs attention: a saved
// sign-in reused by a program or by `gonbauth token` is silent.
func (v *terminalView) signedIn(st *viewState) {
	if st.fromStore && v.command != "login" {
		return
	}
	if v.command == "token" {
		v.println("gonbauth: " + lowerFirst(plainOf(compose(st).head)))
		return
	}
	v.println("gonbauth: " + lowerFirst(strings.ReplaceAll(renderPlain(st), "\n", " ")))
}

func (v *terminalView) askPaste(prompt string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.println("gonbauth: " + lowerFirst(prompt))
}

func (v *terminalView) done() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.counting {
		v.println("")
	}
}

func plainOf(spans []span) string {
	var b strings.Builder
	for _, s := range spans {
		if s.kind == spanLink {
			b.WriteString(s.text + " ")
			continue
		}
		b.WriteString(s.text)
	}
	return b.String()
}
