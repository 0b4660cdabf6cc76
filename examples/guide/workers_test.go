package guide_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/codec"
	"github.com/netloop/netloop/pool"
)

// lookupServer answers each line, a key, with "key=value", where finding
// the value blocks.
type lookupServer struct {
	netloop.BuiltinHandler
	workers *pool.WorkerPool
	lines   *codec.Line
	lookup  func(key string) string // blocks: a database, a disk, another service
}

func (s *lookupServer) OnTraffic(c netloop.Conn) netloop.Action {
	err := codec.Frames(c, s.lines, func(line []byte) error {
		key := string(line) // a copy: the frame is valid only during this call
		err := s.workers.TrySubmit(func() {
			reply, _ := s.lines.Encode(nil, []byte(key+"="+s.lookup(key)))
			c.AsyncWrite(reply, nil) // an error means the client has gone
		})
		if err == nil {
			c.Yield() // the worker runs once the loop has served this batch
		}
		if errors.Is(err, pool.ErrQueueFull) {
			// Every worker is busy and the queue is full: shed this
			// request rather than block the loop.
			reply, _ := s.lines.Encode(nil, []byte(key+"!busy"))
			_, err = c.Write(reply)
		}
		return err
	})
	if err != nil {
		return netloop.Close // a bad line, or the pool is closed
	}
	return netloop.None
}

func Example_workerPool() {
	// One worker and a queue of one, so that while the first lookup
	// blocks, a second one waits and a third is refused.
	workers, err := pool.NewWorkerPool(pool.WithWorkers(1), pool.WithQueueLen(1))
	if err != nil {
		log.Fatal(err)
	}
	lines, err := codec.NewLine(codec.LineConfig{MaxLength: 256})
	if err != nil {
		log.Fatal(err)
	}
	release := make(chan struct{})
	h := &lookupServer{workers: workers, lines: lines, lookup: func(key string) string {
		if key == "slow" {
			<-release
		}
		return strings.ToUpper(key)
	}}
	addr, stop := serve(h, plainRun)
	conn, r := dial(addr)

	fmt.Fprintf(conn, "slow\nqueued\nrefused\n")
	fmt.Print(readLine(r)) // answered at once, from the loop
	close(release)
	fmt.Print(readLine(r), readLine(r))

	conn.Close()
	stop()
	workers.Close(context.Background()) // after the engine: no task can arrive now
	// Output:
	// refused!busy
	// slow=SLOW
	// queued=QUEUED
}
