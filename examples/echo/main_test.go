package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"sync"
	"testing"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
)

func TestEchoServerEchoesEveryClient(t *testing.T) {
	eng := nettest.Serve(t, echoServer{}, "tcp://127.0.0.1:0", netloop.WithNumLoops(2))
	addr := eng.Addrs()[0]

	var wg sync.WaitGroup
	for i := range 4 {
		c := nettest.Dial(t, addr)
		wg.Go(func() {
			for round := range 3 {
				msg := []byte{'c', byte('0' + i), 'r', byte('0' + round), '\n'}
				if _, err := c.Write(msg); err != nil {
					t.Errorf("client %d: write: %v", i, err)
					return
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil {
					t.Errorf("client %d: read: %v", i, err)
					return
				}
				if !bytes.Equal(got, msg) {
					t.Errorf("client %d round %d: echo = %q, want %q", i, round, got, msg)
				}
			}
		})
	}
	wg.Wait()
}

// A payload much larger than the socket buffers forces partial writes:
// the server must keep what the kernel did not take and finish later,
// without losing or reordering a byte.
func TestEchoServerEchoesLargePayloadIntact(t *testing.T) {
	eng := nettest.Serve(t, echoServer{}, "tcp://127.0.0.1:0")
	c := nettest.Dial(t, eng.Addrs()[0])

	payload := make([]byte, 8<<20)
	rand.Read(payload)
	writeErr := make(chan error, 1)
	go func() {
		_, err := c.Write(payload)
		writeErr <- err
	}()
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read echo: %v", err)
	}
	if err := <-writeErr; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatal("echoed payload differs from what was sent")
	}
}
