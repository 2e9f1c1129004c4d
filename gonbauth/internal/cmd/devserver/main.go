// Command devserver runs the bundled development authorization server
// (gonbauth/devserver) for programs that are not written in Go:
// notebooks/run.py and notebooks/bench.py start the server through it, so
// that it is started in one place (gonbauth/devserver) whatever starts it.
//
//	devserver
//
// When the server is ready it prints one JSON line on stdout,
//
//	{"issuer":"http://127.0.0.1:PORT","client_id":"gonbauth-dev"}
//
// and nothing else there. The server's own output goes to stderr. It stops
// the server and exits 0 when its stdin reaches EOF (so it dies with the
// program that holds the other end of the pipe) or on SIGTERM or SIGINT; it
// exits 1 when the server cannot start (the error says what to install) or
// exits on its own. The server inherits the environment, DEVSERVER_SECRETS_FILE
// included (see gonbauth/devserver/server.mjs).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gonbauth/gonbauth/gonbauth/internal/devserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// ready is the line printed once the server serves.
type ready struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
}

// run serves until ctx ends or stdin reaches EOF.
func run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	srv, err := devserver.Start(ctx, devserver.Options{Log: stderr})
	if err != nil {
		return err
	}
	if err := json.NewEncoder(stdout).Encode(ready{Issuer: srv.Issuer, ClientID: srv.ClientID}); err != nil {
		srv.Close()
		return fmt.Errorf("devserver: writing the ready line: %w", err)
	}
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, stdin)
		close(eof)
	}()
	select {
	case <-ctx.Done():
	case <-eof:
	case <-srv.Done():
		// Close reports that it exited on its own, with its stderr.
	}
	return srv.Close()
}
