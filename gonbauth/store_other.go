//go:build !unix

package gonbauth

import (
	"context"
	"errors"
	"io/fs"

	"github.com/gofrs/flock"
)

// On systems without Unix permissions the user's profile directory is
// what keeps the store private.
const openFlags = 0

func ownedByUser(fs.FileInfo) bool { return true }

func syncDir(string) {}

// lockFile takes the exclusive lock of the lock file p, polling every
// lockPoll until ctx ends; a nil ctx makes it a single try.
func lockFile(ctx context.Context, p string) (unlock func(), err error) {
	if ctx != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	f, err := openLockFile(p) // the checks; the lock is flock's own handle
	if err != nil {
		return nil, err
	}
	f.Close()
	fl := flock.New(p, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err == nil && !ok && ctx != nil {
		ok, err = fl.TryLockContext(ctx, lockPoll)
	}
	if err == nil && !ok {
		err = errors.New("the lock is held")
	}
	if err != nil {
		return nil, err
	}
	return func() { fl.Unlock() }, nil
}
