//go:build !unix

package gonbauth

import "io/fs"

// On systems without Unix permissions the user's profile directory is
// what keeps the store private.
const openFlags = 0

func ownedByUser(fs.FileInfo) bool { return true }

func syncDir(string) {}
