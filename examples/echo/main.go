// Echo is the smallest netloop server: it sends every byte back.
//
//	go run ./examples/echo -addr 127.0.0.1:9000
//	nc 127.0.0.1 9000
package main

import (
	"flag"
	"log"

	"github.com/netloop/netloop"
)

// echoServer needs only OnTraffic; BuiltinHandler supplies the rest.
type echoServer struct{ netloop.BuiltinHandler }

// OnTraffic runs on the connection's event loop whenever bytes arrive.
// WriteTo(c) writes everything buffered back to c and consumes it; what
// the socket cannot take at once netloop keeps and sends as the peer reads.
func (echoServer) OnTraffic(c netloop.Conn) netloop.Action {
	c.WriteTo(c)
	return netloop.None
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "TCP address to listen on")
	flag.Parse()
	// One event loop per CPU; Run returns when the engine stops.
	log.Fatal(netloop.Run(echoServer{}, "tcp://"+*addr, netloop.WithMulticore(true)))
}
