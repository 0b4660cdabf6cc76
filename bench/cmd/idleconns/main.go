// Command idleconns opens many connections to an echo server, echoes one
// message on each, reports "ready", and then holds them idle until it is
// signalled or -hold runs out. The memory benchmark reads the server's RSS
// while they are held.
//
//	idleconns -addr 127.0.0.1:9000 -n 19000 -source 127.0.0.2,127.0.0.3
//
// Connections are spread round-robin over the -source addresses (each
// gives its own ephemeral port range). On exit they are reset (SO_LINGER
// 0) rather than closed, so a run leaves no TIME_WAIT behind.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "echo server address")
	n := flag.Int("n", 1000, "connections to open")
	sources := flag.String("source", "", "comma-separated source IPs (default: let the kernel pick)")
	size := flag.Int("size", 64, "size of the one echo done on each connection")
	par := flag.Int("parallel", 64, "connects in flight at once")
	hold := flag.Duration("hold", 2*time.Minute, "longest time to hold the connections")
	timeout := flag.Duration("timeout", 10*time.Second, "timeout for each connect and echo")
	flag.Parse()

	var locals []net.Addr
	if *sources != "" {
		for _, s := range strings.Split(*sources, ",") {
			ip := net.ParseIP(strings.TrimSpace(s))
			if ip == nil {
				fatalf("bad source IP %q", s)
			}
			locals = append(locals, &net.TCPAddr{IP: ip})
		}
	}

	start := time.Now()
	conns := make([]*net.TCPConn, *n)
	var failed atomic.Int64
	var firstErr atomic.Value
	var next atomic.Int64
	var wg sync.WaitGroup
	msg := bytes.Repeat([]byte("x"), *size)
	for w := 0; w < *par; w++ {
		wg.Go(func() {
			buf := make([]byte, *size)
			for {
				i := int(next.Add(1) - 1)
				if i >= *n {
					return
				}
				d := net.Dialer{Timeout: *timeout, Control: bindNoPort}
				if len(locals) > 0 {
					d.LocalAddr = locals[i%len(locals)]
				}
				c, err := echoOnce(&d, *addr, msg, buf, *timeout)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("conn %d: %v", i, err))
					continue
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	nf := failed.Load()
	fmt.Printf("ready %d failed %d in %.2fs\n", int64(*n)-nf, nf, time.Since(start).Seconds())
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(os.Stderr, "idleconns: first error: %s\n", e)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(*hold):
		fmt.Fprintln(os.Stderr, "idleconns: -hold elapsed")
	}
	for _, c := range conns {
		if c != nil {
			c.SetLinger(0)
			c.Close()
		}
	}
}

func echoOnce(d *net.Dialer, addr string, msg, buf []byte, timeout time.Duration) (*net.TCPConn, error) {
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	tc := c.(*net.TCPConn)
	tc.SetDeadline(time.Now().Add(timeout))
	if _, err := tc.Write(msg); err != nil {
		tc.Close()
		return nil, err
	}
	if _, err := io.ReadFull(tc, buf); err != nil {
		tc.Close()
		return nil, err
	}
	if !bytes.Equal(buf, msg) {
		tc.Close()
		return nil, errors.New("echo differs")
	}
	tc.SetDeadline(time.Time{})
	return tc, nil
}

// bindNoPort sets IP_BIND_ADDRESS_NO_PORT, so that binding a source IP
// reserves a port per 4-tuple at connect time rather than outright.
func bindNoPort(_, _ string, rc syscall.RawConn) error {
	return rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, 24 /* IP_BIND_ADDRESS_NO_PORT */, 1)
	})
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "idleconns: "+format+"\n", args...)
	os.Exit(2)
}
