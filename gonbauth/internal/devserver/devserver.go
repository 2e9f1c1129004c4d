// Package devserver is the library's tests' handle on the bundled
// development authorization server: the names of internal/devserver at the
// module's root, which starts it (and which wasm/example, outside gonbauth/,
// imports too), and StartT for tests.
package devserver

import (
	"context"

	root "github.com/gonbauth/gonbauth/gonbauth/devserver"
)

type (
	// Options configure Start; see internal/devserver.
	Options = root.Options
	// Server is a running development server; see internal/devserver.
	Server = root.Server
	// Stats are the server's request counters; see internal/devserver.
	Stats = root.Stats
)

// Client credentials registered with the development server; see internal/devserver.
const (
	ConfidentialClientID     = root.ConfidentialClientID
	ConfidentialClientSecret = root.ConfidentialClientSecret
	HostedClientID           = root.HostedClientID
	WebClientID              = root.WebClientID
)

// Start runs the development server; see internal/devserver.Start.
func Start(ctx context.Context, opts Options) (*Server, error) { return root.Start(ctx, opts) }
