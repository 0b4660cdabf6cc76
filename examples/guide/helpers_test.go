package guide_test

import (
	"bufio"
	"context"
	"log"
	"net"
	"time"

	"github.com/netloop/netloop"
)

// runner runs an engine the way a sample does: netloop.Run with the
// sample's options.
type runner func(h netloop.Handler, addr string) error

func plainRun(h netloop.Handler, addr string) error { return netloop.Run(h, addr) }

// booter hands the Engine over from OnBoot: Run blocks until the engine
// stops, and OnBoot is where the port chosen for ":0" becomes known.
type booter struct {
	netloop.Handler
	booted chan netloop.Engine
}

func (b booter) OnBoot(eng netloop.Engine) netloop.Action {
	a := b.Handler.OnBoot(eng)
	b.booted <- eng
	return a
}

// OnWritabilityChanged forwards to the wrapped handler if it asks for
// writability events; embedding the Handler interface alone would hide
// the method.
func (b booter) OnWritabilityChanged(c netloop.Conn, writable bool) {
	if w, ok := b.Handler.(netloop.WritabilityHandler); ok {
		w.OnWritabilityChanged(c, writable)
	}
}

// serve runs h on 127.0.0.1:0 with run and returns its address and a
// function that stops it.
func serve(h netloop.Handler, run runner) (addr string, stop func()) {
	b := booter{h, make(chan netloop.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- run(b, "tcp://127.0.0.1:0") }()
	var eng netloop.Engine
	select {
	case eng = <-b.booted:
	case err := <-done:
		log.Fatalf("netloop.Run: %v", err)
	}
	return eng.Addrs()[0].String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			log.Fatal(err)
		}
		if err := <-done; err != nil {
			log.Fatal(err)
		}
	}
}

// dial connects to addr, with a deadline so that a broken sample fails
// instead of hanging.
func dial(addr string) (net.Conn, *bufio.Reader) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

// readLine returns the next line from r, or the error that ended reading.
func readLine(r *bufio.Reader) string {
	line, err := r.ReadString('\n')
	if err != nil {
		return err.Error()
	}
	return line
}
