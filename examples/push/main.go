// Push sends a line to every connected client on a timer: a server that
// speaks first, the shape of feeds, notifications and heartbeats.
//
//	go run ./examples/push -addr 127.0.0.1:9000 -every 1s
//	nc 127.0.0.1 9000
package main

import (
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/netloop/netloop"
)

// pushServer keeps the set of open connections and writes to all of them
// from OnTick.
type pushServer struct {
	netloop.BuiltinHandler
	every time.Duration

	// OnOpen and OnClose run on the loop that owns each connection, and
	// with several loops those run at the same time as each other and as
	// OnTick (which runs on the first loop), so the set needs a mutex.
	mu    sync.Mutex
	conns map[netloop.Conn]struct{}

	ticks   int            // touched only by OnTick, always on one loop
	targets []netloop.Conn // OnTick's reusable snapshot of conns
}

func newPushServer(every time.Duration) *pushServer {
	return &pushServer{every: every, conns: make(map[netloop.Conn]struct{})}
}

func (s *pushServer) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	return []byte("welcome\n"), netloop.None
}

func (s *pushServer) OnClose(c netloop.Conn, err error) netloop.Action {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	return netloop.None
}

// OnTick runs on the first event loop, but most connections belong to
// other loops, whose buffers it must not touch: AsyncWrite queues the
// write on each connection's own loop. The message is shared by every
// connection and never modified, which AsyncWrite requires until its
// write is done, so a fresh slice per tick is all the care it needs.
func (s *pushServer) OnTick() (time.Duration, netloop.Action) {
	s.ticks++
	msg := fmt.Appendf(nil, "tick %d\n", s.ticks)

	// Copy the set and write outside the lock: OnOpen and OnClose on
	// the other loops then wait only for a copy, not for the writes.
	s.mu.Lock()
	s.targets = s.targets[:0]
	for c := range s.conns {
		s.targets = append(s.targets, c)
	}
	s.mu.Unlock()
	for _, c := range s.targets {
		// ErrClosed only means the client left since the copy was made.
		c.AsyncWrite(msg, nil)
	}
	clear(s.targets) // let closed connections be collected
	return s.every, netloop.None
}

// count returns the number of connections in the set.
func (s *pushServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "TCP address to listen on")
	every := flag.Duration("every", time.Second, "time between pushes")
	flag.Parse()
	log.Fatal(netloop.Run(newPushServer(*every), "tcp://"+*addr,
		netloop.WithMulticore(true), netloop.WithTicker(true)))
}
