package guide_test

import (
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/heartbeat"
)

// runWithKeepAlive has the kernel probe idle connections: the first probe
// after 30 s of silence, then every 10 s, and the connection dropped after
// 3 unanswered ones.
func runWithKeepAlive(h netloop.Handler, addr string) error {
	return netloop.Run(h, addr, netloop.WithTCPKeepAlive(30*time.Second, 10*time.Second, 3))
}

// chatServer pings its clients and closes those that stop answering.
type chatServer struct {
	netloop.BuiltinHandler
	hb *heartbeat.Heartbeat
}

func (s *chatServer) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	s.hb.Add(c) // sets c's read timeout, and pings c from now on
	return nil, netloop.None
}

func (s *chatServer) OnTraffic(c netloop.Conn) netloop.Action {
	c.Discard(-1) // a real server would serve chat here; any bytes reset the timeout
	return netloop.None
}

func (s *chatServer) OnClose(c netloop.Conn, err error) netloop.Action {
	s.hb.Remove(c)
	return netloop.None
}

// reportClose tells the example why connections closed.
type reportClose struct {
	*chatServer
	closed chan error
}

func (r reportClose) OnClose(c netloop.Conn, err error) netloop.Action {
	a := r.chatServer.OnClose(c, err)
	r.closed <- err
	return a
}

func Example_heartbeat() {
	hb, err := heartbeat.New(heartbeat.Config{
		Interval: 20 * time.Millisecond,
		Timeout:  200 * time.Millisecond, // ten pings: one late answer is not fatal
		Ping:     []byte("PING\r\n"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer hb.Stop()
	h := reportClose{&chatServer{hb: hb}, make(chan error, 2)}
	addr, stop := serve(h, runWithKeepAlive)
	defer stop()

	// One client answers every ping; the other reads them and says nothing.
	answering, ar := dial(addr)
	defer answering.Close()
	go func() {
		for strings.HasPrefix(readLine(ar), "PING") {
			fmt.Fprintf(answering, "PONG\r\n")
		}
	}()
	silent, sr := dial(addr)
	defer silent.Close()

	fmt.Println(strings.TrimSpace(readLine(sr)))
	fmt.Println(<-h.closed)
	fmt.Println("clients still pinged:", hb.Len())
	// Output:
	// PING
	// netloop: timeout: nothing read
	// clients still pinged: 1
}
