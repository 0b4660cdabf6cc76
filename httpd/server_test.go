package httpd

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop"
)

func TestServeHello(t *testing.T) {
	_, addr := newTestServer(t)
	resp, body := roundTrip(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.StatusCode != 200 || body != "Hello, World!" {
		t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, body, "Hello, World!")
	}
	if got := resp.Header.Get("Content-Type"); got != "text/plain" {
		t.Errorf("Content-Type = %q", got)
	}
	if resp.ContentLength != 13 {
		t.Errorf("Content-Length = %d, want 13", resp.ContentLength)
	}
	if d, err := time.Parse(time.RFC1123, resp.Header.Get("Date")); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date = %q (%v), want the current time", resp.Header.Get("Date"), err)
	}
	if resp.Close {
		t.Error("response closes an HTTP/1.1 keep-alive connection")
	}
}

func TestPipelined100RequestsInOneWrite(t *testing.T) {
	_, addr := newTestServer(t)
	c := dial(t, addr)
	var req strings.Builder
	for i := range 100 {
		if i%3 == 1 {
			fmt.Fprintf(&req, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\nbody-%d", len(fmt.Sprint("body-", i)), i)
		} else {
			fmt.Fprintf(&req, "GET /target?i=%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		}
	}
	if _, err := io.WriteString(c, req.String()); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for i := range 100 {
		resp, body := readResponse(t, br, "GET")
		want := fmt.Sprintf("/target?i=%d x", i)
		if i%3 == 1 {
			want = fmt.Sprint("body-", i)
		}
		if resp.StatusCode != 200 || body != want {
			t.Fatalf("response %d: %d %q, want 200 %q", i, resp.StatusCode, body, want)
		}
	}
}

func TestRequestSplitByteByByte(t *testing.T) {
	_, addr := newTestServer(t)
	c := dial(t, addr)
	br := bufio.NewReader(c)
	reqs := []struct{ raw, want string }{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "Hello, World!"},
		{"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "hello"},
		{"POST /trailer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nX-Sum: 42\r\n\r\n", "42"},
	}
	for _, r := range reqs {
		for i := 0; i < len(r.raw); i++ {
			if _, err := c.Write([]byte{r.raw[i]}); err != nil {
				t.Fatal(err)
			}
			if i%8 == 0 {
				time.Sleep(time.Millisecond) // let the server see a partial request
			}
		}
		resp, body := readResponse(t, br, "GET")
		if resp.StatusCode != 200 || body != r.want {
			t.Fatalf("%q: got %d %q, want 200 %q", r.raw, resp.StatusCode, body, r.want)
		}
	}
}

func TestKeepAliveRules(t *testing.T) {
	_, addr := newTestServer(t)
	tests := []struct {
		name, req  string
		connHeader string
		closes     bool
	}{
		{"http/1.1", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "", false},
		{"http/1.1 close", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "close", true},
		{"http/1.0", "GET / HTTP/1.0\r\n\r\n", "close", true},
		{"http/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "keep-alive", false},
		{"handler closes", "GET /close HTTP/1.1\r\nHost: x\r\n\r\n", "close", true},
		{"short body closes", "GET /short HTTP/1.1\r\nHost: x\r\n\r\n", "close", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			io.WriteString(c, tt.req)
			br := bufio.NewReader(c)
			line, _ := br.ReadString('\n')
			head := line
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				head += l
				if l == "\r\n" {
					break
				}
			}
			if !strings.HasPrefix(line, "HTTP/1.1 200 OK") {
				t.Fatalf("status line %q", line)
			}
			got := ""
			for _, l := range strings.Split(head, "\r\n") {
				if v, ok := strings.CutPrefix(l, "Connection: "); ok {
					got = v
				}
			}
			if got != tt.connHeader {
				t.Errorf("Connection: %q, want %q; head:\n%s", got, tt.connHeader, head)
			}
			if tt.closes {
				io.Copy(io.Discard, br)
				return
			}
			// Still open: a second request gets an answer.
			io.WriteString(c, tt.req)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := br.ReadString('\n'); err != nil {
				t.Errorf("connection closed after a keep-alive response: %v", err)
			}
		})
	}
}

func TestConnectionCloseDropsLaterPipelinedRequests(t *testing.T) {
	_, addr := newTestServer(t)
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	readResponse(t, br, "GET")
	expectClosed(t, br)
}

// TestPipeliningClientThatDoesNotReadIsHeldBack: a client that pipelines
// thousands of requests for large responses and reads none costs the
// server about its outbound high water mark, not the responses: the
// server stops serving until the client catches up, then answers every
// request, also when the client half-closed after the last.
func TestPipeliningClientThatDoesNotReadIsHeldBack(t *testing.T) {
	const requests, size = 4000, 32 << 10 // 128 MiB of responses
	big := strings.Repeat("x", size)
	s, err := New(HandlerFunc(func(w *ResponseWriter, r *Request) { w.WriteString(big) }))
	if err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, s)
	for _, halfClose := range []bool{false, true} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c := dial(t, addr)
		// Small enough for the kernel's buffers to take whole: the
		// write does not depend on the server reading.
		if _, err := io.WriteString(c, strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", requests)); err != nil {
			t.Fatal(err)
		}
		if halfClose {
			c.(*net.TCPConn).CloseWrite()
		}
		br := bufio.NewReader(c)
		if _, err := br.Peek(1); err != nil { // the server has begun answering
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 16<<20 {
			t.Errorf("the heap grew by %d bytes for a client that reads nothing", grew)
		}
		for i := range requests {
			if _, body := readResponse(t, br, "GET"); len(body) != size {
				t.Fatalf("response %d: %d bytes", i, len(body))
			}
		}
		if halfClose {
			expectClosed(t, br)
		}
	}
}

func TestHeadHasLengthButNoBody(t *testing.T) {
	_, addr := newTestServer(t)
	c := dial(t, addr)
	io.WriteString(c, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /method HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	resp, body := readResponse(t, br, "HEAD")
	if resp.ContentLength != 13 || body != "" {
		t.Errorf("HEAD: Content-Length %d body %q, want 13 and none", resp.ContentLength, body)
	}
	if _, body := readResponse(t, br, "GET"); body != "GET" {
		t.Errorf("request after HEAD answered %q", body)
	}
}

func TestStreamedResponseIsChunked(t *testing.T) {
	_, addr := newTestServer(t)
	resp, body := roundTrip(t, addr, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	if body != "partpartpart" || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("got %q with transfer encoding %v", body, resp.TransferEncoding)
	}
	// HTTP/1.0 has no chunked coding: the body ends with the connection.
	resp, body = roundTrip(t, addr, "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	if body != "partpartpart" || resp.ContentLength != -1 || !resp.Close {
		t.Errorf("HTTP/1.0: got %q, length %d, close %v", body, resp.ContentLength, resp.Close)
	}
}

func TestExpectContinue(t *testing.T) {
	_, addr := newTestServer(t)
	c := dial(t, addr)
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	br := bufio.NewReader(c)
	readContinue(t, br)
	io.WriteString(c, "ping")
	if resp, body := readResponse(t, br, "POST"); resp.StatusCode != 200 || body != "ping" {
		t.Errorf("got %d %q", resp.StatusCode, body)
	}
	// Too large: refused at once, without 100 Continue.
	c2 := dial(t, addr)
	io.WriteString(c2, "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 999999999\r\n\r\n")
	if resp, _ := readResponse(t, bufio.NewReader(c2), "POST"); resp.StatusCode != 413 {
		t.Errorf("oversized expect-continue request answered %d, want 413", resp.StatusCode)
	}
}

// TestRefusedRequestsOverTheWire checks that each refusal reaches the
// client with its status and closes the connection, and that responses to
// the requests before it still arrive first.
func TestRefusedRequestsOverTheWire(t *testing.T) {
	_, addr := newTestServer(t,
		WithMaxURIBytes(32), WithMaxHeaderBytes(128), WithMaxBodyBytes(16), WithMaxHeaderCount(4))
	tests := []struct {
		name, req string
		status    int
	}{
		{"cl and te", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"differing cl", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
		{"bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400},
		{"bad field name", "GET / HTTP/1.1\r\nHost: x\r\nX Y: a\r\n\r\n", 400},
		{"unknown coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"uri too long", "GET /" + strings.Repeat("u", 40) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"header too large", "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("h", 200) + "\r\n\r\n", 431},
		{"too many headers", "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n", 431},
		{"body too large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n", 413},
		{"chunked body too large", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n", 413},
		{"http/2", "GET / HTTP/2.0\r\n\r\n", 505},
		{"expectation", "GET / HTTP/1.1\r\nHost: x\r\nExpect: nothing\r\n\r\n", 417},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			io.WriteString(c, "GET /method HTTP/1.1\r\nHost: x\r\n\r\n"+tt.req)
			br := bufio.NewReader(c)
			if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "GET" {
				t.Fatalf("request before the bad one: %d %q", resp.StatusCode, body)
			}
			resp, body := readResponse(t, br, "GET")
			if resp.StatusCode != tt.status || !resp.Close {
				t.Errorf("got %d (close %v) %q, want %d and close", resp.StatusCode, resp.Close, body, tt.status)
			}
			expectClosed(t, br)
		})
	}
}

// TestReadHeaderTimeoutIsATotalBound sends a request head one byte every
// 50 ms: each byte would reset a per-read timeout, but the total bound
// ends the connection (with 408, or by closing it) long before the head
// is complete.
func TestReadHeaderTimeoutIsATotalBound(t *testing.T) {
	_, addr := newTestServer(t, WithReadHeaderTimeout(300*time.Millisecond))
	c := dial(t, addr)
	head := "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("s", 100) + "\r\n\r\n" // 6 s at this pace
	ended := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(c)
		ended <- string(b)
	}()
	start := time.Now()
	for i := 0; i < len(head); i++ {
		select {
		case got := <-ended:
			if got != "" && !strings.HasPrefix(got, "HTTP/1.1 408 ") {
				t.Fatalf("server answered %q, want 408 or nothing", got)
			}
			t.Logf("ended after %v and %d bytes with %q", time.Since(start).Round(time.Millisecond), i, firstLine(got))
			return
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := c.Write([]byte{head[i]}); err != nil {
			t.Logf("write failed after %v: %v", time.Since(start), err)
			return
		}
	}
	t.Fatalf("the whole head trickled in over %v without the server ending the connection", time.Since(start))
}

// TestReadHeaderTimeoutClosesSilentClients covers a client that connects
// and sends nothing, and one that stops half way through a head.
func TestReadHeaderTimeoutClosesSilentClients(t *testing.T) {
	_, addr := newTestServer(t, WithReadHeaderTimeout(100*time.Millisecond))
	for _, sent := range []string{"", "GET / HTTP/1.1\r\nHo"} {
		c := dial(t, addr)
		io.WriteString(c, sent)
		if b, err := io.ReadAll(c); err != nil || len(b) > 0 && !strings.HasPrefix(string(b), "HTTP/1.1 408 ") {
			t.Errorf("after %q: read %q, %v; want the connection closed", sent, b, err)
		}
	}
	// Whole requests on a keep-alive connection are not bounded by it.
	c := dial(t, addr)
	br := bufio.NewReader(c)
	for range 3 {
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		readResponse(t, br, "GET")
		time.Sleep(60 * time.Millisecond) // idle, not slow: the keep-alive timeout applies
	}
}

func TestIdleTimeoutClosesKeepAliveConnections(t *testing.T) {
	_, addr := newTestServer(t, WithIdleTimeout(100*time.Millisecond))
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	readResponse(t, br, "GET")
	start := time.Now()
	expectClosed(t, br)
	t.Logf("closed %v after the response", time.Since(start).Round(time.Millisecond))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

// heldMax records the most output a connection held, answered and not yet
// taken by the client, as handlers saw it.
type heldMax struct {
	mu  sync.Mutex
	max int
}

func (h *heldMax) note(w *ResponseWriter, c netloop.Conn) {
	n := c.OutboundBuffered() + len(w.b.out)
	h.mu.Lock()
	h.max = max(h.max, n)
	h.mu.Unlock()
}

func (h *heldMax) get() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.max
}

// heldBound is what a connection may hold of answers: the high water mark
// (1 MiB), flushAt, an answer, and slack.
const heldBound = 4 << 20

// pipelineAndReadAll sends n copies of req in one write, then reads n
// answers of size bytes each.
func pipelineAndReadAll(t *testing.T, addr, req string, n, size int) {
	t.Helper()
	c := dial(t, addr)
	if _, err := io.WriteString(c, strings.Repeat(req, n)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for i := range n {
		if _, body := readResponse(t, br, "GET"); len(body) != size {
			t.Fatalf("response %d: %d bytes", i, len(body))
		}
	}
}

// TestPipelinedAnswersThatFlushAreHeldBack: answers a handler sends
// itself (Flush) count against the client's backlog as batched ones do.
func TestPipelinedAnswersThatFlushAreHeldBack(t *testing.T) {
	const requests, size = 4000, 32 << 10
	big := strings.Repeat("x", size)
	var h heldMax
	s, err := New(HandlerFunc(func(w *ResponseWriter, r *Request) {
		h.note(w, r.Conn())
		w.SetContentLength(size)
		w.WriteString(big)
		w.Flush()
	}))
	if err != nil {
		t.Fatal(err)
	}
	pipelineAndReadAll(t, startServer(t, s), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", requests, size)
	if m := h.get(); m > heldBound {
		t.Fatalf("the server held %d bytes of answers for one connection", m)
	}
}
