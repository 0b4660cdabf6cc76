//go:build linux || darwin || freebsd

package netloop

import (
	"context"
	"errors"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// TestEnrollFdAdoptsATCPSocket dials an echo server with package net,
// hands the socket's descriptor to a client engine and checks bytes flow
// both ways and the addresses are the socket's.
func TestEnrollFdAdoptsATCPSocket(t *testing.T) {
	_, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0")
	nc, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	local := nc.LocalAddr().String()
	fd := dupFd(t, nc)
	id := identify(t, fd)
	nc.Close()
	cl := newCollector()
	client := serve(t, cl, nil)
	c, err := client.EnrollFd(context.Background(), fd, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-cl.opened
	if c.RemoteAddr().String() != addr.String() || c.LocalAddr().String() != local {
		t.Errorf("addresses %v -> %v, want %v -> %v", c.LocalAddr(), c.RemoteAddr(), local, addr)
	}
	c.AsyncWrite([]byte("adopted by fd"), nil)
	if got := cl.read(t, 13); got != "adopted by fd" {
		t.Errorf("echo: got %q", got)
	}
	c.Close()
	recv(t, cl.closed)
	if stillOpen(fd, id) {
		t.Errorf("fd %d still open after Close", fd)
	}
}

// TestEnrollFdAdoptsOneEndOfASocketPair: a connected Unix stream socket
// with no name, as a parent process might pass down.
func TestEnrollFdAdoptsOneEndOfASocketPair(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	cl := newCollector()
	client := serve(t, cl, nil)
	if _, err := client.EnrollFd(context.Background(), fds[0], nil); err != nil {
		t.Fatal(err)
	}
	<-cl.opened
	if _, err := unix.Write(fds[1], []byte("over the pair")); err != nil {
		t.Fatal(err)
	}
	if got := cl.read(t, 13); got != "over the pair" {
		t.Errorf("got %q", got)
	}
}

// TestEnrollFdRefusesWhatItCannotServe: a pipe, an unconnected socket and
// a listening socket are refused with errors errors.Is can tell apart, and
// the descriptor is closed, since EnrollFd owns it either way.
func TestEnrollFdRefusesWhatItCannotServe(t *testing.T) {
	client := serve(t, newCollector(), nil)
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	unconnected, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	listening, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(listening, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(listening, 1); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		fd   int
		want error
	}{
		{"pipe", p[0], unix.ENOTSOCK},
		{"unconnected socket", unconnected, unix.ENOTCONN},
		{"listening socket", listening, ErrUnsupported},
	}
	for _, tc := range cases {
		id := identify(t, tc.fd)
		_, err := client.EnrollFd(context.Background(), tc.fd, nil)
		if err == nil {
			t.Errorf("%s: adopted", tc.name)
			continue
		}
		want := tc.want
		if enrollServesNetConn && tc.want != unix.ENOTSOCK {
			want = ErrUnsupported // package net says only that it has no peer
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want an error matching %v", tc.name, err, want)
		}
		if stillOpen(tc.fd, id) {
			t.Errorf("%s: fd %d still open after a refusal", tc.name, tc.fd)
		}
	}
}

// fileID identifies the open file behind a descriptor.
type fileID struct{ dev, ino uint64 }

func identify(t *testing.T, fd int) fileID {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}
}

// stillOpen reports whether fd still refers to the file id. Once closed,
// the number may already serve another file (the portable engine frees it
// at adoption, keeping a duplicate): a number reused is not a leak.
func stillOpen(fd int, id fileID) bool {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return false // EBADF
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)} == id
}

// dupFd returns a duplicate of nc's descriptor that no Go value owns.
func dupFd(t *testing.T, nc net.Conn) int {
	t.Helper()
	raw, err := nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	fd := -1
	cerr := raw.Control(func(s uintptr) { fd, err = unix.Dup(int(s)) })
	if cerr != nil || err != nil {
		t.Fatal(cerr, err)
	}
	return fd
}
