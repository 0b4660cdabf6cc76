// Blocking shows how to serve requests whose handling blocks (a database
// query, a file read, a call to another service) without stalling the
// event loop. Each request is a line holding a key; the reply is the line
// "key=value", looked up by a simulated 50 ms query.
//
//	go run ./examples/blocking -addr 127.0.0.1:9000
//	printf 'alice\nbob\n' | nc 127.0.0.1 9000
//
// An event loop serves thousands of connections from one goroutine. Had
// OnTraffic slept 50 ms in the lookup, every other connection on that loop
// would wait 50 ms too, and the loop would serve at most 20 requests a
// second. Instead OnTraffic only parses the request and starts a goroutine
// that does the lookup and hands the reply back with AsyncWrite, which is
// safe from any goroutine: it queues the write on the connection's loop.
package main

import (
	"bytes"
	"flag"
	"log"
	"time"

	"github.com/netloop/netloop"
)

// maxLine bounds a request, so a client that never sends a newline cannot
// make the server buffer without limit.
const maxLine = 4096

type lookupServer struct {
	netloop.BuiltinHandler
	// lookup blocks; it is called off the event loop.
	lookup func(key string) string
}

// session is the per-connection state, kept with Conn.SetContext.
type session struct {
	// last is closed when the previous request's reply has been queued.
	// Lookups run concurrently, so a quick one could finish before a slow
	// one sent earlier; waiting for last keeps the replies in request
	// order, as a pipelining client expects.
	last chan struct{}
}

func (s *lookupServer) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	done := make(chan struct{})
	close(done)
	c.SetContext(&session{last: done})
	return nil, netloop.None
}

// OnTraffic takes every complete line and starts its lookup. It runs on
// the event loop, so it does nothing that blocks.
func (s *lookupServer) OnTraffic(c netloop.Conn) netloop.Action {
	sess := c.Context().(*session)
	for {
		buf, _ := c.Peek(-1)
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			if len(buf) > maxLine {
				return netloop.Close
			}
			return netloop.None // the rest of the line comes later
		}
		// string() copies: the bytes Peek returns are valid only during
		// this callback, and the goroutine outlives it.
		key := string(bytes.TrimSuffix(buf[:i], []byte("\r")))
		c.Discard(i + 1)

		prev, done := sess.last, make(chan struct{})
		sess.last = done
		go func() {
			defer close(done)
			reply := []byte(key + "=" + s.lookup(key) + "\n")
			<-prev
			// Calls made one after another enter the loop's queue in that
			// order. An error means the client has gone; nothing to do.
			c.AsyncWrite(reply, nil)
		}()
	}
}

// slowLookup stands for a query to a database or another service.
func slowLookup(key string) string {
	time.Sleep(50 * time.Millisecond)
	return string(bytes.ToUpper([]byte(key)))
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "TCP address to listen on")
	flag.Parse()
	// A real server would bound the goroutines in flight (a worker pool
	// or a semaphore) so that a flood of requests cannot exhaust memory.
	log.Fatal(netloop.Run(&lookupServer{lookup: slowLookup}, "tcp://"+*addr, netloop.WithMulticore(true)))
}
