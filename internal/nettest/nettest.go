// Package nettest starts netloop engines for tests: on the address the test
// gives (normally "tcp://127.0.0.1:0"), stopped when the test ends, with
// Run's error checked. It is what the examples' and protocol packages'
// tests share; netloop's own tests keep an equivalent in helpers_test.go.
//
//	eng := nettest.Serve(t, handler{}, "tcp://127.0.0.1:0")
//	c := nettest.Dial(t, eng.Addrs()[0])
package nettest

import (
	"context"
	"net"
	"runtime/debug"
	"testing"
	"time"

	"github.com/netloop/netloop"
)

// Timeout bounds every wait in a test, so that a hang fails with a
// message instead of running into the test binary's deadline.
const Timeout = 30 * time.Second

// Serve starts h on addr and returns the engine once it has booted. When
// the test ends the engine is stopped, and both Stop and Run must succeed.
func Serve(t testing.TB, h netloop.Handler, addr string, opts ...netloop.Option) netloop.Engine {
	t.Helper()
	eng, err := netloop.Start(h, []string{addr}, opts...)
	if err != nil {
		t.Fatalf("netloop.Start(%q): %v", addr, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			t.Errorf("Engine.Stop: %v", err)
		}
		if err := eng.Wait(); err != nil {
			t.Errorf("netloop.Run returned %v after Stop, want nil", err)
		}
	})
	return eng
}

// Dial connects to addr with a deadline of Timeout on every read and
// write, and closes the connection when the test ends.
func Dial(t testing.TB, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(addr.Network(), addr.String(), Timeout)
	if err != nil {
		t.Fatalf("dial %s %s: %v", addr.Network(), addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(Timeout))
	return c
}

// RaceEnabled reports whether the test binary was built with -race, read
// from its build information rather than from build-tagged files: tests
// use it only to skip allocation counts (the race detector makes
// sync.Pool drop items on purpose) or to scale a load down.
func RaceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}
