//go:build !unix

package proxy

import (
	"syscall"
	"testing"
)

func setRecvBuffer(fd uintptr, n int) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}

// fullListener needs a listen queue that drops SYNs when full, as Linux
// and the BSDs do; Windows refuses the connect instead.
func fullListener(t *testing.T) string {
	t.Skip("no stalling listener on this platform")
	return ""
}
