package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netloop/netloop"

	"github.com/netloop/netloop/internal/nettest"
)

// pattern is a stream of pseudo-random bytes whose period (1 MiB + 7) is
// no multiple of any read or write size, so a chunk lost, repeated or
// reordered anywhere in the stream shows up as a mismatch.
var pattern = func() []byte {
	b := make([]byte, 1<<20+7)
	r := rand.NewChaCha8([32]byte{'n', 'e', 't', 'l', 'o', 'o', 'p'})
	r.Read(b)
	return b
}()

// writePattern writes n bytes of the pattern to w, in chunks of chunk.
func writePattern(w io.Writer, n int64, chunk int) error {
	var off int64
	for off < n {
		i := int(off % int64(len(pattern)))
		m := min(int64(chunk), int64(len(pattern)-i), n-off)
		if _, err := w.Write(pattern[i : i+int(m)]); err != nil {
			return fmt.Errorf("write at %d: %w", off, err)
		}
		off += m
	}
	return nil
}

// readPattern reads n bytes from r and checks that they are the pattern.
func readPattern(r io.Reader, n int64) error {
	buf := make([]byte, 256<<10)
	var off int64
	for off < n {
		m, err := r.Read(buf[:min(int64(len(buf)), n-off)])
		for got := buf[:m]; len(got) > 0; {
			i := int(off % int64(len(pattern)))
			k := min(len(got), len(pattern)-i)
			if !bytes.Equal(got[:k], pattern[i:i+k]) {
				return fmt.Errorf("bytes %d..%d differ from what was sent", off, off+int64(k))
			}
			got, off = got[k:], off+int64(k)
		}
		if err != nil {
			return fmt.Errorf("read at %d of %d: %w", off, n, err)
		}
	}
	return nil
}

// openFds counts the process's open descriptors (Linux; 0 elsewhere).
func openFds() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(entries)
}

// forEachMode runs a test with the relay through user space and, where
// there is splice(2), through pipes.
func forEachMode(t *testing.T, test func(t *testing.T, splice bool)) {
	t.Run("copy", func(t *testing.T) { test(t, false) })
	if spliceSupported && !nettest.PortableEngine { // it has no raw reads
		t.Run("splice", func(t *testing.T) { test(t, true) })
	}
}

// TestRelaysOneGiBByteExactBothWays streams 1 GiB (32 MiB with -short or -race)
// through the proxy to an echo server while reading the echo back: both
// directions carry every byte, in order, at once.
func TestRelaysOneGiBByteExactBothWays(t *testing.T) {
	size := int64(1 << 30)
	if testing.Short() || nettest.RaceEnabled() {
		size = 32 << 20
	}
	forEachMode(t, func(t *testing.T, splice bool) {
		relayByteExact(t, Config{Upstreams: []string{startEcho(t)}, Splice: splice}, size)
	})
}

func relayByteExact(t *testing.T, cfg Config, size int64) {
	p, addr := startProxy(t, cfg)
	c := dial(t, addr)
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	start := time.Now()
	werr := make(chan error, 1)
	go func() {
		err := writePattern(c, size, 256<<10)
		if err == nil {
			err = c.CloseWrite() // and the echo's end comes back as EOF
		}
		werr <- err
	}()
	if err := readPattern(c, size); err != nil {
		t.Fatal(err)
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after the echo: read %d bytes, %v; want EOF", n, err)
	}
	t.Logf("%d MiB each way in %v", size>>20, time.Since(start).Round(time.Millisecond))
	if cfg.Splice && p.Stats().Spliced != 1 {
		t.Errorf("Stats().Spliced = %d, want 1: the bytes did not go through pipes", p.Stats().Spliced)
	}
}

// TestClientHalfCloseStillGetsTheReply: the client sends a request and
// shuts down its sending side; the upstream reads to EOF and only then
// answers, and the client gets the whole answer before the end.
func TestClientHalfCloseStillGetsTheReply(t *testing.T) {
	forEachMode(t, clientHalfClose)
}

func clientHalfClose(t *testing.T, splice bool) {
	ln := listen(t, 0)
	_, addr := startProxy(t, Config{Upstreams: []string{ln.Addr().String()}, Splice: splice})
	c := dial(t, addr)
	const request = "all of the request"
	const reply = 1 << 20
	upErr := make(chan error, 1)
	go func() {
		u, err := ln.Accept()
		if err != nil {
			upErr <- err
			return
		}
		defer u.Close()
		got, err := io.ReadAll(u) // until the forwarded FIN
		if err != nil || string(got) != request {
			upErr <- fmt.Errorf("upstream read %q, %v; want %q then EOF", got, err, request)
			return
		}
		upErr <- writePattern(u, reply, 64<<10)
	}()
	if _, err := c.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := readPattern(c, reply); err != nil {
		t.Fatal(err)
	}
	if err := <-upErr; err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after the reply: read %d bytes, %v; want EOF", n, err)
	}
}

// TestUpstreamHalfCloseLetsTheClientFinish: the upstream sends a banner
// and shuts down its sending side; the client sees the banner and EOF,
// then still sends, and the upstream gets it.
func TestUpstreamHalfCloseLetsTheClientFinish(t *testing.T) {
	forEachMode(t, upstreamHalfClose)
}

func upstreamHalfClose(t *testing.T, splice bool) {
	ln := listen(t, 0)
	_, addr := startProxy(t, Config{Upstreams: []string{ln.Addr().String()}, Splice: splice})
	c := dial(t, addr)
	const banner = "hello, and that is all from me"
	const upload = 2 << 20
	upErr := make(chan error, 1)
	go func() {
		u, err := ln.Accept()
		if err != nil {
			upErr <- err
			return
		}
		defer u.Close()
		u.SetDeadline(time.Now().Add(testTimeout))
		if _, err := u.Write([]byte(banner)); err != nil {
			upErr <- err
			return
		}
		if err := u.(*net.TCPConn).CloseWrite(); err != nil {
			upErr <- err
			return
		}
		if err := readPattern(u, upload); err != nil {
			upErr <- fmt.Errorf("upstream: %w", err)
			return
		}
		if n, err := u.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			upErr <- fmt.Errorf("upstream after the upload: read %d bytes, %v; want EOF", n, err)
			return
		}
		upErr <- nil
	}()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != banner {
		t.Fatalf("client read %q, %v; want %q then EOF", got, err, banner)
	}
	if err := writePattern(c, upload, 64<<10); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := <-upErr; err != nil {
		t.Fatal(err)
	}
}

// TestClosingOneSideClosesTheOther: a client that closes ends its
// upstream connection, and an upstream that resets ends the client's.
func TestClosingOneSideClosesTheOther(t *testing.T) {
	ln := listen(t, 0)
	p, addr := startProxy(t, Config{Upstreams: []string{ln.Addr().String()}})

	c := dial(t, addr)
	u := accept(t, ln)
	c.SetLinger(0)
	c.Close() // a reset: no orderly half-close to forward
	if n, err := u.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("upstream read %d bytes, %v after the client reset; want it closed", n, err)
	}

	c = dial(t, addr)
	u = accept(t, ln)
	u.(*net.TCPConn).SetLinger(0)
	u.Close()
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("client read %d bytes, %v after the upstream reset; want it closed", n, err)
	}
	waitFor(t, "both sessions have ended", func() bool {
		s := p.Stats()
		return s.Sessions == 0 && s.Upstreams[0].Active == 0
	})
}

// TestSlowConsumerKeepsMemoryBounded: a receiver that stops reading makes
// the proxy stop reading the sender instead of buffering, in either
// direction, so what the sender manages to write is bounded by socket
// buffers plus the high water mark; once the receiver reads again, every
// byte arrives.
func TestSlowConsumerKeepsMemoryBounded(t *testing.T) {
	const (
		sockBuf = 64 << 10
		low     = 32 << 10
		high    = 128 << 10
		total   = 64 << 20 // what an unbounded proxy would take in at once
		bound   = 2 << 20  // generous: socket buffers + high + one read
	)
	forEachMode(t, func(t *testing.T, splice bool) {
		slowConsumer(t, splice, sockBuf, low, high, total, bound)
	})
}

func slowConsumer(t *testing.T, splice bool, sockBuf, low, high int, total, bound int64) {
	for _, dir := range []string{"upload", "download"} {
		t.Run(dir, func(t *testing.T) {
			ln := listen(t, sockBuf)
			_, addr := startProxy(t, Config{Upstreams: []string{ln.Addr().String()}, HighWater: high, LowWater: low, Splice: splice},
				netloop.WithSocketBuffers(sockBuf, sockBuf))
			c := dial(t, addr)
			c.SetReadBuffer(sockBuf)
			c.SetWriteBuffer(sockBuf)
			u := accept(t, ln).(*net.TCPConn)
			u.SetWriteBuffer(sockBuf)
			sender, receiver := net.Conn(c), net.Conn(u)
			if dir == "download" {
				sender, receiver = u, c
			}
			var written atomic.Int64
			werr := make(chan error, 1)
			go func() { werr <- writePattern(&countingWriter{sender, &written}, total, 64<<10) }()

			// Wait until the sender is stuck: nothing more written for a
			// while although the receiver has not read a byte.
			last, still := int64(-1), 0
			waitFor(t, "the sender is held back", func() bool {
				n := written.Load()
				if n == last {
					still++
				} else {
					last, still = n, 0
				}
				return still >= 40 || n >= total // 200 ms without progress
			})
			if n := written.Load(); n > bound {
				t.Fatalf("the sender wrote %d KiB to a receiver that reads nothing; want at most %d KiB buffered",
					n>>10, bound>>10)
			} else {
				t.Logf("held back after %d KiB", n>>10)
			}
			if err := readPattern(receiver, total); err != nil {
				t.Fatal(err)
			}
			if err := <-werr; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSlowClientDoesNotDeadlockAnEchoUpstream: a client that writes a
// lot before it reads fills every buffer on the way to an echo server
// that stops reading while it cannot write. The proxy must go on reading
// the echo server as long as the client can take its bytes, even while
// the echo server is not reading from the proxy; once the client reads,
// everything flows. (netloop's own rule, stop reading a connection whose
// outbound is full, deadlocks here.)
func TestSlowClientDoesNotDeadlockAnEchoUpstream(t *testing.T) {
	const size, sockBuf = 16 << 20, 64 << 10
	small := netloop.WithSocketBuffers(sockBuf, sockBuf) // buffers fill sooner
	// An echo server quick to stop reading, and engine water marks below
	// the proxy's own: were netloop to stop reading the upstream
	// connection at its high mark, it would deadlock here.
	echoAddr := startEcho(t, small, netloop.WithWriteWaterMarks(1<<10, 4<<10))
	_, addr := startProxy(t, Config{Upstreams: []string{echoAddr}, HighWater: 1 << 20, LowWater: 256 << 10},
		small, netloop.WithWriteWaterMarks(16<<10, 512<<10))
	c := dial(t, addr)
	c.SetReadBuffer(sockBuf)
	c.SetWriteBuffer(sockBuf)
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a deadlock fails sooner
	var written atomic.Int64
	werr := make(chan error, 1)
	go func() { werr <- writePattern(&countingWriter{c, &written}, size, 256<<10) }()
	last, still := int64(-1), 0
	waitFor(t, "the client is held back or done", func() bool {
		n := written.Load()
		if n == last {
			still++
		} else {
			last, still = n, 0
		}
		return still >= 20 || n >= size
	})
	if err := readPattern(c, size); err != nil {
		t.Fatal(err)
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (cw *countingWriter) Write(b []byte) (int, error) {
	n, err := cw.w.Write(b)
	cw.n.Add(int64(n))
	return n, err
}

// TestThousandConcurrentConnections runs 1,000 clients at once through a
// proxy on two loops, each exchanging a few messages with the echo server
// behind it.
func TestThousandConcurrentConnections(t *testing.T) {
	forEachMode(t, thousandConnections)
}

func thousandConnections(t *testing.T, splice bool) {
	const conns, rounds, size = 1000, 3, 512
	p, addr := startProxy(t, Config{Upstreams: []string{startEcho(t), startEcho(t)}, Balance: LeastConn, Splice: splice},
		netloop.WithNumLoops(2))
	var (
		wg       sync.WaitGroup
		ready    sync.WaitGroup
		start    = make(chan struct{})
		failures = make(chan error, conns)
	)
	fdsBefore := openFds()
	clients := make([]net.Conn, conns)
	for i := range clients {
		clients[i] = dial(t, addr)
	}
	ready.Add(conns)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := bytes.Repeat([]byte{byte(i)}, size)
			got := make([]byte, size)
			ready.Done()
			<-start
			for r := range rounds {
				if _, err := c.Write(msg); err != nil {
					failures <- fmt.Errorf("client %d round %d: write: %w", i, r, err)
					return
				}
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					failures <- fmt.Errorf("client %d round %d: echo wrong or missing (%v)", i, r, err)
					return
				}
			}
		}()
	}
	ready.Wait()
	if s := p.Stats(); s.Accepted != conns {
		// Accepts are asynchronous; they have all been made by the time
		// the first echo comes back, so wait a moment for the count.
		waitFor(t, "every client is accepted", func() bool { return p.Stats().Accepted == conns })
	}
	close(start)
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	s := p.Stats()
	if s.Sessions != conns {
		t.Errorf("Sessions = %d, want %d", s.Sessions, conns)
	}
	if splice && s.Spliced != conns {
		t.Errorf("Spliced = %d, want %d", s.Spliced, conns)
	}
	if a, b := s.Upstreams[0].Active, s.Upstreams[1].Active; a+b != conns || a == 0 || b == 0 {
		t.Errorf("upstream connections %d + %d, want %d spread over both", a, b, conns)
	}
	for _, c := range clients {
		c.Close()
	}
	waitFor(t, "every session has ended", func() bool {
		s := p.Stats()
		return s.Sessions == 0 && s.Upstreams[0].Active+s.Upstreams[1].Active == 0
	})
	if splice {
		// Each spliced session had two pipes (four descriptors): all of
		// them are closed. A few descriptors of slack, for the runtime's
		// own (it opens cgroup files now and then).
		waitFor(t, "the descriptors are back to where they were", func() bool { return openFds() <= fdsBefore+8 })
	}
}

// TestBytesSentBeforeTheUpstreamOpensArrive: a client that writes and
// half-closes at once, before the upstream's connect completes, loses
// nothing; the bytes wait, bounded by MaxPending.
func TestBytesSentBeforeTheUpstreamOpensArrive(t *testing.T) {
	ln := listen(t, 0)
	_, addr := startProxy(t, Config{Upstreams: []string{ln.Addr().String()}, MaxPending: 1})
	const upload = 1 << 20
	c := dial(t, addr)
	werr := make(chan error, 1)
	go func() {
		err := writePattern(c, upload, 64<<10)
		if err == nil {
			err = c.CloseWrite()
		}
		werr <- err
	}()
	u := accept(t, ln)
	if err := readPattern(u, upload); err != nil {
		t.Fatal(err)
	}
	if n, err := u.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("upstream read %d bytes, %v after the upload; want EOF", n, err)
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
}
