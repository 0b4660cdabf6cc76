//go:build darwin || freebsd

package socket

import "golang.org/x/sys/unix"

// Read reads from a non-blocking fd. (On the BSDs system calls go through
// libc; the plain wrappers are the right ones there.)
func Read(fd int, b []byte) (int, error) { return unix.Read(fd, b) }

// Write writes to a non-blocking fd.
func Write(fd int, b []byte) (int, error) { return unix.Write(fd, b) }
