package guide_test

import (
	"bytes"
	"fmt"

	"github.com/netloop/netloop"
)

// greeter answers each line, a name, with a numbered greeting.
type greeter struct{ netloop.BuiltinHandler }

// session is per-connection state. Only the connection's loop touches it,
// so it needs no lock.
type session struct{ lines int }

func (greeter) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	c.SetContext(&session{})
	return []byte("who are you?\n"), netloop.None // sent before anything else
}

func (greeter) OnTraffic(c netloop.Conn) netloop.Action {
	s := c.Context().(*session)
	for {
		buf, _ := c.Peek(-1) // a view of the buffer, valid until OnTraffic returns
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return netloop.None // a partial line stays buffered until more arrives
		}
		s.lines++
		name, n := string(buf[:i]), s.lines // copies, to outlive the callback
		c.Discard(i + 1)
		go func() {
			// Off the loop: only the methods safe for concurrent use.
			reply := fmt.Appendf(nil, "%d: hello, %s\n", n, name)
			c.AsyncWrite(reply, func(c netloop.Conn, err error) {
				// Back on the loop, where loop-only methods are safe.
				if err == nil && name == "bye" {
					c.Close()
				}
			})
		}()
	}
}

func Example_handler() {
	addr, stop := serve(greeter{}, plainRun)
	defer stop()
	conn, r := dial(addr)
	defer conn.Close()

	fmt.Print(readLine(r))
	for _, name := range []string{"ada", "bye"} {
		fmt.Fprintf(conn, "%s\n", name)
		fmt.Print(readLine(r))
	}
	fmt.Println(readLine(r))
	// Output:
	// who are you?
	// 1: hello, ada
	// 2: hello, bye
	// EOF
}
