// Package testparallel sets how many parallel tests go test runs at once,
// for the test binaries of gonbauth and its command (their TestMain).
package testparallel

import (
	"flag"
	"strconv"
)

// Waiting is the number of parallel tests run at once unless -parallel is
// given.
const Waiting = 16

// Raise sets -parallel to Waiting unless it was given. The parallel tests
// wait on timers (a device grant polls once a second at best, a timeout
// must pass, a hung server must be given up on), not on the CPU, so many
// more of them can wait at once than go test's default of one per CPU.
// It parses the command line: call it first in TestMain.
func Raise() {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(Waiting))
	}
}
