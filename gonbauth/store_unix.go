//go:build unix

package gonbauth

import (
	"io/fs"
	"os"
	"syscall"
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
