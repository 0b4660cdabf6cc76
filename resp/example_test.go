package resp_test

import (
	"fmt"
	"strings"

	"github.com/netloop/netloop/resp"
)

// A server's loop: parse every complete request in the buffer, reply to
// each into one output buffer, keep the incomplete rest for later.
func ExampleParser() {
	var p resp.Parser
	in := []byte("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\nPING\r\n*1\r\n$4\r\nPI")
	var out []byte
	for {
		args, n, err := p.Parse(in)
		if err != nil {
			out = resp.AppendError(out, "ERR "+err.Error())
			break
		}
		if n == 0 {
			break // wait for more bytes
		}
		in = in[n:]
		switch strings.ToUpper(string(args[0])) {
		case "PING":
			out = resp.AppendSimple(out, "PONG")
		case "ECHO":
			out = resp.AppendBulk(out, args[1])
		}
	}
	fmt.Printf("%q\nleft: %q\n", out, in)
	// Output:
	// "$5\r\nhello\r\n+PONG\r\n"
	// left: "*1\r\n$4\r\nPI"
}

func ExampleReader() {
	r := resp.NewReader(strings.NewReader("%2\r\n+server\r\n$5\r\nredis\r\n+proto\r\n:3\r\n"))
	v, err := r.ReadValue()
	fmt.Println(v, err)
	// Output: {+server: "redis", +proto: :3} <nil>
}
