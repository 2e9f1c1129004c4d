package gonbauth

import (
	"fmt"
	"os"
	"strings"

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
func checkLeaks(code int) int {
	probs := leaks.Problems(20)
	secrets, outputs := leaks.Counts()
	if len(probs) == 0 {
		if testingVerbose() {
			fmt.Printf("leak check: %d outputs searched for %d secrets and control characters: none found\n", outputs, secrets)
		}
		return code
	}
	fmt.Fprintf(os.Stderr, "FAIL: leak check: %d outputs searched for %d secrets:\n  %s\n", outputs, secrets, strings.Join(probs, "\n  "))
	return 1
}

func testingVerbose() bool {
	for _, a := range os.Args {
		if strings.HasPrefix(a, "-test.v") {
			return true
		}
	}
	return false
}
