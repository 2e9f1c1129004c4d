// Command cell is what a notebook cell that signs in and calls an API
// compiles to, for sizereport to measure. It is built, never run.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gonbauth/gonbauth/gonbauth"
)

func main() {
	sess, err := gonbauth.Login(context.Background(), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("signed in as", sess.Who())
	resp, err := sess.Client().Get(os.Getenv("API_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
}
