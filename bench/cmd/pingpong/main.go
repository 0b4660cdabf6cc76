// Command pingpong is a deterministic echo client: it does exactly -n
// round trips of -size bytes on one connection, checks every echo, and
// exits. Under callgrind the server's instruction count then depends on
// the message count alone, not on how fast the machine happened to be.
//
//	pingpong -addr 127.0.0.1:9000 -n 20000 -size 64
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "echo server address (IPv4 host:port)")
	n := flag.Int("n", 20000, "round trips")
	size := flag.Int("size", 64, "message size in bytes")
	flag.Parse()

	var sa unix.SockaddrInet4
	var a, b, c, d, port int
	if _, err := fmt.Sscanf(*addr, "%d.%d.%d.%d:%d", &a, &b, &c, &d, &port); err != nil {
		fatal(fmt.Errorf("-addr %q: want an IPv4 host:port", *addr))
	}
	sa.Addr, sa.Port = [4]byte{byte(a), byte(b), byte(c), byte(d)}, port
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fatal(err)
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	tv := unix.NsecToTimeval(int64(30 * time.Second))
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	if err := unix.Connect(fd, &sa); err != nil {
		fatal(err)
	}
	out := make([]byte, *size)
	in := make([]byte, *size)
	start := time.Now()
	for i := 0; i < *n; i++ {
		for j := range out {
			out[j] = byte(i + j)
		}
		if _, err := unix.Write(fd, out); err != nil {
			fatal(fmt.Errorf("write %d: %w", i, err))
		}
		for got := 0; got < len(in); {
			k, err := unix.Read(fd, in[got:])
			if err == unix.EINTR {
				continue
			}
			if err != nil || k == 0 {
				fatal(fmt.Errorf("read %d: n=%d err=%v", i, k, err))
			}
			got += k
		}
		for j := range in {
			if in[j] != out[j] {
				fatal(fmt.Errorf("round trip %d: byte %d differs", i, j))
			}
		}
	}
	el := time.Since(start)
	unix.Close(fd)
	fmt.Printf("pingpong: %d round trips of %d B in %v (%.1f us each)\n", *n, *size, el.Round(time.Millisecond),
		float64(el.Microseconds())/float64(*n))
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "pingpong:", err)
	os.Exit(1)
}
