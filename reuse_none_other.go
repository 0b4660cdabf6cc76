//go:build ((!linux && !darwin && !freebsd) || netloop_netengine) && !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package netloop

import (
	"fmt"
	"runtime"
	"syscall"
)

// listenControl refuses ReusePort on systems without SO_REUSEPORT, such as
// Windows, Solaris and Plan 9. ReuseAddr is ignored here: where
// SO_REUSEADDR has its usual meaning package net already sets it on TCP
// listeners, and Windows lets a listener bind over connections in
// TIME_WAIT without it (there it would let another socket take the port).
func listenControl(o Options) (func(network, address string, c syscall.RawConn) error, error) {
	if o.ReusePort {
		return nil, fmt.Errorf("%w: ReusePort: %s has no SO_REUSEPORT", ErrUnsupported, runtime.GOOS)
	}
	return nil, nil
}
