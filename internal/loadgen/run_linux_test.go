package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testServer is a goroutine-per-connection echo server with a pluggable
// handler. It counts connections so tests can wait for it to go idle
// without sleeping.
type testServer struct {
	ln      net.Listener
	handle  func(net.Conn)
	wg      sync.WaitGroup
	mu      sync.Mutex
	cond    *sync.Cond
	conns   map[net.Conn]struct{}
	total   int // accepted so far
	remotes map[string]int
	closed  bool
}

func startServer(t *testing.T, network string, handle func(net.Conn)) *testServer {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "echo.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{ln: ln, handle: handle, conns: map[net.Conn]struct{}{}, remotes: map[string]int{}}
	s.cond = sync.NewCond(&s.mu)
	s.wg.Go(s.acceptLoop)
	t.Cleanup(s.close)
	return s
}

func (s *testServer) acceptLoop() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.total++
		if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
			s.remotes[ta.IP.String()]++
		}
		s.mu.Unlock()
		s.wg.Go(func() {
			defer func() {
				c.Close()
				s.mu.Lock()
				delete(s.conns, c)
				s.cond.Broadcast()
				s.mu.Unlock()
			}()
			s.handle(c)
		})
	}
}

func (s *testServer) addr() string { return s.ln.Addr().String() }

func (s *testServer) close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

// waitIdle blocks until n connections were accepted and all are closed
// again (the client closing makes the handlers return). A watchdog turns a
// leak into a failure instead of a hung test.
func (s *testServer) waitIdle(t *testing.T, n int) {
	t.Helper()
	timedOut := false
	watchdog := time.AfterFunc(10*time.Second, func() {
		s.mu.Lock()
		timedOut = true
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer watchdog.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for (s.total < n || len(s.conns) > 0) && !timedOut {
		s.cond.Wait()
	}
	if timedOut {
		t.Fatalf("server not idle: accepted %d of %d, %d still open", s.total, n, len(s.conns))
	}
}

// echo copies with a plain read/write loop: io.Copy between TCP conns
// splices through pooled pipes, which would look like an fd leak.
func echo(c net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// corruptAt echoes but flips every bit of the byte at stream offset off.
func corruptAt(off int64) func(net.Conn) {
	return func(c net.Conn) {
		buf := make([]byte, 4096)
		var pos int64
		for {
			n, err := c.Read(buf)
			if n > 0 {
				if off >= pos && off < pos+int64(n) {
					buf[off-pos] ^= 0xff
				}
				pos += int64(n)
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
}

// duplicate echoes every chunk twice.
func duplicate(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, err := c.Write(append(buf[:n:n], buf[:n]...)); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// checkClean asserts a successful run: messages flowed and nothing failed.
func checkClean(t *testing.T, res *Result) {
	t.Helper()
	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", text.String())
	if res.Latency.Count == 0 || res.Messages != res.Latency.Count {
		t.Errorf("messages %d, latency count %d: want equal and > 0", res.Messages, res.Latency.Count)
	}
	if res.Errors.Total() != 0 {
		t.Errorf("errors: %+v", res.Errors)
	}
	if res.Bytes != res.Messages*uint64(res.Size) {
		t.Errorf("bytes %d != messages %d * size %d", res.Bytes, res.Messages, res.Size)
	}
	l := res.Latency
	if !(l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max && l.P50 > 0) {
		t.Errorf("latency percentiles not ordered: %+v", l)
	}
	if res.Elapsed <= 0 || res.MsgsPerSec <= 0 || res.MBPerSec <= 0 {
		t.Errorf("rates not computed: elapsed %v, %v msg/s, %v MB/s", res.Elapsed, res.MsgsPerSec, res.MBPerSec)
	}
}

func TestRunClosedLoopPipelined(t *testing.T) {
	srv := startServer(t, "tcp", echo)
	before := countFDs(t)
	res := run(t, Config{
		Addr: srv.addr(), Conns: 8, Size: 1000, Pipeline: 4, Workers: 2,
		Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond,
	})
	checkClean(t, res)
	if res.Mode != "closed-loop" || res.Connected != 8 || res.Workers != 2 || res.Pipeline != 4 {
		t.Errorf("unexpected result header: %+v", res)
	}
	// No fd may outlive Run: once the server has seen every connection
	// close, the count must be back where it started.
	srv.waitIdle(t, 8)
	if after := countFDs(t); after != before {
		t.Errorf("fd leak: %d open before, %d after", before, after)
	}

	var back Result
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &back); err != nil || back.Messages != res.Messages || back.Latency != res.Latency {
		t.Errorf("JSON round trip lost data (%v): %s", err, data)
	}
}

func TestRunOpenLoop(t *testing.T) {
	srv := startServer(t, "tcp", echo)
	res := run(t, Config{
		Addr: srv.addr(), Conns: 4, Size: 100, Rate: 2000,
		Duration: 300 * time.Millisecond,
	})
	checkClean(t, res)
	if res.Mode != "open-loop" || res.Rate != 2000 {
		t.Errorf("unexpected result header: %+v", res)
	}
}

func TestRunUnixSocket(t *testing.T) {
	srv := startServer(t, "unix", echo)
	res := run(t, Config{
		Network: "unix", Addr: srv.addr(), Conns: 3, Size: 10, Pipeline: 2,
		Duration: 300 * time.Millisecond,
	})
	checkClean(t, res)
}

func TestRunLocalAddrs(t *testing.T) {
	srv := startServer(t, "tcp", echo)
	res := run(t, Config{
		Addr: srv.addr(), Conns: 4, Size: 32, LocalAddrs: []string{"127.0.0.2", "127.0.0.3"},
		Duration: 300 * time.Millisecond,
	})
	checkClean(t, res)
	srv.waitIdle(t, 4)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.remotes["127.0.0.2"] != 2 || srv.remotes["127.0.0.3"] != 2 {
		t.Errorf("source addresses seen by the server: %v", srv.remotes)
	}
}

func TestRunDetectsCorruption(t *testing.T) {
	const off = 10
	srv := startServer(t, "tcp", corruptAt(off))
	res := run(t, Config{Addr: srv.addr(), Conns: 2, Size: 64, Duration: 300 * time.Millisecond})
	if res.Errors.Verify == 0 || len(res.Errors.VerifyFailures) == 0 {
		t.Fatalf("corruption not detected: %+v", res.Errors)
	}
	for _, v := range res.Errors.VerifyFailures {
		if v.Offset != off || v.Want^v.Got != 0xff || v.Conn < 0 || v.Conn >= 2 {
			t.Errorf("bad failure report: %v", v)
		}
	}
	// Only the corrupted message fails; the connection carries on.
	if res.Errors.Verify > 2 || res.Messages == 0 {
		t.Errorf("verify errors %d, messages %d", res.Errors.Verify, res.Messages)
	}
}

func TestRunDetectsDuplicatedEcho(t *testing.T) {
	srv := startServer(t, "tcp", duplicate)
	res := run(t, Config{Addr: srv.addr(), Conns: 2, Size: 64, Duration: 300 * time.Millisecond})
	if res.Errors.Verify == 0 {
		t.Fatalf("duplicated echo not detected: %+v", res.Errors)
	}
}

func TestRunServerClosesConnections(t *testing.T) {
	srv := startServer(t, "tcp", func(net.Conn) {}) // handler returns: close at once
	before := countFDs(t)
	// A long duration: the run must end by itself once every connection
	// has failed, not wait it out.
	res := run(t, Config{Addr: srv.addr(), Conns: 4, Size: 64, Duration: time.Minute})
	e := res.Errors
	if e.Closed+e.Reset != 4 || e.First == "" {
		t.Fatalf("want 4 closed/reset errors, got %+v", e)
	}
	srv.waitIdle(t, 4)
	if after := countFDs(t); after != before {
		t.Errorf("fd leak: %d open before, %d after", before, after)
	}
}

func TestRunCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	srv := startServer(t, "tcp", func(c net.Conn) {
		buf := make([]byte, 64)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
			once.Do(cancel) // Ctrl-C once traffic flows
		}
	})
	res, err := Run(ctx, Config{Addr: srv.addr(), Conns: 2, Size: 64, Duration: time.Minute}, io.Discard)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !res.Interrupted || res.Errors.Total() != 0 {
		t.Fatalf("want an interrupted clean result, got %+v", res)
	}
}

func TestRunCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, Config{Addr: "127.0.0.1:1", Conns: 1, Size: 1, Duration: time.Second}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}

func TestRunConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	before := countFDs(t)
	_, err = Run(context.Background(), Config{Addr: addr, Conns: 3, Size: 8, Duration: time.Second}, nil)
	if !errors.Is(err, ErrNoConnections) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Run = %v, want ErrNoConnections wrapping ECONNREFUSED", err)
	}
	if after := countFDs(t); after != before {
		t.Errorf("fd leak: %d open before, %d after", before, after)
	}
}

func TestRunInvalidConfig(t *testing.T) {
	_, err := Run(context.Background(), Config{Addr: "x:1", Size: 1, Duration: time.Second}, nil)
	if !errors.Is(err, ErrInvalidConfig) || err.Error() != "loadgen: conns must be > 0" {
		t.Fatalf("Run = %v", err)
	}
}

// Progress lines come from a separate goroutine reading what the workers
// publish; run it (under -race in CI) with a short interval.
func TestRunProgress(t *testing.T) {
	defer func(d time.Duration) { progressInterval = d }(progressInterval)
	progressInterval = 20 * time.Millisecond
	srv := startServer(t, "tcp", echo)
	var out bytes.Buffer
	res, err := Run(context.Background(), Config{Addr: srv.addr(), Conns: 2, Size: 64, Rate: 1000, Workers: 2, Duration: 300 * time.Millisecond}, &out)
	if err != nil {
		t.Fatal(err)
	}
	checkClean(t, res)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	t.Logf("%d progress lines, last: %q", len(lines), lines[len(lines)-1])
	for _, l := range lines {
		if l != "" && !progressRE.MatchString(l) {
			t.Errorf("malformed progress line %q", l)
		}
	}
}

var progressRE = regexp.MustCompile(`^ +\d+\.\ds +\d+ msg/s +\d+\.\d\d MB/s  p99 \S+ +errors \d+$`)

func TestProgressLineFormat(t *testing.T) {
	var b bytes.Buffer
	progressLine{elapsed: 2 * time.Second, interval: time.Second, msgs: 1500, bytes: 3e6, p99: 1234 * time.Microsecond, errors: 3}.write(&b)
	want := "    2.0s         1500 msg/s       3.00 MB/s  p99 1.23ms     errors 3\n"
	if b.String() != want {
		t.Fatalf("got  %q\nwant %q", b.String(), want)
	}
}
