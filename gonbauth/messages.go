package gonbauth

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// This file is the message table: every word the user reads about a
// sign-in is chosen here, once, and display.go only lays it out (HTML and
// text/plain in a notebook, lines on a terminal). The words depend on
// where the user is: a notebook, the gonbauth command, or a program that
// imports the library in a terminal.

// where is where the user reads the messages.
type where int

const (
	whereTerminal where = iota // a program that imports the library, outside a notebook
	whereCLI                   // the gonbauth command
	whereNotebook              // a GoNB notebook
)

// again says how to try again.
func (w where) again() string {
	switch w {
	case whereNotebook:
		return "run the cell again"
	case whereCLI:
		return "run the command again"
	}
	return "run it again"
}

// backTo is where the callback page sends the user back to.
func (w where) backTo() string {
	if w == whereNotebook {
		return "your notebook"
	}
	return "the terminal"
}

// finishing is the callback page's word on what happens next.
func (w where) finishing() string {
	if w == whereNotebook {
		return "your notebook is finishing the sign-in."
	}
	return "the program in your terminal is finishing the sign-in."
}

// setting names a setting the way the user can change it where they are:
// the flag in the command; the Config field and its variable elsewhere.
// Settings without a flag are reached through their variable in the
// command.
func (w where) setting(field string) string {
	flag, env := settingFlag(field)
	if w == whereCLI {
		switch {
		case flag != "":
			return flag
		case env != "":
			return env
		}
	}
	if env == "" {
		return "Config." + field
	}
	return "Config." + field + " (" + env + ")"
}

// settingFlag gives a Config field's flag (in the command) and variable,
// "" when there is none.
func settingFlag(field string) (flag, env string) {
	switch field {
	case "Issuer":
		return "--issuer", EnvIssuer
	case "ClientID":
		return "--client-id", EnvClientID
	case "Scopes":
		return "--scopes", EnvScopes
	case "Account":
		return "--account", EnvAccount
	case "Mode":
		return "--mode", EnvMode
	case "RedirectURL":
		return "--redirect-url", EnvRedirectURL
	case "Ports":
		return "--port", EnvPort
	case "Timeout":
		return "--timeout", EnvTimeout
	case "NoBrowser":
		return "--no-browser", EnvNoBrowser
	case "Provider":
		return "--provider", EnvProvider
	case "Tenant":
		return "--tenant", EnvTenant
	case "ClientFile":
		return "--client-file", EnvClientFile
	case "ClientAuth":
		return "--client-auth", EnvClientAuth
	case "RedirectHost":
		return "--redirect-host", EnvRedirectHost
	case "DeviceAuthURL":
		return "--device-url", EnvDeviceURL
	case "RevocationURL":
		return "--revocation-url", EnvRevocationURL
	case "ClientSecret":
		return "", EnvClientSecret
	case "AuthURL":
		return "", EnvAuthURL
	case "TokenURL":
		return "", EnvTokenURL
	case "AuthParams":
		return "", EnvAuthParams
	case "ConfigDir":
		return "", EnvConfigDir
	}
	return "", ""
}

// phase is where a sign-in stands, as shown to the user.
type phase int

const (
	phaseWaiting phase = iota
	phaseExchanging
	phaseSignedIn
	phaseFailed
	phaseCancelled
)

// viewState is what the user is shown of a sign-in, built up from the
// flow's events (display.go). It holds no secrets: the sign-in URL carries
// only public values (client_id, state, challenge), and a device flow's
// user code is meant to be read. Every string in it is printable.
type viewState struct {
	where where
	now   time.Time

	phase    phase
	host     string // the server, for people; "" when not known yet
	link     string // the address to open, while waiting
	userCode string // device mode
	qr       *qrCode
	deadline time.Time

	mode      Mode
	autoWhy   string // why the mode was chosen automatically; "" when nothing needs saying
	modeExtra string // more on that choice (a provider's rule, a refused device grant)

	pasteTo     string // paste mode: the redirect URI
	pasteErr    string
	pasteErrs   int  // how many pastes were refused, to notice a new one
	pasteClosed bool // no input is available: only the redirect can finish

	refused     []string // refused redirects listed, oldest first
	refusedMore int      // refused redirects counted but not listed
	renew       string   // why the saved sign-in could not be renewed

	who       string
	expiry    time.Time
	scopes    []string
	fromStore bool

	err   error  // phaseFailed
	cause string // phaseCancelled
}

// tone is the kind of a message, shown by an icon and an accent colour.
type tone int

const (
	toneWait tone = iota
	toneOK
	toneWarn
	toneError
)

// spanKind says how a run of text is set.
type spanKind int

const (
	spanText   spanKind = iota
	spanCode            // an address or a value the user may copy
	spanStrong          // the device code
	spanLink            // an http(s) address, a link in HTML
	spanNoWrap          // words kept on one line in HTML
)

type span struct {
	kind spanKind
	text string
}

func text(s string) span { return span{spanText, s} }
func code(s string) span { return span{spanCode, s} }

// para is one sentence or paragraph of a message.
type para struct {
	tone  tone // toneWait is plain; toneWarn and toneError add an accent
	small bool // secondary: countdowns, expiry, mode notes
	spans []span
}

// message is one state worded for people: what every view lays out.
type message struct {
	state   string // a name for the state, for styling and tests
	tone    tone
	head    []span
	button  string // the sign-in link, shown as a button (HTML) or alone on a line (text)
	qr      *qrCode
	paras   []para
	detail  *detail // collapsed in HTML, one short line elsewhere
	compact bool    // one line: a saved sign-in
}

type detail struct {
	summary string
	body    []span
}

// compose words st.
func compose(st *viewState) message {
	switch st.phase {
	case phaseWaiting:
		return composeWaiting(st)
	case phaseExchanging:
		return message{state: "exchanging", tone: toneWait, head: []span{text("Sign-in received from " + st.hostName() + "; getting the token…")}}
	case phaseSignedIn:
		return composeSignedIn(st)
	case phaseFailed:
		m := message{state: "failed", tone: toneError, head: []span{text(failedHead(st))}}
		what, next := failureText(st.err, st.where)
		m.paras = append(m.paras, para{spans: []span{text(what)}})
		if next != "" {
			m.paras = append(m.paras, para{spans: []span{text(next)}})
		}
		m.paras = append(m.paras, refusedParas(st)...)
		return m
	default:
		m := message{state: "cancelled", tone: toneWarn, head: []span{text(cancelledHead(st))}}
		m.paras = []para{{spans: []span{text(cancelledText(st))}}}
		return m
	}
}

func (st *viewState) hostName() string {
	if st.host == "" {
		return "the authorization server"
	}
	return st.host
}

// displayHost names the server for people: the issuer's host, else the
// authorization endpoint's.
func displayHost(issuer, authURL string) string {
	for _, raw := range []string{issuer, authURL} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			return u.Host
		}
	}
	return "the authorization server"
}

func composeWaiting(st *viewState) message {
	m := message{state: "waiting", tone: toneWait}
	if st.renew != "" {
		m.paras = append(m.paras, para{tone: toneWarn, spans: []span{text(renewText(st.renew))}})
	}
	if st.userCode != "" {
		m.head = deviceHead(st)
		m.qr = st.qr
	} else {
		m.head = []span{text("Sign in to " + st.hostName())}
		m.button = st.link
		if st.pasteTo != "" {
			m.paras = append(m.paras, para{spans: pasteHelp(st)})
		}
	}
	if st.pasteErr != "" {
		m.paras = append(m.paras, para{tone: toneWarn, spans: []span{text(pasteRefusedText(st.pasteErr, st.pasteErrs))}})
	}
	m.paras = append(m.paras, para{small: true, spans: []span{text(countdownText(st))}})
	if note := modeNote(st); note != "" {
		m.paras = append(m.paras, para{small: true, spans: []span{text(note)}})
		m.detail = &detail{summary: "How to choose another way to sign in", body: []span{text(modeHelpText(st.where))}}
	}
	m.paras = append(m.paras, refusedParas(st)...)
	return m
}

// deviceHead asks the user to open the verification address and confirm
// the code; the address is a span of its own, so that text views can put
// it alone on a line.
func deviceHead(st *viewState) []span {
	return []span{
		text("To sign in to " + st.hostName() + ", open this address on any device"),
		{spanLink, st.link},
		text("and confirm the code "),
		{spanStrong, st.userCode},
	}
}

func pasteHelp(st *viewState) []span {
	if st.pasteClosed {
		return []span{text("If the browser then cannot reach "), code(st.pasteTo), text(", this sign-in cannot finish here: no input is available to paste its address into.")}
	}
	into := "in the box below"
	if st.where != whereNotebook {
		into = "here, then press Enter"
	}
	return []span{text("If the browser then shows “this site can't be reached” at "), code(st.pasteTo),
		text(", copy that page's whole address from the address bar and paste it " + into + ".")}
}

// pastePrompt asks for the address the browser ended on.
func pastePrompt(redirectURI string) string {
	return "Paste the whole address the browser ended on (it starts with " + redirectURI + "), then press Enter:"
}

// pasteRefusedText says why the n-th pasted address was refused. A
// repeated refusal says so, so that the same reason twice still changes
// what the user sees.
func pasteRefusedText(reason string, n int) string {
	again := ""
	if n > 1 {
		again = " again (try " + strconv.Itoa(n) + ")"
	}
	return "The pasted address was refused" + again + ": " + reason + ". Paste it again."
}

func refusedText(reason string) string {
	return "A redirect was refused: " + reason + "."
}

func renewText(reason string) string {
	return "The saved sign-in could not be renewed (" + reason + "), so you need to sign in again."
}

// refusedMoreText counts the refused redirects that are not listed.
func refusedMoreText(n int) string {
	return plural(n, "1 more redirect was refused.", strconv.Itoa(n)+" more redirects were refused.")
}

func refusedParas(st *viewState) []para {
	var ps []para
	for _, r := range st.refused {
		ps = append(ps, para{tone: toneWarn, small: true, spans: []span{text(refusedText(r))}})
	}
	if st.refusedMore > 0 {
		ps = append(ps, para{tone: toneWarn, small: true, spans: []span{text(refusedMoreText(st.refusedMore))}})
	}
	return ps
}

// countdownText says how long is left, roughly: a notebook is updated
// only when these words change.
func countdownText(st *viewState) string {
	return "Waiting for you to sign in (" + approx(st.deadline.Sub(st.now)) + " left)."
}

// clock is the countdown of a terminal that rewrites its line every second.
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int((d + time.Second - 1) / time.Second)
	return strconv.Itoa(s/60) + ":" + pad2(s%60)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// approx is a duration for people: "5 min", "40 s".
func approx(d time.Duration) string {
	switch {
	case d <= 0:
		return "no time"
	case d >= 36*time.Hour:
		return strconv.Itoa(int((d+12*time.Hour)/(24*time.Hour))) + " days"
	case d >= 90*time.Minute:
		return strconv.Itoa(int((d+30*time.Minute)/time.Hour)) + " h"
	case d >= 90*time.Second:
		return strconv.Itoa(int((d+30*time.Second)/time.Minute)) + " min"
	case d >= time.Minute:
		return "1 min"
	}
	s := int((d + 4*time.Second) / (5 * time.Second) * 5)
	return strconv.Itoa(max(s, 1)) + " s"
}

// modeNote explains a mode chosen automatically for a remote machine. A
// mode the user chose, and loopback on the user's own machine, need no
// words.
func modeNote(st *viewState) string {
	if st.autoWhy == "" {
		return ""
	}
	subject := "this program"
	if st.where == whereNotebook {
		subject = "the kernel"
	}
	why := "This looks like a remote machine (" + subject + " " + st.autoWhy + ")"
	switch st.mode {
	case ModeDevice:
		return why + ", so you will confirm a code on another device."
	case ModePaste:
		next := "you may need to paste the address it ends on."
		if st.pasteClosed {
			next = "the sign-in finishes only if it does."
		}
		return strings.TrimSpace(why + ", so the browser may not come back here by itself: " + next + " " + st.modeExtra)
	}
	return ""
}

// modeHelpText says how to choose the mode.
func modeHelpText(w where) string {
	if w == whereCLI {
		return "Run with --mode loopback (the browser comes back to this machine), paste, device or hosted."
	}
	return "Set " + w.setting("Mode") + " to loopback (the browser comes back to this machine), paste, device or hosted."
}

func composeSignedIn(st *viewState) message {
	head := "Signed in to " + st.hostName()
	if st.who != "" {
		head += " as " + st.who
	}
	m := message{state: "signed-in", tone: toneOK}
	if st.fromStore {
		m.compact = true
		m.head = []span{text(head + " "), {spanNoWrap, "(saved sign-in)"}}
		if !st.expiry.IsZero() {
			m.head = append(m.head, text(" · token "+expiryText(st.expiry, st.now)))
		}
		return m
	}
	m.head = []span{text(head + ".")}
	var detail string
	if st.expiry.IsZero() {
		detail = "The token has no stated expiry"
	} else {
		detail = "The token " + expiryText(st.expiry, st.now)
	}
	if len(st.scopes) > 0 {
		detail += "; scopes: " + strings.Join(st.scopes, " ")
	}
	m.paras = []para{{small: true, spans: []span{text(detail + ".")}}}
	return m
}

// expiryText is relative, with the local wall-clock time for reference:
// "expires in 59 min (at 16:04 CET)".
func expiryText(exp, now time.Time) string {
	d := exp.Sub(now)
	at := exp.In(time.Local).Format("15:04 MST")
	if d := exp.Sub(now); d > 20*time.Hour || d < -20*time.Hour {
		at = exp.In(time.Local).Format("Jan 2 15:04 MST") // another day
	}
	if d <= 0 {
		return "expired " + approx(-d) + " ago (at " + at + ")"
	}
	return "expires in " + approx(d) + " (at " + at + ")"
}

func failedHead(st *viewState) string {
	if st.host == "" {
		return "Sign-in failed"
	}
	return "Sign-in to " + st.host + " failed"
}

// failureText is the error as the block shows it, in sentences: what
// happened, and what to do next when it is said apart. The package prefix
// is noise there.
func failureText(err error, w where) (what, next string) {
	if err == nil {
		return "", ""
	}
	err = withNextStep(err, w)
	what = strings.TrimPrefix(err.Error(), "gonbauth: ")
	if ns, ok := err.(*nextStepError); ok {
		what = strings.TrimPrefix(ns.err.Error(), "gonbauth: ")
		if ns.what != "" {
			// The plain words first, the server's or the system's after.
			var ae *AuthError
			if errors.As(ns.err, &ae) {
				what = describe(ae.Code, ae.Description, ae.URI)
			}
			what = ns.what + " (" + what + ")"
		}
		next = printableN(upperFirst(ns.next), maxMessage) + "."
	}
	// Errors repeat outside text (a server's description, a key set's
	// body): printable and bounded like every other.
	return printableN(upperFirst(what), maxMessage) + ".", next
}

func cancelledHead(st *viewState) string { return "Sign-in to " + st.hostName() + " cancelled" }

func cancelledText(st *viewState) string {
	why := "(" + st.cause + ")"
	if st.cause == "interrupt signal received" {
		// SIGINT: how a notebook interrupts a cell, and Ctrl-C in a terminal.
		why = "by an interrupt"
		if st.where == whereNotebook {
			why = "when the cell was interrupted"
		}
	}
	return "Stopped " + why + " before the sign-in completed. " + upperFirst(st.where.again()) + " to sign in."
}

// Words outside the sign-in block.

// interactionNeeded is the error of a NoInteractive sign-in that needs the
// browser.
func interactionNeeded(w where, why string) error {
	var next string
	switch w {
	case whereCLI:
		next = "run `gonbauth login` with the same flags, or drop --no-interactive"
	case whereNotebook:
		next = "run a cell that calls Login without NoInteractive, with the same settings"
	default:
		next = "run `gonbauth login` (with the same issuer, client, scopes and account), or call Login without NoInteractive"
	}
	return fmt.Errorf("%w: %s: %s", ErrInteractionRequired, why, next)
}

// signedOutOf names a sign-in that was forgotten: "signed out of HOST as
// WHO (account NAME)".
func signedOutOf(e *entry) string {
	s := "signed out of " + displayHost(e.Issuer, e.TokenURL)
	who := printable((&Session{Name: e.Name, Email: e.Email, Subject: claimString(e.Claims, "sub")}).Who())
	if who != "" {
		s += " as " + who
	}
	if e.Account != "" {
		s += " (account " + strconv.Quote(printable(e.Account)) + ")"
	}
	return s
}

// signedOutText is the command's line after a sign-out.
func signedOutText(e *entry, revoked bool, now time.Time) string {
	s := signedOutOf(e)
	switch {
	case revoked:
		return s + "; the server revoked the token."
	case e.Token.Expiry.IsZero():
		return s + "; the server offers no revocation, so the token stays valid until it expires."
	}
	return s + "; the server offers no revocation, so the token stays valid until it " + expiryText(e.Token.Expiry, now) + "."
}

// timeoutError is the error of a sign-in that did not arrive in time.
func timeoutError(w where, what string, d time.Duration) error {
	return &nextStepError{err: ErrTimeout, what: what + " within " + approx(d),
		next: w.again() + ", and raise " + w.setting("Timeout") + " if you need longer"}
}

// missingSettings is the error of settings without an issuer or a client,
// naming every missing one at once.
func missingSettings(w where, issuer, client bool) error {
	var parts []string
	if issuer {
		p := w.setting("Issuer") + " to your authorization server's issuer URL (such as https://login.example.com)"
		if w != whereCLI {
			p += ", or both " + w.setting("AuthURL") + " and " + w.setting("TokenURL")
		}
		parts = append(parts, p)
	}
	if client {
		with := "it"
		if !issuer {
			with = "your authorization server"
		}
		parts = append(parts, w.setting("ClientID")+" to the client ID registered with "+with)
	}
	what := "the issuer and the client ID are not set"
	switch {
	case !client:
		what = "the issuer is not set"
	case !issuer:
		what = "the client ID is not set"
	}
	return errors.New("gonbauth: " + what + ": set " + strings.Join(parts, ", and "))
}

// nextStepError is an error with what to do next. It unwraps to the
// error, so that errors.Is and errors.As see the cause.
type nextStepError struct {
	err  error
	what string // what happened, in plain words, when the error's own words are not enough
	next string
}

func (e *nextStepError) Error() string {
	s := e.err.Error()
	if e.what != "" {
		s += ": " + e.what
	}
	return s + ": " + e.next
}

func (e *nextStepError) Unwrap() error { return e.err }

// withNextStep adds what to do next to the errors that do not say it
// themselves: a refused sign-in, an issuer that does not match, a server
// that cannot be reached. Others are returned as they are.
func withNextStep(err error, w where) error {
	var (
		ns  *nextStepError
		ae  *AuthError
		te  *TokenError
		im  *issuerMismatchError
		nm  *noMetadataError
		pu  *portsInUseError
		le  *loopbackError
		gt  *guardTakenError
		ie  *incompleteMetadataError
		ue  *url.Error
		ope *net.OpError
	)
	switch {
	case err == nil, errors.As(err, &ns):
		return err
	case errors.As(err, &ae) && ae.Code == "access_denied":
		return &nextStepError{err: err, what: "you declined the sign-in, or the server refused it",
			next: w.again() + " and choose Allow; if you are not offered Allow, ask the server's administrator to give this client access"}
	case errors.As(err, &ae) && ae.Code == "invalid_scope", errors.As(err, &te) && te.Code == "invalid_scope":
		return &nextStepError{err: err,
			next: "set " + w.setting("Scopes") + " to scopes this server supports (its metadata lists them in scopes_supported)"}
	case errors.As(err, &ae) && (ae.Code == "unauthorized_client" || ae.Code == "invalid_request" || ae.Code == "invalid_client"):
		return &nextStepError{err: err,
			next: "check " + w.setting("ClientID") + " and that the server allows this client to sign in from a native app with PKCE, then " + w.again()}
	case errors.As(err, &im):
		next := "set " + w.setting("Issuer") + " to exactly " + strconv.Quote(im.got)
		if strings.TrimSuffix(im.got, "/") == strings.TrimSuffix(im.want, "/") {
			if strings.HasSuffix(im.want, "/") {
				next += ", without the trailing slash"
			} else {
				next += ", with the trailing slash"
			}
		}
		return &nextStepError{err: err, next: next}
	case errors.As(err, &pu):
		return &nextStepError{err: err, next: "stop what uses " + plural(len(pu.ports), "it", "them") + ", or set " + w.setting("Ports") +
			" to other ports, or to 0 for any free port if your server accepts any loopback port"}
	case errors.As(err, &gt):
		return &nextStepError{err: err, next: "stop that program, or set " + w.setting("Ports") + " to another port"}
	case errors.As(err, &le):
		// Before the net errors below: this one is about this machine.
		return &nextStepError{err: err, what: "this machine does not let the program listen on its loopback interface",
			next: "sign in without the loopback redirect: set " + w.setting("Mode") + " to device or paste"}
	case errors.As(err, &ie):
		return &nextStepError{err: err, next: "set " + w.setting("AuthURL") + " and " + w.setting("TokenURL")}
	case errors.As(err, &nm):
		return &nextStepError{err: err, next: "check that " + w.setting("Issuer") + " is the issuer's address, or set " + w.setting("AuthURL") + " and " + w.setting("TokenURL") + " for a server without metadata"}
	case errors.As(err, &ue) && ue.Timeout(), errors.As(err, &ope):
		return &nextStepError{err: err, what: "the server cannot be reached",
			next: "check " + w.setting("Issuer") + " (the address), the network or VPN, and the proxy variables HTTPS_PROXY and NO_PROXY"}
	}
	return err
}

// upperFirst capitalises a sentence's first letter.
func upperFirst(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// lowerFirst lowers a sentence's first letter for a "gonbauth: " line,
// leaving names such as "GONBAUTH_MODE" alone.
func lowerFirst(s string) string {
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && (s[1] < 'A' || s[1] > 'Z') {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sharedDisplayNote says why a notebook shows the sign-in as text: the cell
// links GoNB's own packages without gonbuidisplay (see internal/notebook).
const sharedDisplayNote = "gonbauth: this cell also uses gonbui, which keeps the notebook's display to itself, " +
	"so the sign-in is shown here as text. To show it as a block, add " +
	`_ "github.com/gonbauth/gonbauth/gonbauth/gonbuidisplay" to the cell's imports.`
