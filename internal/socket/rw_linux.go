package socket

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Read and Write are recv(2) and send(2) on a non-blocking socket, made
// as raw system calls: they never block, so the Go scheduler need not be
// told (entersyscall/exitsyscall and sysmon's hand-offs were a quarter of
// the loop's own instructions per message in callgrind). They call
// syscall.RawSyscall6 itself: unix.RawSyscall reaches it through two more
// calls, some fifty instructions per request and response.
//
// recvfrom and sendto with no address go straight to the socket layer,
// where read and write first pass through the file layer (fd position
// lock, area and permission checks, fsnotify), and MSG_NOSIGNAL spares a
// write to a reset connection its SIGPIPE. netloop serves sockets only
// (EnrollFd refuses anything else), so nothing is lost.

// Read reads from a non-blocking socket.
func Read(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
	if errno != 0 {
		return 0, errnoErr(errno)
	}
	return int(n), nil
}

// Write writes to a non-blocking socket.
func Write(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), unix.MSG_NOSIGNAL, 0, 0)
	if errno != 0 {
		return 0, errnoErr(errno)
	}
	return int(n), nil
}

// errnoErr returns common errnos as shared values, so that the hot
// EAGAIN path does not allocate an interface.
func errnoErr(e syscall.Errno) error {
	switch e {
	case unix.EAGAIN:
		return unix.EAGAIN
	case unix.EINTR:
		return unix.EINTR
	}
	return e
}
