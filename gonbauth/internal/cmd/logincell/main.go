// Command logincell is a notebook cell cut down to its sign-in, for the
// fresh-process benchmarks in gonbauth/bench_test.go: GoNB runs every cell
// as a new process, and a cell after the first one finds the sign-in in
// the store. It calls gonbauth.Login(ctx, nil), so every setting comes
// from the GONBAUTH_* environment, and prints one line on stdout: the
// nanoseconds spent inside Login, and where the session came from ("store"
// for a saved sign-in, "browser" otherwise):
//
//	412345 store
//
// Login's own status goes to stderr, as outside a notebook. Errors go to
// stderr with exit code 1. The benchmarks build it with go build and
// default flags, next to ../emptycell, the floor it is compared with.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth"
)

func main() {
	start := time.Now()
	sess, err := gonbauth.Login(context.Background(), nil)
	inside := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "logincell:", err)
		os.Exit(1)
	}
	from := "browser"
	if sess.FromStore {
		from = "store"
	}
	fmt.Printf("%d %s\n", inside.Nanoseconds(), from)
}
