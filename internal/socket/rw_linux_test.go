package socket

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWritesToAClosedPeerRaiseNoSIGPIPE: Write and Writev to a socket
// whose peer has gone fail with EPIPE and raise no SIGPIPE (MSG_NOSIGNAL).
// The kernel would raise it during the call, before the call returns; a
// SIGWINCH sent afterwards marks the end of what the calls could have
// raised (the runtime hands pending signals over lowest number first, and
// SIGPIPE's is lower), so the test waits for that, not for a time.
func TestWritesToAClosedPeerRaiseNoSIGPIPE(t *testing.T) {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGPIPE, syscall.SIGWINCH)
	defer signal.Stop(signals)

	for _, tc := range []struct {
		name  string
		write func(fd int) error
	}{
		{"Write", func(fd int) error { _, err := Write(fd, []byte("x")); return err }},
		{"Writev", func(fd int) error { _, _, err := Writev(fd, [][]byte{[]byte("x"), []byte("y")}, nil); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fds[0])
			unix.Close(fds[1])
			if err := tc.write(fds[0]); !errors.Is(err, unix.EPIPE) {
				t.Fatalf("write to a closed peer: %v, want EPIPE", err)
			}
			if err := syscall.Kill(os.Getpid(), syscall.SIGWINCH); err != nil {
				t.Fatal(err)
			}
			for sig := range signals {
				if sig == syscall.SIGPIPE {
					t.Fatal("the write raised SIGPIPE")
				}
				if sig == syscall.SIGWINCH {
					return
				}
			}
		})
	}
}

// TestReadAndWriteMoveBytes: the raw calls carry bytes both ways and
// report an empty socket as EAGAIN and a closed peer as end of file.
func TestReadAndWriteMoveBytes(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	buf := make([]byte, 16)
	if _, err := Read(fds[0], buf); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("read of an empty socket: %v, want EAGAIN", err)
	}
	if n, _, err := Writev(fds[1], [][]byte{[]byte("hello, "), nil, []byte("world")}, nil); err != nil || n != 12 {
		t.Fatalf("Writev = %d, %v", n, err)
	}
	if n, err := Write(fds[1], []byte("!")); err != nil || n != 1 {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if n, err := Read(fds[0], buf); err != nil || string(buf[:n]) != "hello, world!" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	unix.Close(fds[1])
	if n, err := Read(fds[0], buf); n != 0 || err != nil {
		t.Fatalf("read after the peer closed = %d, %v, want end of file", n, err)
	}
}
