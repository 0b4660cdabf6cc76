package socket

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Read and Write are read(2) and write(2) on a non-blocking socket, made
// as raw system calls: they never block, so the Go scheduler need not be
// told (entersyscall/exitsyscall and sysmon's hand-offs were a quarter of
// the loop's own instructions per message in callgrind). They call
// syscall.RawSyscall6 itself: unix.RawSyscall reaches it through two more
// calls, some fifty instructions per request and response.

// Read reads from a non-blocking fd.
func Read(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.RawSyscall6(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
	if errno != 0 {
		return 0, errnoErr(errno)
	}
	return int(n), nil
}

// Write writes to a non-blocking fd.
func Write(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.RawSyscall6(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
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
