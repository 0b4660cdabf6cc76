package netloop

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"
)

// producer streams total bytes of pattern to each connection, in chunks,
// only while the connection is writable, as a well-behaved push server
// does; it records the largest outbound buffer it ever saw.
type producer struct {
	BuiltinHandler
	chunk, total int
	data         []byte
	mu           sync.Mutex
	maxPending   int
	pauses       int
}

type progress struct{ sent int }

func (p *producer) OnOpen(c Conn) ([]byte, Action) {
	c.SetContext(&progress{})
	p.produce(c)
	return nil, None
}

func (p *producer) OnWritabilityChanged(c Conn, writable bool) {
	if writable {
		p.produce(c)
		return
	}
	p.mu.Lock()
	p.pauses++
	p.mu.Unlock()
}

func (p *producer) produce(c Conn) {
	st := c.Context().(*progress)
	for st.sent < p.total && c.Writable() {
		off := st.sent % len(p.data)
		n := min(p.chunk, p.total-st.sent, len(p.data)-off)
		if _, err := c.Write(p.data[off : off+n]); err != nil {
			return
		}
		st.sent += n
		p.mu.Lock()
		p.maxPending = max(p.maxPending, c.OutboundBuffered())
		p.mu.Unlock()
	}
}

// TestBackpressureBoundsOutboundForASlowReader streams 1 GiB to a client
// that reads slowly: the server's buffer never exceeds the high water
// mark by more than one chunk, and every byte arrives in order.
func TestBackpressureBoundsOutboundForASlowReader(t *testing.T) {
	total := 1 << 30
	if testing.Short() {
		total = 64 << 20
	}
	const high, low, chunk = 256 << 10, 64 << 10, 16 << 10
	p := &producer{chunk: chunk, total: total, data: pattern(251 * 4096)}
	_, addr := serveOne(t, p, "tcp://127.0.0.1:0", WithWriteWaterMarks(low, high))
	c := dial(t, addr)
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	buf := make([]byte, len(p.data))
	for got := 0; got < total; {
		n := min(len(buf), total-got)
		if _, err := io.ReadFull(c, buf[:n]); err != nil {
			t.Fatalf("after %d bytes: %v", got, err)
		}
		if !bytes.Equal(buf[:n], p.data[:n]) {
			t.Fatalf("bytes %d..%d differ", got, got+n)
		}
		got += n
		if got%(64<<20) == 0 {
			time.Sleep(10 * time.Millisecond) // be a slow reader now and then
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.maxPending > high+chunk {
		t.Errorf("outbound buffer reached %d bytes, want at most high water %d + one chunk", p.maxPending, high)
	}
	if p.pauses == 0 {
		t.Error("the producer was never paused; the test did not exercise backpressure")
	}
	t.Logf("largest outbound buffer %d B, %d pauses", p.maxPending, p.pauses)
}

// watchedEcho echoes and reports its buffering and pauses.
type watchedEcho struct {
	BuiltinHandler
	mu         sync.Mutex
	maxPending int
	paused     chan struct{}
	once       sync.Once
}

func (w *watchedEcho) OnTraffic(c Conn) Action {
	c.WriteTo(c)
	w.mu.Lock()
	w.maxPending = max(w.maxPending, c.OutboundBuffered())
	w.mu.Unlock()
	return None
}

func (w *watchedEcho) OnWritabilityChanged(c Conn, writable bool) {
	if !writable {
		w.once.Do(func() { close(w.paused) })
	}
}

// TestEchoStopsReadingFromAClientThatDoesNotRead writes 128 MiB to an
// echo server without reading the echo: the server stops reading once
// its buffer passes the default high water mark, so its memory stays
// flat, and when the client finally reads, nothing is lost.
func TestEchoStopsReadingFromAClientThatDoesNotRead(t *testing.T) {
	const total = 128 << 20
	h := &watchedEcho{paused: make(chan struct{})}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	data := pattern(total)
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		werr <- err
	}()
	select {
	case <-h.paused:
	case <-time.After(testTimeout):
		t.Fatal("the server never paused reading")
	}
	got := make([]byte, total)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read echo: %v", err)
	}
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	if i := firstDiff(got, data); i >= 0 {
		t.Fatalf("echo differs at byte %d", i)
	}
	o := defaultOptions()
	h.mu.Lock()
	defer h.mu.Unlock()
	if limit := o.WriteHighWater + o.ReadBufferSize; h.maxPending > limit {
		t.Errorf("echo buffered %d bytes, want at most high water + one read (%d)", h.maxPending, limit)
	}
}

// TestMaxOutboundRejectsRunawayWrites checks the hard cap for producers
// that ignore writability.
func TestMaxOutboundRejectsRunawayWrites(t *testing.T) {
	errs := make(chan error, 1)
	h := &writeUntilFull{errs: errs}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0", WithMaxOutbound(4<<20), WithWriteWaterMarks(1<<20, 2<<20))
	dial(t, addr)
	if err := <-errs; err != ErrOutboundFull {
		t.Errorf("runaway write = %v, want ErrOutboundFull", err)
	}
}

type writeUntilFull struct {
	BuiltinHandler
	errs chan error
}

func (w *writeUntilFull) OnOpen(c Conn) ([]byte, Action) {
	chunk := make([]byte, 1<<20)
	for i := 0; i < 64; i++ {
		if _, err := c.Write(chunk); err != nil {
			w.errs <- err
			return nil, Close
		}
	}
	w.errs <- nil
	return nil, Close
}

func TestWaterMarkValidation(t *testing.T) {
	for _, wm := range [][2]int{{-1, 10}, {10, 5}, {0, 0}} {
		if err := Run(BuiltinHandler{}, "tcp://127.0.0.1:0", WithWriteWaterMarks(wm[0], wm[1])); err == nil {
			t.Errorf("water marks %v accepted", wm)
		}
	}
}

// relaySide fills its outbound past the high mark on open, then reports
// whatever it still reads.
type relaySide struct {
	BuiltinHandler
	pause bool
	got   chan string
	state chan bool // Writable() right after the big write
}

func (r *relaySide) OnOpen(c Conn) ([]byte, Action) {
	c.SetPauseOnHighWater(r.pause)
	c.SetWriteWaterMarks(16<<10, 64<<10)
	c.Write(pattern(32 << 20)) // far more than the socket buffers take
	r.state <- c.Writable()
	return nil, None
}

func (r *relaySide) OnTraffic(c Conn) Action {
	b, _ := c.Next(-1)
	r.got <- string(b)
	return None
}

// TestPauseOnHighWaterCanBeTurnedOff shows the two behaviours above the
// high water mark: by default netloop stops reading the connection; with
// SetPauseOnHighWater(false), as a relay needs, it keeps reading.
func TestPauseOnHighWaterCanBeTurnedOff(t *testing.T) {
	for _, pause := range []bool{true, false} {
		r := &relaySide{pause: pause, got: make(chan string, 4), state: make(chan bool, 1)}
		_, addr := serveOne(t, r, "tcp://127.0.0.1:0")
		c := dial(t, addr)
		if <-r.state {
			t.Fatal("still writable after 32 MiB the peer does not read")
		}
		c.Write([]byte("ping"))
		select {
		case got := <-r.got:
			if pause {
				t.Errorf("read %q while above the high water mark with pausing on", got)
			}
		case <-time.After(200 * time.Millisecond): // a window for the read to show
			if !pause {
				t.Error("did not read while above the high water mark with pausing off")
			}
		}
	}
}
