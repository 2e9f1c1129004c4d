// Command serve runs the browser example of gonbauth's PKCE WebAssembly
// module (package wasm/example) until Ctrl-C:
//
//	make wasm && go run ./wasm/example/serve
//
// It prints the page's URL; open it in a browser on this machine and sign in
// with any user name and password.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/gonbauth/gonbauth/wasm/example"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("serve: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := example.Start(ctx, example.Options{Log: os.Stderr})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	fmt.Printf("Browser example: %s\nAuthorization server: %s (client %s); any user name and password work.\n"+
		"Add ?mode=redirect to sign in in the same tab instead of a pop-up. Ctrl-C stops.\n",
		srv.URL, srv.Issuer, example.WebClientID)
	for {
		r, err := srv.Wait(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Print(err)
			}
			return
		}
		fmt.Printf("The page signed in as %s (%s token, %d s, scope %q, %s).\n", r.Subject, r.TokenType, r.ExpiresIn, r.Scope, r.Mode)
	}
}
