//go:build darwin || freebsd

package socket

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

func newSocket(family, sotype int) (int, error) {
	// No SOCK_NONBLOCK on every BSD: hold ForkLock so a concurrent fork
	// cannot inherit the descriptor before close-on-exec is set.
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, sotype, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("setnonblock", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_NOSIGPIPE, 1); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("setsockopt SO_NOSIGPIPE", err)
	}
	return fd, nil
}

func accept(fd int) (int, unix.Sockaddr, error) {
	syscall.ForkLock.RLock()
	nfd, sa, err := unix.Accept(fd)
	if err == nil {
		unix.CloseOnExec(nfd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, nil, err
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return -1, nil, err
	}
	// Writing to a reset peer must return EPIPE, not kill the process.
	unix.SetsockoptInt(nfd, unix.SOL_SOCKET, unix.SO_NOSIGPIPE, 1)
	return nfd, sa, nil
}

// Writev writes bufs with one writev(2).
func Writev(fd int, bufs [][]byte, iov []unix.Iovec) (int, []unix.Iovec, error) {
	n, err := writev(fd, bufs)
	return n, iov, err
}
