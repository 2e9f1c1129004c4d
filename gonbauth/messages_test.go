package gonbauth

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
)

// rendered is one state in one view.
type rendered struct {
	view, text string
}

// renderAll renders st in every view it can be shown in: the notebook's
// HTML and text/plain, and the terminal lines of the command and of a
// program, on a terminal and in a pipe.
func renderAll(t *testing.T, s sample) []rendered {
	t.Helper()
	var out []rendered
	nb := wordedFor(s, whereNotebook)
	out = append(out, rendered{"notebook html", renderHTML(&nb)}, rendered{"notebook text/plain", renderPlain(&nb)})
	for _, w := range []where{whereCLI, whereTerminal} {
		st := wordedFor(s, w)
		for _, tty := range []bool{false, true} {
			var b bytes.Buffer
			command := ""
			if w == whereCLI {
				command = "login"
			}
			v := &terminalView{out: &b, tty: tty, command: command}
			v.show(&st, eventOf(&st))
			v.done()
			name := map[where]string{whereCLI: "cli", whereTerminal: "terminal"}[w]
			if tty {
				name += " tty"
			}
			// The terminal prints failures through the caller, as errors.
			if st.err != nil {
				b.WriteString(withNextStep(st.err, w).Error() + "\n")
			}
			if st.phase == phaseCancelled {
				b.WriteString(fmt.Errorf("%w: %s", ErrCancelled, st.cause).Error() + "\n")
			}
			out = append(out, rendered{name, b.String()})
			out = append(out, rendered{name + " text/plain", renderPlain(&st)})
		}
	}
	return out
}

// eventOf is the event that leads to a sample's state.
func eventOf(st *viewState) event {
	switch st.phase {
	case phaseExchanging:
		return evExchanging
	case phaseSignedIn:
		return evSignedIn
	case phaseFailed:
		return evFailed
	case phaseCancelled:
		return evCancelled
	}
	return evWaiting
}

var (
	utcClock   = regexp.MustCompile(`\d\d:\d\d(:\d\d)? UTC`)
	relative   = regexp.MustCompile(`in \d+ (min|s)\b|\d+:\d\d left|\d+ (min|s) left`)
	flagWord   = regexp.MustCompile(`(^|[\s>(])--[a-z]`)
	cliSetting = flaggedSettings()
)

// flaggedSettings matches a setting named in a program's words (its Config
// field or variable) although the command has a flag for it: every
// Config field that settingFlag gives a flag.
func flaggedSettings() *regexp.Regexp {
	var alts []string
	for f := range reflect.TypeFor[Config]().Fields() {
		if flag, env := settingFlag(f.Name); flag != "" {
			alts = append(alts, `Config\.`+f.Name+`\b`, env+`\b`)
		}
	}
	return regexp.MustCompile(strings.Join(alts, "|"))
}

// TestMessageTable renders every state in every view and checks the rules
// of speaking to users: no emoji, no clock time without a relative one,
// flags (not Config fields or variables) in the command, "notebook" only
// in a notebook, and every state says something.
func TestMessageTable(t *testing.T) {
	for _, named := range []string{"Config.Provider", "GONBAUTH_CLIENT_FILE", "Config.Ports"} {
		if !cliSetting.MatchString(named) {
			t.Fatalf("the check of the command's words misses %s", named)
		}
	}
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	for _, s := range sampleStates(now) {
		for _, r := range renderAll(t, s) {
			name := s.name + " / " + r.view
			if strings.TrimSpace(r.text) == "" && !(s.name == "signed-in-saved" && !strings.HasPrefix(r.view, "notebook") && !strings.HasSuffix(r.view, "text/plain") && strings.HasPrefix(r.view, "terminal")) {
				t.Errorf("%s: says nothing", name)
			}
			for _, c := range r.text {
				if unicode.Is(unicode.So, c) && !strings.ContainsRune("▀▄█", c) || c >= 0x1F000 || c == 0xFE0F {
					t.Errorf("%s: emoji or symbol %U %q in:\n%s", name, c, c, r.text)
					break
				}
			}
			if utcClock.MatchString(r.text) && !relative.MatchString(r.text) {
				t.Errorf("%s: a UTC clock time without a relative time:\n%s", name, r.text)
			}
			if strings.HasPrefix(r.view, "cli") && cliSetting.MatchString(r.text) {
				t.Errorf("%s: the command speaks of %q, which has a flag:\n%s", name, cliSetting.FindString(r.text), r.text)
			}
			if !strings.HasPrefix(r.view, "notebook") && strings.Contains(strings.ToLower(r.text), "notebook") {
				t.Errorf("%s: speaks of a notebook outside one:\n%s", name, r.text)
			}
			if strings.HasPrefix(r.view, "notebook") && flagWord.MatchString(strings.ReplaceAll(r.text, "var(--", "")) {
				t.Errorf("%s: a notebook names a flag:\n%s", name, r.text)
			}
			if strings.HasPrefix(r.view, "terminal") && flagWord.MatchString(r.text) {
				t.Errorf("%s: a program names the command's flags:\n%s", name, r.text)
			}
		}
	}
}

// TestMessageTableNextSteps: every failure says what to do next, in the
// user's words.
func TestMessageTableNextSteps(t *testing.T) {
	unreachable := fmt.Errorf("gonbauth: fetching the issuer's metadata: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")})
	tests := []struct {
		name string
		err  error
		want map[where]string
	}{
		{"denied", &AuthError{Code: "access_denied", Description: "End-User aborted interaction"}, map[where]string{
			whereNotebook: "run the cell again and choose Allow", whereCLI: "run the command again and choose Allow", whereTerminal: "ask the server's administrator"}},
		{"invalid scope", &AuthError{Code: "invalid_scope"}, map[where]string{
			whereNotebook: "set Config.Scopes (GONBAUTH_SCOPES) to scopes this server supports", whereCLI: "set --scopes to"}},
		{"invalid scope at the token endpoint", &TokenError{Op: "exchange", Code: "invalid_scope"}, map[where]string{whereCLI: "set --scopes"}},
		{"issuer with a trailing slash", &issuerMismatchError{loc: "https://i.example/.well-known/openid-configuration", got: "https://i.example", want: "https://i.example/"}, map[where]string{
			whereNotebook: `set Config.Issuer (GONBAUTH_ISSUER) to exactly "https://i.example", without the trailing slash`,
			whereCLI:      `set --issuer to exactly "https://i.example", without the trailing slash`}},
		{"issuer without a trailing slash", &issuerMismatchError{got: "https://i.example/", want: "https://i.example"}, map[where]string{whereCLI: "with the trailing slash"}},
		{"unreachable", unreachable, map[where]string{
			whereNotebook: "check Config.Issuer (GONBAUTH_ISSUER) (the address), the network or VPN, and the proxy variables HTTPS_PROXY and NO_PROXY",
			whereCLI:      "the server cannot be reached: check --issuer (the address)"}},
		{"no metadata", &noMetadataError{issuer: "https://i.example", err: errNoMetadata}, map[where]string{
			whereCLI: "check that --issuer is the issuer's address, or set GONBAUTH_AUTH_URL and GONBAUTH_TOKEN_URL"}},
		{"ports in use", &portsInUseError{ports: []string{"8085"}}, map[where]string{
			whereNotebook: "port 8085 on 127.0.0.1 is in use: stop what uses it, or set Config.Ports (GONBAUTH_PORT) to other ports",
			whereCLI:      "stop what uses it, or set --port to other ports"}},
		{"localhost's other address taken", &guardTakenError{addr: "[::1]:8085"}, map[where]string{
			whereNotebook: "stop that program, or set Config.Ports (GONBAUTH_PORT) to another port",
			whereCLI:      "another program listens on [::1]:8085, where a browser may send the redirect to localhost: stop that program, or set --port to another port"}},
		{"metadata without endpoints", &incompleteMetadataError{loc: "https://i.example/.well-known/openid-configuration"}, map[where]string{
			whereNotebook: "set Config.AuthURL (GONBAUTH_AUTH_URL) and Config.TokenURL (GONBAUTH_TOKEN_URL)",
			whereCLI:      "lacks authorization_endpoint or token_endpoint: set GONBAUTH_AUTH_URL and GONBAUTH_TOKEN_URL"}},
		{"no loopback", &loopbackError{&net.OpError{Op: "listen", Net: "tcp4", Err: errors.New("bind: cannot assign requested address")}}, map[where]string{
			whereNotebook: "sign in without the loopback redirect: set Config.Mode (GONBAUTH_MODE) to device or paste",
			whereCLI:      "set --mode to device or paste"}},
		{"timeout", nil, map[where]string{
			whereNotebook: "run the cell again, and raise Config.Timeout (GONBAUTH_TIMEOUT) if you need longer", whereCLI: "raise --timeout"}},
		{"missing settings", nil, map[where]string{
			whereNotebook: "the issuer and the client ID are not set: set Config.Issuer (GONBAUTH_ISSUER) to",
			whereCLI:      "set --issuer to your authorization server's issuer URL (such as https://login.example.com), and --client-id to"}},
	}
	for _, tt := range tests {
		for w, want := range tt.want {
			err := tt.err
			switch tt.name {
			case "timeout":
				err = timeoutError(w, "no sign-in arrived", time.Minute)
			case "missing settings":
				err = missingSettings(w, true, true)
			}
			got := withNextStep(err, w)
			if !strings.Contains(got.Error(), want) {
				t.Errorf("%s (%v): %q lacks %q", tt.name, w, got, want)
			}
			if tt.err != nil && !errors.Is(got, tt.err) {
				t.Errorf("%s: the error no longer unwraps to its cause", tt.name)
			}
			if again := withNextStep(got, w); again.Error() != got.Error() {
				t.Errorf("%s: a next step added twice: %q", tt.name, again)
			}
			st := &viewState{where: w, phase: phaseFailed, host: "i.example", err: err}
			norm := func(s string) string { return strings.ToLower(strings.NewReplacer(".\n", ": ", "\n", " ").Replace(s)) }
			if w == whereNotebook && !strings.Contains(norm(renderPlain(st)), strings.ToLower(want)) {
				t.Errorf("%s: the notebook block does not show the next step %q:\n%s", tt.name, want, renderPlain(st))
			}
		}
	}
	if errors.Is(withNextStep(timeoutError(whereCLI, "x", time.Second), whereCLI), ErrTimeout) != true {
		t.Error("a timeout is not ErrTimeout")
	}
	for w, want := range map[where]string{whereCLI: "drop --no-interactive", whereNotebook: "run a cell that calls Login without NoInteractive", whereTerminal: "call Login without NoInteractive"} {
		err := interactionNeeded(w, "there is no saved sign-in for these settings")
		if !errors.Is(err, ErrInteractionRequired) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %q, want one line with %q", w, err, want)
		}
	}
}

// TestModeNote: a mode is explained only when it was chosen for a remote
// machine, with how to choose another collapsed.
func TestModeNote(t *testing.T) {
	now := time.Now()
	base := viewState{where: whereNotebook, now: now, deadline: now.Add(time.Minute), host: "h", link: "https://h/a"}
	for _, tt := range []struct {
		mode    Mode
		autoWhy string
		w       where
		want    string
	}{
		{ModeLoopback, "", whereNotebook, ""},
		{ModePaste, "", whereNotebook, ""},
		{ModeDevice, "runs in a container", whereNotebook, "This looks like a remote machine (the kernel runs in a container), so you will confirm a code on another device."},
		{ModeDevice, "was started over SSH", whereCLI, "This looks like a remote machine (this program was started over SSH), so you will confirm a code on another device."},
		{ModePaste, "runs under WSL", whereTerminal, "you may need to paste the address it ends on"},
	} {
		st := base
		st.mode, st.autoWhy, st.where = tt.mode, tt.autoWhy, tt.w
		if tt.mode == ModeDevice {
			st.userCode = "ABCD"
		}
		html, plain := renderHTML(&st), renderPlain(&st)
		if tt.want == "" {
			if strings.Contains(plain, "remote") || strings.Contains(html, "<details style=\"margin-top:6px;font-size:.9em;\"><summary style=\"cursor:pointer\">How") {
				t.Errorf("%s chosen in the settings is explained:\n%s", tt.mode, plain)
			}
			continue
		}
		if !strings.Contains(plain, tt.want) {
			t.Errorf("%s/%v: %q lacks %q", tt.mode, tt.w, plain, tt.want)
		}
		help := "Set Config.Mode (GONBAUTH_MODE) to loopback"
		if tt.w == whereCLI {
			help = "Run with --mode loopback"
		}
		if !strings.Contains(plain, help) || !strings.Contains(html, "<summary") || !strings.Contains(html, help) {
			t.Errorf("%s/%v: how to choose another mode is missing or not collapsed:\n%s", tt.mode, tt.w, html)
		}
	}
}

func TestApproxAndClock(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Minute: "5 min", 4*time.Minute + 59*time.Second: "5 min", 90 * time.Second: "2 min", 61 * time.Second: "1 min",
		42 * time.Second: "45 s", time.Second: "5 s", 0: "no time", 59 * time.Minute: "59 min",
	} {
		if got := approx(d); got != want {
			t.Errorf("approx(%v) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{5 * time.Minute: "5:00", 4*time.Minute + 59*time.Second + 300*time.Millisecond: "5:00", 59 * time.Second: "0:59", -time.Second: "0:00"} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestExpiryIsRelativeWithLocalTime(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	exp := now.Add(59 * time.Minute)
	got := expiryText(exp, now)
	if want := "expires in 59 min (at " + exp.In(time.Local).Format("15:04 MST") + ")"; got != want {
		t.Errorf("expiryText = %q, want %q", got, want)
	}
	if got := expiryText(now.Add(-3*time.Minute), now); !strings.HasPrefix(got, "expired 3 min ago") {
		t.Errorf("expiryText of an expired token = %q", got)
	}
}

func TestSignedOutText(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	e := &entry{entryKey: entryKey{Issuer: "https://login.example.com", Account: "work"}, Email: "alice@example.com",
		Token: storedToken{Expiry: now.Add(30 * time.Minute)}}
	for _, tt := range []struct {
		revoked bool
		want    string
	}{
		{true, `signed out of login.example.com as alice@example.com (account "work"); the server revoked the token.`},
		{false, `signed out of login.example.com as alice@example.com (account "work"); the server offers no revocation, so the token stays valid until it expires in 30 min (at `},
	} {
		if got := signedOutText(e, tt.revoked, now); !strings.HasPrefix(got, tt.want) {
			t.Errorf("signedOutText(revoked %v) = %q, want %q", tt.revoked, got, tt.want)
		}
	}
}

// Sentences are capitalised by their first ASCII letter only: a first
// byte of a multi-byte character (outside text can start an error) is
// left whole.
func TestUpperFirstLeavesOtherCharactersWhole(t *testing.T) {
	for in, want := range map[string]string{"sign in again": "Sign in again", "école": "école", "": "", "GONBAUTH_MODE": "GONBAUTH_MODE", "«x»": "«x»"} {
		if got := upperFirst(in); got != want {
			t.Errorf("upperFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
