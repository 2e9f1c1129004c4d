// Package hostileserver holds what the hostile-input tests of the library
// and of the command share: a Recorder of every secret the test servers
// issued and of everything gonbauth printed, checked at the end of a test
// binary, and Server, a small scriptable OAuth server for the command's
// fault tests (the library's own fake server lives in a _test file, which
// another package cannot import).
package hostileserver

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// Recorder collects the secrets test servers issue (codes, verifiers,
// tokens) and the text gonbauth prints, so that one check at the end of
// the run can say that no secret was ever printed and that no control
// character reached a terminal.
type Recorder struct {
	mu      sync.Mutex
	secrets map[string]string // secret -> kind
	exempt  map[string]bool   // secrets a server itself put in its own text
	outputs []output
}

type output struct{ what, text string }

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{secrets: map[string]string{}, exempt: map[string]bool{}}
}

// Secret records a value a server issued or received that must never be
// printed. Values shorter than 8 bytes are too likely to match by chance
// and are ignored.
func (r *Recorder) Secret(kind, s string) {
	if r == nil || len(s) < 8 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets[s] = kind
}

// Echoed marks a secret that the server itself wrote into its own error
// text (the library repeats a server's description, which it cannot
// understand): its appearance is the server's doing, not a leak.
func (r *Recorder) Echoed(s string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.exempt[s] = true
}

// Output records text gonbauth printed or returned (a status, a warning,
// an error message, a page). what names it in a failure.
func (r *Recorder) Output(what, text string) {
	if r == nil || text == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outputs = append(r.outputs, output{what, text})
}

// Counts reports how many secrets and outputs were recorded, so that a
// check that found nothing can show it looked.
func (r *Recorder) Counts() (secrets, outputs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.secrets), len(r.outputs)
}

// Problems returns one line per secret found in an output and per output
// holding a control character (other than newline and tab), an escape
// sequence or a bidirectional override. At most max lines are returned.
func (r *Recorder) Problems(max int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var probs []string
	secrets := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		if !r.exempt[s] {
			secrets = append(secrets, s)
		}
	}
	sort.Strings(secrets)
	for _, o := range r.outputs {
		for _, s := range secrets {
			if strings.Contains(o.text, s) {
				probs = append(probs, fmt.Sprintf("%s holds the %s %q", o.what, r.secrets[s], s))
			}
		}
		if i, c := FirstControl(o.text); i >= 0 {
			probs = append(probs, fmt.Sprintf("%s holds the control character %U at byte %d: %q", o.what, c, i, excerpt(o.text, i)))
		}
		if len(probs) >= max {
			return probs[:max]
		}
	}
	return probs
}

// Report ends a test binary's run: it writes the problems found (or,
// when verbose, what was searched) to w and returns the exit code, 1 when
// something leaked, else code.
func (r *Recorder) Report(w io.Writer, code int, verbose bool) int {
	probs := r.Problems(20)
	secrets, outputs := r.Counts()
	if len(probs) == 0 {
		if verbose {
			fmt.Fprintf(w, "leak check: %d outputs searched for %d secrets and control characters: none found\n", outputs, secrets)
		}
		return code
	}
	fmt.Fprintf(w, "FAIL: leak check: %d outputs searched for %d secrets:\n  %s\n", outputs, secrets, strings.Join(probs, "\n  "))
	return 1
}

// FirstControl returns the byte offset and rune of the first character in
// s that must not reach a terminal: a C0 or C1 control other than newline
// and tab (ESC starts ANSI and OSC sequences, such as OSC 52 which writes
// the clipboard), DEL, or a bidirectional control (which reorders what is
// shown). It returns -1 when there is none.
func FirstControl(s string) (int, rune) {
	for i, c := range s {
		if c == '\n' || c == '\t' {
			continue
		}
		if unicode.IsControl(c) || unicode.In(c, unicode.Bidi_Control) {
			return i, c
		}
	}
	return -1, 0
}

func excerpt(s string, i int) string {
	lo, hi := max(0, i-40), min(len(s), i+40)
	return s[lo:hi]
}
