// Package surface lets the gonbauth command tell the library that it is
// the command, so that messages name its flags (--timeout) instead of
// Config fields and environment variables. It is internal: programs that
// import gonbauth are never the command, and the public API stays small.
package surface

import "context"

type key struct{}

// WithCommand marks ctx as coming from `gonbauth <command>`, such as
// "login", "token" or "logout".
func WithCommand(ctx context.Context, command string) context.Context {
	return context.WithValue(ctx, key{}, command)
}

// Command returns the command ctx was marked with, or "" for a program
// that imports the library.
func Command(ctx context.Context) string {
	c, _ := ctx.Value(key{}).(string)
	return c
}
