package netloop

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
)

func TestPeerResetReportsConnReset(t *testing.T) {
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	readString(t, c, 3)
	// Linger 0 makes Close send RST instead of FIN.
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	if err := recv(t, r.closed); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("OnClose err = %v, want ECONNRESET", err)
	}
}

// replyOnHalfClose answers each request with size bytes of pattern.
type replyBulk struct {
	BuiltinHandler
	size   int
	closed chan error
	close  bool // close right after writing, with the reply pending
}

func (h *replyBulk) OnTraffic(c Conn) Action {
	c.Discard(-1)
	c.Write(pattern(h.size))
	if h.close {
		return Close
	}
	return None
}

func (h *replyBulk) OnClose(_ Conn, err error) Action {
	h.closed <- err
	return None
}

// TestPeerHalfCloseStillGetsReply sends a request and shuts down the
// client's write side at once: the server must still deliver its whole
// (large) reply before closing with io.EOF.
func TestPeerHalfCloseStillGetsReply(t *testing.T) {
	const size = 8 << 20
	h := &replyBulk{size: size, closed: make(chan error, 1)}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0")
	c := dial(t, addr).(*net.TCPConn)
	c.Write([]byte("request"))
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	checkPattern(t, got, size)
	if err := recv(t, h.closed); !errors.Is(err, io.EOF) {
		t.Errorf("OnClose err = %v, want io.EOF", err)
	}
}

// TestServerCloseFlushesPending closes from the server right after a
// write the kernel cannot take at once: the client still reads it all.
func TestServerCloseFlushesPending(t *testing.T) {
	const size = 16 << 20
	h := &replyBulk{size: size, closed: make(chan error, 1), close: true}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	c.Write([]byte("go"))
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	checkPattern(t, got, size)
	if err := recv(t, h.closed); err != nil {
		t.Errorf("OnClose err = %v, want nil", err)
	}
}

// TestSlowReaderLosesNothing has the server write 100 MiB to a client that
// reads nothing until the server has issued every write, then reads it all.
func TestSlowReaderLosesNothing(t *testing.T) {
	const chunk, chunks = 1 << 20, 100
	h := &chunkWriter{chunk: chunk, chunks: chunks, written: make(chan int, 1)}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	c.Write([]byte("go"))
	if pending := <-h.written; pending == 0 {
		t.Log("the kernel took all 100 MiB at once; nothing was buffered")
	}
	want := pattern(chunk)
	buf := make([]byte, chunk)
	for i := 0; i < chunks; i++ {
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		if !bytes.Equal(buf, want) {
			t.Fatalf("chunk %d differs at byte %d", i, firstDiff(buf, want))
		}
	}
}

// chunkWriter writes chunks of pattern on the first traffic and reports
// how many bytes it then had pending.
type chunkWriter struct {
	BuiltinHandler
	chunk, chunks int
	written       chan int
}

func (h *chunkWriter) OnTraffic(c Conn) Action {
	c.Discard(-1)
	p := pattern(h.chunk)
	for i := 0; i < h.chunks; i++ {
		if _, err := c.Write(p); err != nil {
			h.written <- -1
			return Close
		}
	}
	h.written <- c.OutboundBuffered()
	return None
}
