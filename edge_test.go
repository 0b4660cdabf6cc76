package netloop

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEdgeTriggeredSeesBytesThenEOF sends a request and the FIN right
// behind it, so that one readiness event often reports both. An
// edge-triggered loop stops reading at a short read, which has emptied the
// socket; it must read on when the peer has closed, since that end of file
// raises no edge of its own. Each client must get its echo, then the
// server's "bye" (sent from OnEOF), then end of file.
func TestEdgeTriggeredSeesBytesThenEOF(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int // bytes sent before the FIN
		opts []Option
	}{
		{"level", 6, nil},
		{"edge", 6, []Option{WithEdgeTriggered(true)}},
		// 16 full reads and a short one: the FIN's edge has come and gone by
		// the connection's later turns (readLater keeps PeerClosed).
		{"edge-many-reads", 8<<10 + 100, []Option{WithEdgeTriggered(true), WithReadBufferSize(512)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const conns = 64
			h := &halfCloser{eofs: make(chan struct{}, conns), closed: make(chan error, conns)}
			_, addr := serveOne(t, h, "tcp://127.0.0.1:0", tc.opts...)
			var wg sync.WaitGroup
			errs := make(chan error, conns)
			for i := 0; i < conns; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					msg := fmt.Sprintf("req-%02d", i)
					errs <- requestThenFIN(addr, msg+strings.Repeat("x", tc.size-len(msg)))
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func requestThenFIN(addr net.Addr, msg string) error {
	c, err := net.DialTimeout("tcp", addr.String(), testTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	// A missed end of file leaves the server silent: the deadline turns
	// that hang into an error.
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	got, err := io.ReadAll(c)
	if err != nil || string(got) != msg+"bye" {
		return fmt.Errorf("got %d bytes ending %q, %v; want the %d sent, \"bye\", then end of file",
			len(got), got[max(0, len(got)-8):], err, len(msg))
	}
	return nil
}
