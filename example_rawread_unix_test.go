//go:build linux || darwin || freebsd

package netloop_test

import (
	"context"
	"errors"
	"log"
	"syscall"

	"github.com/netloop/netloop"
)

// rawCounter counts the bytes its clients send, reading the sockets
// itself: a stand-in for a handler that must make the read system call
// on its own terms (splice, recvmsg with ancillary data).
type rawCounter struct {
	netloop.BuiltinHandler
	total int
}

func (h *rawCounter) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	if err := c.SetRawRead(true); err != nil {
		return nil, netloop.Close // the portable engine has no raw reads
	}
	return nil, netloop.None
}

// OnReadable runs instead of netloop's read when the socket is readable.
func (h *rawCounter) OnReadable(c netloop.Conn) netloop.Action {
	var buf [16 << 10]byte
	n, err := syscall.Read(c.Fd(), buf[:])
	switch {
	case errors.Is(err, syscall.EAGAIN):
		return netloop.None
	case err != nil || n == 0: // an error, or the peer's FIN
		return netloop.Close
	}
	h.total += n
	return netloop.None
}

// A handler that reads its connections itself: netloop only says when.
func ExampleRawReadHandler() {
	h := &rawCounter{}
	eng, err := netloop.Start(h, []string{"tcp://127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Stop(context.Background())
}
