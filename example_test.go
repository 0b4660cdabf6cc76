package netloop_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"strconv"
	"time"

	"github.com/netloop/netloop"
)

// echo writes back everything it reads.
type echo struct{ netloop.BuiltinHandler }

func (echo) OnTraffic(c netloop.Conn) netloop.Action {
	c.WriteTo(c)
	return netloop.None
}

// withBoot wraps a handler to hand over the Engine once it is listening.
// Run blocks until the engine stops; OnBoot is where the engine, and the
// port the kernel chose for ":0", become known.
type withBoot struct {
	netloop.Handler
	booted chan netloop.Engine
}

func (w withBoot) OnBoot(eng netloop.Engine) netloop.Action {
	action := w.Handler.OnBoot(eng)
	w.booted <- eng
	return action
}

// start runs h on addrs in a goroutine and returns the booted engine and
// the channel that Run's error arrives on.
func start(h netloop.Handler, addrs []string, opts ...netloop.Option) (netloop.Engine, <-chan error) {
	booted, done := make(chan netloop.Engine, 1), make(chan error, 1)
	go func() { done <- netloop.RunAll(withBoot{h, booted}, addrs, opts...) }()
	select {
	case eng := <-booted:
		return eng, done
	case err := <-done:
		log.Fatalf("netloop.RunAll: %v", err)
		return netloop.Engine{}, nil
	}
}

func stop(eng netloop.Engine) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := eng.Stop(ctx); err != nil {
		log.Fatal(err)
	}
}

// Run an echo server on a port the kernel picks, talk to it, stop it.
func ExampleRun() {
	booted, done := make(chan netloop.Engine, 1), make(chan error, 1)
	go func() {
		done <- netloop.Run(withBoot{echo{}, booted}, "tcp://127.0.0.1:0")
	}()
	eng := <-booted

	conn, err := net.Dial("tcp", eng.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(conn, "hello, netloop\n")
	line, _ := bufio.NewReader(conn).ReadString('\n')
	fmt.Print(line)
	conn.Close()

	// Stop flushes and closes every connection, then Run returns.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := eng.Stop(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("Run returned:", <-done)
	// Output:
	// hello, netloop
	// Run returned: <nil>
}

// One engine serves TCP and UDP with the same handler: on UDP each
// datagram is a Conn of its own, and a write answers its sender.
func ExampleRunAll() {
	eng, done := start(echo{}, []string{"tcp://127.0.0.1:0", "udp://127.0.0.1:0"})
	for _, addr := range eng.Addrs() {
		conn, err := net.Dial(addr.Network(), addr.String())
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(conn, "over %s\n", addr.Network())
		buf := make([]byte, 64)
		n, _ := conn.Read(buf)
		fmt.Printf("%s", buf[:n])
		conn.Close()
	}
	stop(eng)
	<-done
	// Output:
	// over tcp
	// over udp
}

// greeter answers every connection from another goroutine, as a handler
// does when the answer needs blocking work.
type greeter struct{ netloop.BuiltinHandler }

func (greeter) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	go func() {
		// Off the loop only the concurrency-safe methods may be used.
		// AsyncWrite queues the write on the connection's loop and calls
		// back there once it is done.
		c.AsyncWrite([]byte("hello from a goroutine\n"), func(c netloop.Conn, err error) {
			if err == nil {
				c.Close()
			}
		})
	}()
	return nil, netloop.None
}

func ExampleConn_AsyncWrite() {
	eng, done := start(greeter{}, []string{"tcp://127.0.0.1:0"})
	conn, err := net.Dial("tcp", eng.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
	r := bufio.NewReader(conn)
	line, _ := r.ReadString('\n')
	fmt.Print(line)
	_, err = r.ReadString('\n')
	fmt.Println("then:", err)
	conn.Close()
	stop(eng)
	<-done
	// Output:
	// hello from a goroutine
	// then: EOF
}

// lines answers each complete line with its length; a partial line stays
// buffered in the Conn until the rest arrives.
type lines struct{ netloop.BuiltinHandler }

func (lines) OnTraffic(c netloop.Conn) netloop.Action {
	for {
		buf, _ := c.Peek(-1)
		i := 0
		for i < len(buf) && buf[i] != '\n' {
			i++
		}
		if i == len(buf) {
			return netloop.None // no complete line yet
		}
		fmt.Fprintf(c, "%d\n", i)
		c.Discard(i + 1)
	}
}

// lengths answers each complete line with its length, the replies to all
// the lines of one OnTraffic appended to the loop's AvailableBuffer and
// sent with one Write.
type lengths struct{ netloop.BuiltinHandler }

func (lengths) OnTraffic(c netloop.Conn) netloop.Action {
	out := c.AvailableBuffer() // the loop's buffer, empty: no allocation
	for {
		buf, _ := c.Peek(-1)
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		out = strconv.AppendInt(out, int64(i), 10)
		out = append(out, '\n')
		c.Discard(i + 1)
	}
	if len(out) > 0 {
		c.Write(out) // copies what the socket does not take at once
	}
	return netloop.None
}

func ExampleConn_AvailableBuffer() {
	eng, done := start(lengths{}, []string{"tcp://127.0.0.1:0"})
	conn, err := net.Dial("tcp", eng.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
	r := bufio.NewReader(conn)
	conn.Write([]byte("one\nthree\n")) // two lines, one reply write
	l1, _ := r.ReadString('\n')
	l2, _ := r.ReadString('\n')
	fmt.Print(l1, l2)
	conn.Close()
	stop(eng)
	<-done
	// Output:
	// 3
	// 5
}

// perLoopBytes counts the bytes it echoes in one counter per event loop:
// a loop runs its callbacks one at a time, so no counter needs a lock.
type perLoopBytes struct {
	netloop.BuiltinHandler
	counts []int // by Conn.LoopIndex
}

func (h *perLoopBytes) OnBoot(eng netloop.Engine) netloop.Action {
	h.counts = make([]int, eng.NumLoops()) // before any connection is served
	return netloop.None
}

func (h *perLoopBytes) OnTraffic(c netloop.Conn) netloop.Action {
	h.counts[c.LoopIndex()] += c.InboundBuffered()
	c.WriteTo(c)
	return netloop.None
}

// OnShutdown runs once every loop has stopped: the counters are still.
func (h *perLoopBytes) OnShutdown(netloop.Engine) {
	total := 0
	for _, n := range h.counts {
		total += n
	}
	fmt.Printf("%d loops echoed %d bytes\n", len(h.counts), total)
}

func ExampleConn_LoopIndex() {
	eng, done := start(&perLoopBytes{}, []string{"tcp://127.0.0.1:0"}, netloop.WithNumLoops(2))
	for i := 0; i < 3; i++ { // round robin: loops 0, 1, 0
		conn, err := net.Dial("tcp", eng.Addrs()[0].String())
		if err != nil {
			log.Fatal(err)
		}
		conn.Write([]byte("hello\n"))
		bufio.NewReader(conn).ReadString('\n')
		conn.Close()
	}
	stop(eng)
	<-done
	// Output:
	// 2 loops echoed 18 bytes
}

func ExampleConn_Peek() {
	eng, done := start(lines{}, []string{"tcp://127.0.0.1:0"})
	conn, err := net.Dial("tcp", eng.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
	r := bufio.NewReader(conn)
	conn.Write([]byte("one\nthr"))
	l1, _ := r.ReadString('\n')
	conn.Write([]byte("ee\n"))
	l2, _ := r.ReadString('\n')
	fmt.Print(l1, l2)
	conn.Close()
	stop(eng)
	<-done
	// Output:
	// 3
	// 5
}

// closeLogger reports why each connection closed.
type closeLogger struct {
	netloop.BuiltinHandler
	opened chan struct{}
	reason chan error
}

func (h closeLogger) OnOpen(netloop.Conn) ([]byte, netloop.Action) {
	h.opened <- struct{}{}
	return nil, netloop.None
}

func (h closeLogger) OnClose(_ netloop.Conn, err error) netloop.Action {
	h.reason <- err
	return netloop.None
}

// Stop closes the connections still open, after flushing their pending
// writes; OnClose tells them apart by its error.
func ExampleEngine_Stop() {
	h := closeLogger{opened: make(chan struct{}, 1), reason: make(chan error, 1)}
	eng, done := start(h, []string{"tcp://127.0.0.1:0"})
	conn, err := net.Dial("tcp", eng.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	<-h.opened

	stop(eng)
	err = <-h.reason
	fmt.Println(err, errors.Is(err, netloop.ErrEngineShutdown))
	fmt.Println("Run returned:", <-done)
	// Output:
	// netloop: engine shut down true
	// Run returned: <nil>
}

// A server whose clients each keep one small request in flight, many of
// them at once (a cache, a key-value store), can let its loops gather
// small batches: a loop that wakes to fewer than four ready connections
// sleeps 20 µs for company first. With few clients it never does, so a
// lone client here is served as usual.
func ExampleWithCoalesce() {
	eng, done := start(echo{}, []string{"tcp://127.0.0.1:0"},
		netloop.WithNumLoops(1), netloop.WithCoalesce(20*time.Microsecond))
	conn, err := net.Dial("tcp", eng.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
	conn.Write([]byte("PING\n"))
	reply, _ := bufio.NewReader(conn).ReadString('\n')
	fmt.Print(reply)
	conn.Close()
	stop(eng)
	<-done
	// Output:
	// PING
}
