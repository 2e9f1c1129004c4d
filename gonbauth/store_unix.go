//go:build unix

package gonbauth

import (
	"io/fs"
	"os"
	"syscall"
)

// noFollow refuses to open a symbolic link: a link planted in the store
// must not redirect where tokens are read from.
const noFollow = syscall.O_NOFOLLOW

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
