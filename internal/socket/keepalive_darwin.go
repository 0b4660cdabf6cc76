package socket

import (
	"os"

	"golang.org/x/sys/unix"
)

func setKeepAlive(fd int, o Options) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1); err != nil {
		return os.NewSyscallError("setsockopt SO_KEEPALIVE", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPALIVE, seconds(o.KeepAlive)); err != nil {
		return os.NewSyscallError("setsockopt TCP_KEEPALIVE", err)
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

func writev(fd int, bufs [][]byte) (int, error) { return unix.Writev(fd, bufs) }
