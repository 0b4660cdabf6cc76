//go:build ((!linux && !darwin && !freebsd) || netloop_netengine) && (aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package netloop

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// listenControl sets SO_REUSEADDR as the options say (package net would
// always set it on TCP listeners) and SO_REUSEPORT when asked, before the
// socket is bound.
func listenControl(o Options) (func(network, address string, c syscall.RawConn) error, error) {
	return func(network, _ string, c syscall.RawConn) error {
		if network == "unix" {
			return nil
		}
		var err error
		cerr := c.Control(func(fd uintptr) {
			err = setReuse(int(fd), unix.SO_REUSEADDR, "SO_REUSEADDR", o.ReuseAddr)
			if err == nil && o.ReusePort {
				err = setReuse(int(fd), unix.SO_REUSEPORT, "SO_REUSEPORT", true)
			}
		})
		if cerr != nil {
			return cerr
		}
		return err
	}, nil
}

func setReuse(fd, opt int, name string, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return os.NewSyscallError("setsockopt "+name, unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, v))
}
