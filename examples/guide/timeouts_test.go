package guide_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/codec"
)

// runWithTimeouts sets engine-wide timeouts: every connection gets them.
func runWithTimeouts(h netloop.Handler, addr string) error {
	return netloop.Run(h, addr,
		netloop.WithIdleTimeout(5*time.Minute),   // nothing read or written
		netloop.WithWriteTimeout(30*time.Second), // output stuck behind a peer that does not read
	)
}

// loginServer gives each client loginTimeout to send the password.
type loginServer struct {
	netloop.BuiltinHandler
	lines        *codec.Line
	loginTimeout time.Duration
	timedOut     chan error
}

func (s *loginServer) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	c.SetReadTimeout(s.loginTimeout) // this connection only, counting from now
	return []byte("password?\n"), netloop.None
}

func (s *loginServer) OnTraffic(c netloop.Conn) netloop.Action {
	err := codec.Frames(c, s.lines, func(line []byte) error {
		reply := "ok\n"
		if string(line) == "secret" {
			c.SetReadTimeout(0) // logged in: no read timeout; the idle timeout still applies
			reply = "welcome\n"
		}
		_, err := c.Write([]byte(reply))
		return err
	})
	if err != nil {
		return netloop.Close
	}
	return netloop.None
}

func (s *loginServer) OnClose(c netloop.Conn, err error) netloop.Action {
	if errors.Is(err, netloop.ErrTimeout) { // idle, read or write
		s.timedOut <- err
	}
	return netloop.None
}

func Example_timeouts() {
	lines, err := codec.NewLine(codec.LineConfig{MaxLength: 256})
	if err != nil {
		log.Fatal(err)
	}
	h := &loginServer{lines: lines, loginTimeout: 300 * time.Millisecond, timedOut: make(chan error, 2)}
	addr, stop := serve(h, runWithTimeouts)
	defer stop()

	user, ur := dial(addr)
	defer user.Close()
	fmt.Fprintf(user, "secret\n")
	fmt.Print(readLine(ur), readLine(ur))

	idler, ir := dial(addr)
	defer idler.Close()
	fmt.Print(readLine(ir))
	err = <-h.timedOut
	fmt.Println(err, errors.Is(err, netloop.ErrReadTimeout))
	fmt.Println(readLine(ir))

	// The user, logged in, has outlived the login timeout.
	fmt.Fprintf(user, "still there?\n")
	fmt.Print(readLine(ur))
	// Output:
	// password?
	// welcome
	// password?
	// netloop: timeout: nothing read true
	// EOF
	// ok
}
