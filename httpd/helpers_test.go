package httpd

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
)

// testHandler is the native handler the server tests run.
func testHandler(w *ResponseWriter, r *Request) {
	switch string(r.Path()) {
	case "/":
		w.AddHeader("Content-Type", "text/plain")
		w.WriteString("Hello, World!")
	case "/echo":
		w.Write(r.Body())
	case "/method":
		w.Write(r.Method())
	case "/target":
		w.Write(r.Target())
		w.WriteString(" ")
		w.Write(r.Host())
	case "/trailer":
		w.Write(r.Trailer("X-Sum"))
	case "/stream":
		for i := 0; i < 3; i++ {
			w.WriteString("part")
			w.Flush()
		}
	case "/short":
		w.SetContentLength(10)
		w.WriteString("short")
	case "/close":
		w.SetClose()
		w.WriteString("bye")
	default:
		w.SetStatus(404)
		w.WriteString("not found")
	}
}

// startServer runs s on a loopback port for the test's duration and
// returns the address.
func startServer(t testing.TB, s *Server, opts ...netloop.Option) string {
	t.Helper()
	eng := nettest.Serve(t, s, "tcp://127.0.0.1:0", opts...)
	return eng.Addrs()[0].String()
}

func newTestServer(t testing.TB, opts ...Option) (*Server, string) {
	t.Helper()
	s, err := New(HandlerFunc(testHandler), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s, startServer(t, s)
}

func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, nettest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(nettest.Timeout))
	return c
}

// readResponse reads one response from br with net/http's client parser.
func readResponse(t testing.TB, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response body: %v", err)
	}
	resp.Body.Close()
	return resp, string(body)
}

// roundTrip writes raw and reads one response.
func roundTrip(t testing.TB, addr, raw string) (*http.Response, string) {
	t.Helper()
	c := dial(t, addr)
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	method := "GET"
	if strings.HasPrefix(raw, "HEAD ") {
		method = "HEAD"
	}
	return readResponse(t, bufio.NewReader(c), method)
}

// readContinue reads the interim response "100 Continue" from br.
func readContinue(t testing.TB, br *bufio.Reader) {
	t.Helper()
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("interim response %q, %v; want 100 Continue", line, err)
	}
	if blank, _ := br.ReadString('\n'); blank != "\r\n" {
		t.Fatalf("100 Continue followed by %q", blank)
	}
}

// expectClosed checks that the server closes c (EOF or reset) after what
// it has sent.
func expectClosed(t testing.TB, br *bufio.Reader) {
	t.Helper()
	if b, err := br.ReadByte(); err == nil {
		rest, _ := br.Peek(br.Buffered())
		t.Fatalf("connection still open: read %q", append([]byte{b}, rest...))
	}
}

// sendUntilClosed writes up to 16 MiB of body bytes to c from another
// goroutine, stopping when the server closes: a client still busy sending
// a body the server has answered without reading.
func sendUntilClosed(c net.Conn) {
	go func() {
		chunk := make([]byte, 64<<10)
		for range 256 {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
}

// pipelineUntilHeldBack writes pipelined GETs to c, 864 KiB at a time,
// until a write takes longer than 300 ms (the server has stopped reading
// and the kernel's buffers are full) or 128 MiB have gone; it returns
// how many bytes went.
func pipelineUntilHeldBack(c net.Conn) int {
	chunk := []byte(strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1<<15))
	sent := 0
	for sent < 128<<20 {
		c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Write(chunk)
		sent += n
		if err != nil {
			break // held back
		}
	}
	return sent
}
