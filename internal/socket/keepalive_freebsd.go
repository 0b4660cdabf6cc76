package socket

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

func setKeepAlive(fd int, o Options) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1); err != nil {
		return os.NewSyscallError("setsockopt SO_KEEPALIVE", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, seconds(o.KeepAlive)); err != nil {
		return os.NewSyscallError("setsockopt TCP_KEEPIDLE", err)
	}
	if o.KeepInterval > 0 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, seconds(o.KeepInterval)); err != nil {
			return os.NewSyscallError("setsockopt TCP_KEEPINTVL", err)
		}
	}
	if o.KeepCount > 0 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, o.KeepCount); err != nil {
			return os.NewSyscallError("setsockopt TCP_KEEPCNT", err)
		}
	}
	return nil
}

// writev calls writev(2) directly: x/sys/unix has no Writev for FreeBSD.
func writev(fd int, bufs [][]byte) (int, error) {
	iov := make([]unix.Iovec, 0, len(bufs))
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		iov = append(iov, v)
	}
	if len(iov) == 0 {
		return 0, nil
	}
	n, _, errno := unix.Syscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
