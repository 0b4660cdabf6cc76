package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop"
)

// The echo-path benchmarks run an echo server in this process and drive it
// over loopback from a client made of raw blocking syscalls, which
// allocates nothing: allocs/op is then the server's allocations per
// message (or per batch, for the pipelined case). ns/op is a round trip,
// client included, so compare it only between servers in the same run.

type echoHandler struct {
	netloop.BuiltinHandler
	booted chan netloop.Engine
}

func (h *echoHandler) OnBoot(eng netloop.Engine) netloop.Action {
	h.booted <- eng
	return netloop.None
}

func (h *echoHandler) OnTraffic(c netloop.Conn) netloop.Action {
	c.WriteTo(c)
	return netloop.None
}

// startNetloop serves echo on 127.0.0.1:0 with one event loop and returns
// its address.
func startNetloop(b *testing.B) *net.TCPAddr {
	h := &echoHandler{booted: make(chan netloop.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- netloop.Run(h, "tcp://127.0.0.1:0", netloop.WithNumLoops(1)) }()
	var eng netloop.Engine
	select {
	case err := <-done:
		b.Fatal(err)
	case eng = <-h.booted:
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			b.Error(err)
		}
		<-done
	})
	return eng.Addrs()[0].(*net.TCPAddr)
}

// startNet serves echo with Go's net package, a goroutine per connection.
func startNet(b *testing.B) *net.TCPAddr {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if _, err := c.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr)
}

// dial opens a blocking client socket with TCP_NODELAY.
func dial(b *testing.B, addr *net.TCPAddr) int {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unix.Close(fd) })
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		b.Fatal(err)
	}
	sa := &unix.SockaddrInet4{Port: addr.Port, Addr: [4]byte(addr.IP.To4())}
	if err := unix.Connect(fd, sa); err != nil {
		b.Fatal(err)
	}
	return fd
}

func readFull(fd int, p []byte) error {
	for got := 0; got < len(p); {
		n, err := unix.Read(fd, p[got:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrUnexpectedEOF
		}
		got += n
	}
	return nil
}

// roundTrips sends batch messages of size bytes in one write and reads
// them all back, b.N times.
func roundTrips(b *testing.B, fd, size, batch int) {
	out := make([]byte, size*batch)
	for i := range out {
		out[i] = byte(i)
	}
	in := make([]byte, len(out))
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := unix.Write(fd, out); err != nil {
			b.Fatal(err)
		}
		if err := readFull(fd, in); err != nil {
			b.Fatal(err)
		}
	}
	if in[len(in)-1] != out[len(out)-1] {
		b.Fatal("echo differs")
	}
}

var servers = []struct {
	name  string
	start func(*testing.B) *net.TCPAddr
}{
	{"netloop", startNetloop},
	{"net", startNet},
}

// BenchmarkEchoPingPong is one message in flight on one connection.
func BenchmarkEchoPingPong(b *testing.B) {
	for _, s := range servers {
		for _, size := range []int{64, 4096} {
			b.Run(fmt.Sprintf("server=%s/size=%d", s.name, size), func(b *testing.B) {
				roundTrips(b, dial(b, s.start(b)), size, 1)
			})
		}
	}
}

// BenchmarkEchoPipelined writes 16 messages of 64 B at once and reads the
// 16 echoes; one op is the batch.
func BenchmarkEchoPipelined(b *testing.B) {
	for _, s := range servers {
		b.Run("server="+s.name+"/batch=16x64", func(b *testing.B) {
			roundTrips(b, dial(b, s.start(b)), 64, 16)
		})
	}
}
