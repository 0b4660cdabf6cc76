package proxy_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/proxy"
)

// An upstream echo server, a proxy in front of it, and a client that
// talks to the upstream through the proxy.
func Example() {
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer up.Close()
	go func() {
		for {
			c, err := up.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()

	p, err := proxy.New(proxy.Config{Upstreams: []string{up.Addr().String()}})
	if err != nil {
		log.Fatal(err)
	}
	eng, err := netloop.Start(p, []string{"tcp://127.0.0.1:0"}) // p itself, not a wrapper
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Stop(context.Background())

	c, err := net.Dial("tcp", eng.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
	c.Write([]byte("hello through the proxy"))
	c.(*net.TCPConn).CloseWrite() // the FIN goes through; the echo comes back
	reply, _ := io.ReadAll(c)
	c.Close()
	fmt.Printf("%s\n", reply)
	// Output: hello through the proxy
}
