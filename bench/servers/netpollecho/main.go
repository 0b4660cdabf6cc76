// Command netpollecho is the cloudwego/netpoll peer in the benchmarks: an
// echo server on netpoll's event loop with its nocopy reader and writer.
//
//	netpollecho -addr 127.0.0.1:9000
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	flag.Parse()

	ln, err := netpoll.CreateListener("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	loop, err := netpoll.NewEventLoop(echo)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("netpollecho listening on %s", ln.Addr())
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		loop.Shutdown(ctx)
		os.Exit(0)
	}()
	if err := loop.Serve(ln); err != nil {
		log.Fatal(err)
	}
}

// echo runs when bytes arrive: it hands everything buffered back and
// flushes. Small slices are copied into the output LinkBuffer, large ones
// are linked without a copy, so the input is released only after Flush.
func echo(_ context.Context, c netpoll.Connection) error {
	r, w := c.Reader(), c.Writer()
	n := r.Len()
	if n == 0 {
		return nil
	}
	b, err := r.Next(n)
	if err != nil {
		return err
	}
	if _, err := w.WriteBinary(b); err != nil {
		return err
	}
	err = w.Flush()
	r.Release()
	return err
}
