// Command netecho is the Go net peer in the benchmarks: an echo server with
// one goroutine per connection, each a plain read/write loop over its own
// buffer. It is what most Go servers look like.
//
//	netecho -addr 127.0.0.1:9000 [-buf 65536]
package main

import (
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	bufSize := flag.Int("buf", 64<<10, "per-connection read buffer in bytes")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("netecho listening on %s", ln.Addr())
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		ln.Close()
		os.Exit(0)
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			log.Fatal(err)
		}
		go serve(c, *bufSize)
	}
}

// serve echoes until the peer closes or an error. TCP_NODELAY is on by
// default for Go's TCP connections.
func serve(c net.Conn, bufSize int) {
	defer c.Close()
	buf := make([]byte, bufSize)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
