//go:build unix

package gonbauth

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// openFlags refuse to follow a symbolic link (one planted in the store must
// not redirect where tokens are read from) and to block on a FIFO, so that
// the regular-file check after opening is always reached.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

func ownedByUser(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || int(st.Uid) == os.Geteuid()
}

// syncDir makes a rename durable: best effort, as not every file system
// supports syncing a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// lockFile takes the exclusive lock of the lock file p, polling every
// lockPoll until ctx ends; a nil ctx makes it a single try. The file is
// opened with the care of a sign-in file: never through a symbolic link
// (a planted one must not make us create a file at its target), never
// blocking (a planted FIFO must not hang a sign-in), and only if it is the
// user's regular file.
func lockFile(ctx context.Context, p string) (unlock func(), err error) {
	if ctx != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	f, err := openLockFile(p)
	if err != nil {
		return nil, err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	flock := func(how int) (err error) {
		if cerr := rc.Control(func(fd uintptr) { err = syscall.Flock(int(fd), how) }); cerr != nil {
			return cerr
		}
		return err
	}
	for {
		err := flock(syscall.LOCK_EX | syscall.LOCK_NB)
		if err == nil {
			return func() { flock(syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || ctx == nil {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}
