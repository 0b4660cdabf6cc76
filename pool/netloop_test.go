package pool_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/pool"
)

// testTimeout bounds every wait, so that a hang fails with a message.
const testTimeout = 30 * time.Second

// slowServer answers "ping" on the event loop at once and hands every other
// line to a worker pool, which replies after blocking work.
type slowServer struct {
	netloop.BuiltinHandler
	workers *pool.WorkerPool
	work    func(req string) // the blocking work, run on a worker
	booted  chan netloop.Engine
}

func (s *slowServer) OnBoot(eng netloop.Engine) netloop.Action {
	s.booted <- eng
	return netloop.None
}

func (s *slowServer) OnTraffic(c netloop.Conn) netloop.Action {
	for {
		buf, _ := c.Peek(-1)
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return netloop.None // wait for the rest of the line
		}
		req := string(buf[:i]) // a copy: the view dies with the callback
		c.Discard(i + 1)
		if req == "ping" {
			c.Write([]byte("pong\n"))
			continue
		}
		err := s.workers.TrySubmit(func() {
			s.work(req)
			c.AsyncWrite([]byte("done "+req+"\n"), nil)
		})
		if err != nil { // never block the loop: refuse instead
			c.Write([]byte("error " + err.Error() + "\n"))
		}
	}
}

// serve runs h on a loopback port the kernel picks and stops it when the
// test ends.
func serve(t *testing.T, h *slowServer) net.Addr {
	t.Helper()
	runErr := make(chan error, 1)
	go func() { runErr <- netloop.Run(h, "tcp://127.0.0.1:0") }()
	var eng netloop.Engine
	select {
	case eng = <-h.booted:
	case err := <-runErr:
		t.Fatalf("netloop.Run: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			t.Errorf("Engine.Stop: %v", err)
		}
		if err := <-runErr; err != nil {
			t.Errorf("netloop.Run returned %v", err)
		}
	})
	return eng.Addrs()[0]
}

func dial(addr net.Addr) (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout(addr.Network(), addr.String(), testTimeout)
	if err != nil {
		return nil, nil, err
	}
	c.SetDeadline(time.Now().Add(testTimeout))
	return c, bufio.NewReader(c), nil
}

// TestSlowTasksDoNotDelayTheLoop is the worker pool's reason to exist: 1,000
// clients each send a request whose handling blocks for 100 ms, and while
// all 1,000 are blocked a "ping" on another connection is answered by the
// event loop at once.
//
// Sizing: 1,000 workers, one per request, so that all the sleeps overlap
// and every reply comes about 100 ms after the ping. With W workers the
// requests would take ceil(1000/W) rounds of 100 ms and the queue would
// have to hold the other 1000-W, or TrySubmit would refuse them.
//
// Ordering, not timing: the ping goes out only once every task has
// started, and the tasks may reply only once the pong has come back. So the
// ping is provably answered while 1,000 tasks are in flight, on any machine
// however loaded; a loop that ran the tasks itself would never answer it.
func TestSlowTasksDoNotDelayTheLoop(t *testing.T) {
	const clients = 1000
	workers, err := pool.NewWorkerPool(pool.WithWorkers(clients))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := workers.Close(ctx); err != nil {
			t.Errorf("WorkerPool.Close: %v", err)
		}
	})

	var started atomic.Int64
	allStarted := make(chan struct{})
	pongSeen := make(chan struct{})
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(pongSeen) }) }
	srv := &slowServer{
		workers: workers,
		booted:  make(chan netloop.Engine, 1),
		work: func(string) {
			if started.Add(1) == clients {
				close(allStarted)
			}
			time.Sleep(100 * time.Millisecond) // the blocking work of the issue
			<-pongSeen
		},
	}
	addr := serve(t, srv)
	t.Cleanup(release) // runs first: lets the tasks end if the test failed

	ping, pingR, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ping.Close()

	begin := time.Now()
	var replied atomic.Int64
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			c, r, err := dial(addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			if _, err := fmt.Fprintf(c, "req%d\n", i); err != nil {
				errs <- fmt.Errorf("client %d: write: %w", i, err)
				return
			}
			line, err := r.ReadString('\n')
			if want := fmt.Sprintf("done req%d\n", i); line != want || err != nil {
				errs <- fmt.Errorf("client %d: got %q, %v; want %q", i, line, err, want)
				return
			}
			replied.Add(1)
		})
	}

	select {
	case <-allStarted:
	case err := <-errs:
		t.Fatalf("before all %d tasks started: %v", clients, err)
	case <-time.After(testTimeout):
		t.Fatalf("only %d of %d tasks started", started.Load(), clients)
	}
	if _, err := ping.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	pong, err := pingR.ReadString('\n')
	if pong != "pong\n" || err != nil {
		t.Fatalf("ping with %d tasks in flight: got %q, %v; want \"pong\\n\"", clients, pong, err)
	}
	pingTime := time.Since(begin)
	repliedBeforePong := replied.Load()
	release()

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := replied.Load(); n != clients {
		t.Fatalf("%d of %d clients got their reply", n, clients)
	}
	if repliedBeforePong >= clients {
		t.Fatalf("the pong came after all %d slow replies", clients)
	}
	t.Logf("pong after %v with %d of %d slow replies in; all replies after %v",
		pingTime, repliedBeforePong, clients, time.Since(begin))
}
