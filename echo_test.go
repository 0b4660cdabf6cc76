package netloop

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"
)

func TestEchoSmoke(t *testing.T) {
	_, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	msg := []byte("hello, netloop")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo = %q, want %q", got, msg)
	}
}

// TestEchoManyConnsRandomSizes echoes messages of random sizes up to 1 MiB
// over 1,000 concurrent connections, each written in random pieces (so the
// server sees them split and coalesced arbitrarily) and read back
// concurrently, and checks every byte.
func TestEchoManyConnsRandomSizes(t *testing.T) {
	conns := 1000
	if testing.Short() {
		conns = 100
	}
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"level-1loop", nil},
		{"edge-4loops", []Option{WithEdgeTriggered(true), WithNumLoops(4)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0", tc.opts...)
			var wg sync.WaitGroup
			errs := make(chan error, conns)
			for i := 0; i < conns; i++ {
				wg.Add(1)
				go func(seed uint64) {
					defer wg.Done()
					if err := echoRandom(addr, seed); err != nil {
						errs <- fmt.Errorf("conn %d: %w", seed, err)
					}
				}(uint64(i))
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// randomSize draws a size log-uniformly between 1 B and 1 MiB: most
// messages are small, and a few are large enough to fill socket buffers.
func randomSize(r *rand.Rand) int {
	return int(math.Exp2(r.Float64() * 20))
}

func echoRandom(addr net.Addr, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 42))
	var payload []byte
	for i := 0; i < 2; i++ {
		m := make([]byte, randomSize(r))
		for j := range m {
			m[j] = byte(r.Uint32())
		}
		payload = append(payload, m...)
	}
	c, err := net.DialTimeout("tcp", addr.String(), testTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	// Generous: on a loaded 2-core machine with -race, 1,000 connections
	// moving up to 2 MiB each take a while; the deadline only catches hangs.
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	werr := make(chan error, 1)
	go func() {
		rest := payload
		for len(rest) > 0 {
			n := min(len(rest), 1+r.IntN(64<<10))
			if _, err := c.Write(rest[:n]); err != nil {
				werr <- err
				return
			}
			rest = rest[n:]
		}
		werr <- nil
	}()
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("read echo: %w", err)
	}
	if err := <-werr; err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if i := firstDiff(got, payload); i >= 0 {
		return fmt.Errorf("echo differs at byte %d of %d", i, len(payload))
	}
	return nil
}

func firstDiff(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
