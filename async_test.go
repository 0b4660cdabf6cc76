package netloop

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAsyncWriteKeepsPerGoroutineOrder writes numbered records to one
// connection from 100 goroutines at once and checks that each goroutine's
// records arrive in the order it wrote them, and that every callback ran
// once, with no error.
func TestAsyncWriteKeepsPerGoroutineOrder(t *testing.T) {
	const writers, perWriter = 100, 200
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0", WithNumLoops(2))
	c := dial(t, addr)
	readString(t, c, 3)
	sc := <-r.opened

	var callbacks, failures atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 0; seq < perWriter; seq++ {
				rec := make([]byte, 8)
				binary.BigEndian.PutUint32(rec, uint32(w))
				binary.BigEndian.PutUint32(rec[4:], uint32(seq))
				err := sc.AsyncWrite(rec, func(_ Conn, err error) {
					if err != nil {
						failures.Add(1)
					}
					callbacks.Add(1)
				})
				if err != nil {
					t.Errorf("AsyncWrite: %v", err)
					return
				}
			}
		}()
	}
	next := make([]uint32, writers)
	buf := make([]byte, 8)
	for i := 0; i < writers*perWriter; i++ {
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		w, seq := binary.BigEndian.Uint32(buf), binary.BigEndian.Uint32(buf[4:])
		if w >= writers || seq != next[w] {
			t.Fatalf("writer %d: got record %d, want %d", w, seq, next[w])
		}
		next[w]++
	}
	wg.Wait()
	// A callback runs after its write; the last ones may still be running.
	waitLoop(t, sc)
	if got := callbacks.Load(); got != writers*perWriter {
		t.Errorf("callbacks ran %d times, want %d", got, writers*perWriter)
	}
	if failures.Load() != 0 {
		t.Errorf("%d callbacks reported an error", failures.Load())
	}
}

// waitLoop returns once c's loop has run everything queued before it.
func waitLoop(t *testing.T, c Conn) {
	t.Helper()
	done := make(chan struct{})
	if err := c.Wake(func(Conn, error) { close(done) }); err != nil {
		t.Fatalf("Wake: %v", err)
	}
	<-done
}

// TestAsyncWriteRacingClose keeps writing from many goroutines while the
// connection closes: nothing panics, every accepted write gets exactly one
// callback, and the errors are the documented ones.
func TestAsyncWriteRacingClose(t *testing.T) {
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0") // one loop: tasks run in order
	c := dial(t, addr)
	readString(t, c, 3)
	sc := <-r.opened
	go io.Copy(io.Discard, c)
	// A second connection on the same loop, to wait behind the writes.
	readString(t, dial(t, addr), 3)
	barrier := <-r.opened

	var accepted, callbacks, rejected atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 100; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				err := sc.AsyncWrite([]byte("data"), func(_ Conn, err error) {
					if err != nil && !errors.Is(err, ErrClosed) {
						t.Errorf("callback err = %v, want nil or ErrClosed", err)
					}
					callbacks.Add(1)
				})
				switch {
				case err == nil:
					accepted.Add(1)
				case errors.Is(err, ErrClosed):
					rejected.Add(1)
				default:
					t.Errorf("AsyncWrite = %v, want nil or ErrClosed", err)
				}
			}
		}()
		if w == 50 {
			sc.Close()
		}
	}
	wg.Wait()
	recv(t, r.closed)
	// Callbacks of writes queued before the close took effect run after
	// it; the barrier's Wake runs once they all have.
	waitLoop(t, barrier)
	if err := sc.AsyncWrite([]byte("late"), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("AsyncWrite after close = %v, want ErrClosed", err)
	}
	if err := sc.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("Close after close = %v, want ErrClosed", err)
	}
	if accepted.Load() != callbacks.Load() {
		t.Errorf("%d writes accepted but %d callbacks ran", accepted.Load(), callbacks.Load())
	}
	if accepted.Load()+rejected.Load() != 100*100 {
		t.Errorf("accepted %d + rejected %d != 10000", accepted.Load(), rejected.Load())
	}
}

// writeInOnClose checks that a closed connection refuses writes.
type writeInOnClose struct {
	BuiltinHandler
	errs chan error
}

func (w writeInOnClose) OnClose(c Conn, _ error) Action {
	_, err := c.Write([]byte("too late"))
	w.errs <- err
	return None
}

func TestWriteAfterCloseFails(t *testing.T) {
	h := writeInOnClose{errs: make(chan error, 1)}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	c.Close()
	if err := recv(t, h.errs); !errors.Is(err, ErrClosed) {
		t.Errorf("Write in OnClose = %v, want ErrClosed", err)
	}
}

// TestWakeAndAsyncWritevRunOnLoop checks Wake runs its callback, which may
// use loop-only methods, and AsyncWritev delivers its slices in order.
func TestWakeAndAsyncWritev(t *testing.T) {
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	readString(t, c, 3)
	sc := <-r.opened
	woke := make(chan error, 1)
	sc.Wake(func(c Conn, err error) {
		c.SetContext("state")
		_, werr := c.Write([]byte("woke;"))
		woke <- errors.Join(err, werr)
	})
	if err := <-woke; err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	sc.AsyncWritev([][]byte{[]byte("a"), []byte("bc"), nil, []byte("def")}, func(c Conn, err error) {
		if c.Context() != "state" {
			err = errors.Join(err, errors.New("context lost"))
		}
		done <- err
	})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := readString(t, c, 11); got != "woke;abcdef" {
		t.Errorf("got %q, want %q", got, "woke;abcdef")
	}
}

// TestWakeIsNeverLost sends tasks to a loop one at a time, each waiting
// for the previous one to run, so that every post lands around the moment
// the loop decides to sleep: a post that saw the loop awake while the loop
// missed the task would leave it asleep, and the test would stall. Half
// the tasks come from the loop itself (a callback posting the next), which
// must run without any outside wake-up.
func TestWakeIsNeverLost(t *testing.T) {
	rounds := 5000
	if testing.Short() {
		rounds = 500
	}
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	readString(t, c, 3)
	sc := <-r.opened
	ran := make(chan error, 1)
	for i := 0; i < rounds; i++ {
		err := sc.Wake(func(c Conn, err error) {
			if err != nil {
				ran <- err
				return
			}
			// From the loop: the loop is awake and must still run it.
			if err := c.Wake(func(_ Conn, err error) { ran <- err }); err != nil {
				ran <- err
			}
		})
		if err != nil {
			t.Fatalf("round %d: Wake: %v", i, err)
		}
		select {
		case err := <-ran:
			if err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: the task never ran: a wake-up was lost", i)
		}
	}
}

// TestTaskWritesKeepOrderAndReachThePeer writes from loop tasks the way a
// worker pool answering pipelined requests does: small writes, a write
// too big to hold, then CloseWrite, each in a callback of its own. Small
// writes made by tasks wait for the end of the task batch; whatever the
// mix, the peer must get every byte, in order, and then the FIN.
func TestTaskWritesKeepOrderAndReachThePeer(t *testing.T) {
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	readString(t, c, 3)
	sc := <-r.opened

	big := make([]byte, 64<<10)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	var want []byte
	var wg sync.WaitGroup
	post := func(b []byte) {
		want = append(want, b...)
		wg.Add(1)
		if err := sc.AsyncWrite(b, func(_ Conn, err error) {
			if err != nil {
				t.Errorf("AsyncWrite: %v", err)
			}
			wg.Done()
		}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		post([]byte{'<', byte('0' + i%10), '>'})
		if i%25 == 0 {
			post(big)
		}
	}
	wg.Add(1)
	sc.Wake(func(c Conn, err error) {
		defer wg.Done()
		if _, err := c.Write([]byte("last")); err != nil {
			t.Errorf("Write: %v", err)
		}
		if err := c.CloseWrite(); err != nil {
			t.Errorf("CloseWrite: %v", err)
		}
	})
	want = append(want, "last"...)
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	wg.Wait()
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
	}
}
