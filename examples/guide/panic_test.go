package guide_test

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/netloop/netloop"
)

// runWithPanicLog keeps panic isolation on (the default) and sends its
// reports, with the panic value and stack, to a JSON log on stderr.
func runWithPanicLog(h netloop.Handler, addr string) error {
	return netloop.Run(h, addr,
		netloop.WithPanicRecovery(true), // false: a handler panic crashes the process
		netloop.WithLogger(slog.New(slog.NewJSONHandler(os.Stderr, nil))),
	)
}

// fragile echoes, except that one input trips a bug in it.
type fragile struct {
	netloop.BuiltinHandler
	closed chan error
}

func (f fragile) OnTraffic(c netloop.Conn) netloop.Action {
	b, _ := c.Next(-1)
	if string(b) == "boom" {
		panic("a bug met boom") // stands for an index out of range, a nil map, ...
	}
	c.Write(b)
	return netloop.None
}

func (f fragile) OnClose(c netloop.Conn, err error) netloop.Action {
	if errors.Is(err, netloop.ErrPanic) {
		f.closed <- err
	}
	return netloop.None
}

func Example_panicIsolation() {
	h := fragile{closed: make(chan error, 1)}
	addr, stop := serve(h, runWithPanicLog)
	defer stop()

	good, gr := dial(addr)
	defer good.Close()
	bad, br := dial(addr)
	defer bad.Close()

	fmt.Fprintf(bad, "boom")
	fmt.Println(<-h.closed)
	fmt.Println("bad:", readLine(br))
	fmt.Fprintf(good, "still served\n")
	fmt.Print("good: ", readLine(gr))
	// Output:
	// netloop: handler panicked in OnTraffic: a bug met boom
	// bad: EOF
	// good: still served
}
