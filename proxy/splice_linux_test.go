package proxy

import (
	"io"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
)

// TestSpliceStreamIsNotIdle: with --splice netloop no longer reads or
// writes the bytes itself, so the proxy must report its writes: a
// download that lasts several idle timeouts, to a client that sends
// nothing after its request, must not be cut.
func TestSpliceStreamIsNotIdle(t *testing.T) {
	if nettest.PortableEngine {
		t.Skip("the portable engine has no raw reads, so the proxy does not splice")
	}
	const idle = 300 * time.Millisecond
	ln := listen(t, 0)
	p, addr := startProxy(t, Config{Upstreams: []string{ln.Addr().String()}, Splice: true},
		netloop.WithIdleTimeout(idle))
	c := dial(t, addr)
	const chunks, size = 20, 16 << 10
	upErr := make(chan error, 1)
	go func() {
		u, err := ln.Accept()
		if err != nil {
			upErr <- err
			return
		}
		defer u.Close()
		if _, err := io.ReadFull(u, make([]byte, 3)); err != nil { // the request
			upErr <- err
			return
		}
		for i := 0; i < chunks; i++ { // 20 x 50 ms: over three idle timeouts
			if err := writePattern(u, size, size); err != nil {
				upErr <- err
				return
			}
			time.Sleep(50 * time.Millisecond) // the pace of the stream under test
		}
		upErr <- nil
	}()
	if _, err := c.Write([]byte("GET")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < chunks; i++ {
		if err := readPattern(c, size); err != nil {
			t.Fatalf("chunk %d: %v (the session was cut as idle?)", i, err)
		}
	}
	if err := <-upErr; err != nil {
		t.Fatal(err)
	}
	if p.Stats().Spliced != 1 {
		t.Errorf("Stats().Spliced = %d, want 1", p.Stats().Spliced)
	}
}
