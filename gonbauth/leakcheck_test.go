package gonbauth

import (
	"os"
	"testing"

	"github.com/gonbauth/gonbauth/gonbauth/internal/hostileserver"
)

// leaks sees, across the whole test binary, every secret the fake servers
// issued or received (codes, verifiers, tokens) and everything gonbauth
// printed or returned to the tests that capture it (the urlWriter of
// startLogin and loginQuiet, the errors wait returns, the hostile cases).
// TestMain fails the run if any output holds a secret or a control
// character.
var leaks = hostileserver.NewRecorder()

// checkLeaks runs after the tests: it turns a passing run into a failing
// one when something leaked.
func checkLeaks(code int) int { return leaks.Report(os.Stderr, code, testing.Verbose()) }
