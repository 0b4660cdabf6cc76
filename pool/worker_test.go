package pool

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// testTimeout bounds every wait, so that a hang fails with a message.
const testTimeout = 30 * time.Second

func newTestPool(t *testing.T, opts ...Option) *WorkerPool {
	t.Helper()
	p, err := NewWorkerPool(opts...)
	if err != nil {
		t.Fatalf("NewWorkerPool: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := p.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// blocker is a task that reports when it starts and returns when released.
type blocker struct {
	started chan struct{}
	release chan struct{}
	done    atomic.Bool
}

func newBlocker() *blocker {
	return &blocker{started: make(chan struct{}), release: make(chan struct{})}
}

func (b *blocker) run() {
	close(b.started)
	<-b.release
	b.done.Store(true)
}

// fill occupies the only worker of a pool with one queue slot, and the
// slot, and returns the blocker holding the worker.
func fill(t *testing.T, p *WorkerPool, queued func()) *blocker {
	t.Helper()
	b := newBlocker()
	if err := p.TrySubmit(b.run); err != nil {
		t.Fatalf("TrySubmit to an empty pool: %v", err)
	}
	wait(t, b.started, "the first task to start")
	if err := p.TrySubmit(queued); err != nil {
		t.Fatalf("TrySubmit with a free queue slot: %v", err)
	}
	return b
}

func TestNewWorkerPoolRejectsNonsense(t *testing.T) {
	for _, opt := range []Option{WithWorkers(0), WithQueueLen(-1), WithIdleTimeout(-time.Second)} {
		if _, err := NewWorkerPool(opt); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("NewWorkerPool: error %v, want ErrInvalidOption", err)
		}
	}
}

func TestTrySubmitFailsWithErrQueueFull(t *testing.T) {
	p := newTestPool(t, WithWorkers(1), WithQueueLen(1))
	queuedRan := make(chan struct{})
	b := fill(t, p, func() { close(queuedRan) })
	if r, w := p.Running(), p.Waiting(); r != 1 || w != 1 {
		t.Errorf("Running, Waiting = %d, %d; want 1, 1", r, w)
	}
	if err := p.TrySubmit(func() { t.Error("a rejected task ran") }); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("TrySubmit to a full pool: %v, want ErrQueueFull", err)
	}
	close(b.release)
	wait(t, queuedRan, "the queued task to run")
}

func TestSubmitWaitsForRoom(t *testing.T) {
	p := newTestPool(t, WithWorkers(1), WithQueueLen(1))
	b := fill(t, p, func() {})
	ran := make(chan struct{})
	res := make(chan error, 1)
	go func() { res <- p.Submit(context.Background(), func() { close(ran) }) }()
	select {
	case err := <-res:
		t.Fatalf("Submit to a full pool returned %v before room was made", err)
	default:
	}
	close(b.release)
	if err := wait(t, res, "Submit to return"); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	wait(t, ran, "the waiting task to run")
}

// TestSubmitWithoutQueueWaitsForAWorker: with QueueLen 0 there is no slot
// to wait for; a worker freeing up is the room.
func TestSubmitWithoutQueueWaitsForAWorker(t *testing.T) {
	p := newTestPool(t, WithWorkers(1), WithQueueLen(0))
	b := newBlocker()
	if err := p.TrySubmit(b.run); err != nil {
		t.Fatal(err)
	}
	wait(t, b.started, "the first task to start")
	if err := p.TrySubmit(func() {}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("TrySubmit with the only worker busy and no queue: %v, want ErrQueueFull", err)
	}
	ran := make(chan struct{})
	res := make(chan error, 1)
	go func() { res <- p.Submit(context.Background(), func() { close(ran) }) }()
	close(b.release)
	if err := wait(t, res, "Submit to return"); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	wait(t, ran, "the waiting task to run")
}

func TestSubmitHonoursContext(t *testing.T) {
	p := newTestPool(t, WithWorkers(1), WithQueueLen(1))
	b := fill(t, p, func() {})
	defer close(b.release)

	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() { res <- p.Submit(ctx, func() { t.Error("a cancelled task ran") }) }()
	cancel()
	if err := wait(t, res, "Submit to return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Submit with a cancelled context: %v, want context.Canceled", err)
	}
	// An already expired context fails even when there is room.
	ctx, cancel = context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	if err := newTestPool(t).Submit(ctx, func() {}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Submit with an expired context: %v, want context.DeadlineExceeded", err)
	}
}

func TestPanicInTaskIsRecoveredAndReported(t *testing.T) {
	type report struct {
		v     any
		stack string
	}
	reports := make(chan report, 1)
	p := newTestPool(t, WithWorkers(1), WithPanicHandler(func(v any, stack []byte) {
		reports <- report{v, string(stack)}
	}))
	if err := p.TrySubmit(func() { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	r := wait(t, reports, "the panic report")
	if r.v != "boom" || !strings.Contains(r.stack, "TestPanicInTaskIsRecoveredAndReported") {
		t.Errorf("reported %v with stack\n%s\nwant boom with this test in the stack", r.v, r.stack)
	}
	// The worker survived and runs the next task.
	ran := make(chan struct{})
	if err := p.Submit(context.Background(), func() { close(ran) }); err != nil {
		t.Fatal(err)
	}
	wait(t, ran, "a task after the panic")
	if n := p.Workers(); n != 1 {
		t.Errorf("Workers = %d after a panic, want 1", n)
	}
}

func TestGoexitInTaskKeepsWorkerSlot(t *testing.T) {
	p := newTestPool(t, WithWorkers(1))
	if err := p.TrySubmit(runtime.Goexit); err != nil {
		t.Fatal(err)
	}
	ran := make(chan struct{})
	if err := p.Submit(context.Background(), func() { close(ran) }); err != nil {
		t.Fatal(err)
	}
	wait(t, ran, "a task after runtime.Goexit")
	if n := p.Workers(); n != 1 {
		t.Errorf("Workers = %d, want 1", n)
	}
}

func TestCloseWaitsForAcceptedTasksAndRejectsNewOnes(t *testing.T) {
	p := newTestPool(t, WithWorkers(1), WithQueueLen(1))
	var queuedDone atomic.Bool
	b := fill(t, p, func() { queuedDone.Store(true) })

	// A Submit waiting for room when Close comes gets ErrClosed.
	res := make(chan error, 1)
	go func() { res <- p.Submit(context.Background(), func() { t.Error("a rejected task ran") }) }()

	// Close with an expired context returns at once, but the pool is
	// closed from then on; the running and queued tasks carry on.
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Close(expired); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close with a cancelled context while a task runs: %v, want context.Canceled", err)
	}
	if err := wait(t, res, "the waiting Submit to return"); !errors.Is(err, ErrClosed) {
		t.Errorf("Submit waiting when the pool closed: %v, want ErrClosed", err)
	}
	if err := p.TrySubmit(func() {}); !errors.Is(err, ErrClosed) {
		t.Errorf("TrySubmit after Close: %v, want ErrClosed", err)
	}
	if err := p.Submit(context.Background(), func() {}); !errors.Is(err, ErrClosed) {
		t.Errorf("Submit after Close: %v, want ErrClosed", err)
	}

	closed := make(chan error, 1)
	go func() { closed <- p.Close(context.Background()) }()
	close(b.release)
	if err := wait(t, closed, "Close to return"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !b.done.Load() || !queuedDone.Load() {
		t.Errorf("Close returned before its tasks: running one done %v, queued one done %v", b.done.Load(), queuedDone.Load())
	}
	if n := p.Workers(); n != 0 {
		t.Errorf("Workers = %d after Close, want 0", n)
	}
}

// TestCloseRunsEveryAcceptedTask closes the pool while many goroutines
// submit: every submission that returned nil must have run exactly once,
// and no other.
func TestCloseRunsEveryAcceptedTask(t *testing.T) {
	p := newTestPool(t, WithWorkers(4), WithQueueLen(8))
	var accepted, ran atomic.Int64
	task := func() { ran.Add(1) }
	halfway := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 200 {
				var err error
				if g%2 == 0 {
					err = p.TrySubmit(task)
				} else {
					err = p.Submit(context.Background(), task)
				}
				switch {
				case err == nil:
					// The Submit half alone accepts 800, so this comes.
					if accepted.Add(1) == 400 {
						close(halfway)
					}
				case errors.Is(err, ErrQueueFull), errors.Is(err, ErrClosed):
				default:
					t.Errorf("submit: %v", err)
				}
			}
		})
	}
	<-halfway
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	if a, r := accepted.Load(), ran.Load(); a != r {
		t.Fatalf("%d tasks accepted, %d ran", a, r)
	}
	t.Logf("%d of %d submissions accepted, the rest refused (full or closed)", accepted.Load(), 8*200)
}

func TestIdleWorkersExpireDownToOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, err := NewWorkerPool(WithWorkers(3), WithIdleTimeout(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		// Three tasks at once need three workers.
		release := make(chan struct{})
		for range 3 {
			if err := p.TrySubmit(func() { <-release }); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if r, n := p.Running(), p.Workers(); r != 3 || n != 3 {
			t.Fatalf("Running, Workers = %d, %d; want 3, 3", r, n)
		}
		close(release)
		synctest.Wait()
		time.Sleep(time.Second) // fake time: idle for exactly the timeout
		synctest.Wait()
		if n := p.Workers(); n != 3 {
			t.Fatalf("Workers = %d after IdleTimeout, want 3 (no worker goes early)", n)
		}
		time.Sleep(time.Second / 4) // the reaper's next look
		synctest.Wait()
		if n := p.Workers(); n != 1 {
			t.Fatalf("Workers = %d at 1.25 x IdleTimeout, want 1 (the last stays)", n)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSubmitNilTaskPanics(t *testing.T) {
	p := newTestPool(t)
	defer func() {
		if recover() == nil {
			t.Error("TrySubmit(nil) did not panic")
		}
	}()
	p.TrySubmit(nil)
}

func BenchmarkWorkerPoolSubmit(b *testing.B) {
	p, err := NewWorkerPool(WithWorkers(runtime.GOMAXPROCS(0)))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(context.Background())
	var wg sync.WaitGroup
	task := func() { wg.Done() }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			wg.Add(1)
			if err := p.Submit(context.Background(), task); err != nil {
				b.Error(err)
				wg.Done()
			}
		}
	})
	wg.Wait()
}

// BenchmarkGoStatement is the baseline: a goroutine per task.
func BenchmarkGoStatement(b *testing.B) {
	var wg sync.WaitGroup
	task := func() { wg.Done() }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			wg.Add(1)
			go task()
		}
	})
	wg.Wait()
}

// BenchmarkWorkerPoolHandoff submits one task at a time and waits for it,
// as a server does that hands each request to a worker: the cost of
// waking an idle worker and hearing back from it.
func BenchmarkWorkerPoolHandoff(b *testing.B) {
	p, err := NewWorkerPool(WithWorkers(4))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(context.Background())
	done := make(chan struct{})
	task := func() { done <- struct{}{} }
	b.ReportAllocs()
	for b.Loop() {
		if err := p.TrySubmit(task); err != nil {
			b.Fatal(err)
		}
		<-done
	}
}

// TestIdleCountsFromTheLastTask: of four workers idle since the start,
// two that ran a task 0.6 s in outlive the other two, and the last worker
// stays.
func TestIdleCountsFromTheLastTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, err := NewWorkerPool(WithWorkers(4), WithIdleTimeout(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(context.Background())
		busy := func(n int) {
			release := make(chan struct{})
			for range n {
				if err := p.TrySubmit(func() { <-release }); err != nil {
					t.Fatal(err)
				}
			}
			synctest.Wait()
			close(release)
			synctest.Wait()
		}
		busy(4)
		time.Sleep(600 * time.Millisecond)
		busy(2) // the two most recently idle workers
		if n := p.Workers(); n != 4 {
			t.Fatalf("Workers = %d, want 4", n)
		}
		time.Sleep(650 * time.Millisecond) // 1.25 s: the first two have idled 1.25 s
		synctest.Wait()
		if n := p.Workers(); n != 2 {
			t.Fatalf("Workers = %d at 1.25 s, want 2", n)
		}
		time.Sleep(500 * time.Millisecond) // 1.75 s: the others have idled 1.15 s
		synctest.Wait()
		if n := p.Workers(); n != 1 {
			t.Fatalf("Workers = %d at 1.75 s, want 1 (the last stays)", n)
		}
	})
}
