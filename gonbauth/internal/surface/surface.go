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

type flagsKey struct{}

// WithFlags hands the library the command's flags as typed, by the Config
// field each one sets ("Scopes": "openid,email"). The library reads them
// in place of the fields' environment variables, with the same splitting
// and checks, so that a value means the same in a flag, a variable and a
// Config field, and its errors name the flag.
func WithFlags(ctx context.Context, flags map[string]string) context.Context {
	return context.WithValue(ctx, flagsKey{}, flags)
}

// Flags returns the flags ctx was given by WithFlags, or nil.
func Flags(ctx context.Context) map[string]string {
	f, _ := ctx.Value(flagsKey{}).(map[string]string)
	return f
}

// UsageError is an error about the text of a flag (a port that is not a
// number): the command exits 2, as for a flag it cannot parse.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }
