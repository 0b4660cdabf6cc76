package netloop

import (
	"context"
	"net"
	"testing"
	"time"
)

// testTimeout bounds every wait in the tests: a hang fails with a message
// instead of running into the test binary's deadline.
const testTimeout = 30 * time.Second

// bootHandler wraps a Handler to report the Engine from OnBoot, for tests
// of Run itself; others use serve, built on Start, which needs no wrapper.
type bootHandler struct {
	Handler
	booted chan Engine
}

func (b *bootHandler) OnBoot(eng Engine) Action {
	a := b.Handler.OnBoot(eng)
	b.booted <- eng
	return a
}

// serve starts h on addrs and returns the running engine; the engine is
// stopped when the test ends, and Run's error must be nil.
func serve(t testing.TB, h Handler, addrs []string, opts ...Option) Engine {
	t.Helper()
	eng, err := Start(h, addrs, opts...)
	if err != nil {
		t.Fatalf("engine did not start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		if err := eng.Wait(); err != nil {
			t.Errorf("Run returned %v", err)
		}
	})
	return eng
}

// serveOne is serve for a single address, returning its bound address.
func serveOne(t testing.TB, h Handler, addr string, opts ...Option) (Engine, net.Addr) {
	t.Helper()
	eng := serve(t, h, []string{addr}, opts...)
	return eng, eng.Addrs()[0]
}

// dial connects to addr and closes the connection when the test ends.
func dial(t testing.TB, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(addr.Network(), addr.String(), testTimeout)
	if err != nil {
		t.Fatalf("dial %v: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(testTimeout))
	return c
}

// echoHandler writes back everything it reads.
type echoHandler struct{ BuiltinHandler }

func (echoHandler) OnTraffic(c Conn) Action {
	c.WriteTo(c)
	return None
}
