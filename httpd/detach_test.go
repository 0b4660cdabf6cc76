package httpd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop"
)

// detachServer serves /events by detaching the response (an event
// stream) and handing the stream to the test on streams; other paths get
// testHandler's answers. A second Detach and an End inside the Handler
// must fail.
func detachServer(t *testing.T, streams chan *ResponseStream) string {
	t.Helper()
	s, err := New(HandlerFunc(func(w *ResponseWriter, r *Request) {
		if string(r.Path()) != "/events" {
			testHandler(w, r)
			return
		}
		w.SetContentType("text/event-stream")
		w.WriteString("data: hello\n\n")
		st, err := w.Detach()
		if err != nil {
			t.Errorf("Detach: %v", err)
			return
		}
		if _, err := w.Detach(); !errors.Is(err, ErrHeadersSent) {
			t.Errorf("a second Detach: %v, want ErrHeadersSent", err)
		}
		if err := st.End(); err == nil {
			t.Error("End inside the Handler succeeded")
		}
		streams <- st
	}))
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, s)
}

// onStreamLoop runs fn on st's loop and waits for it.
func onStreamLoop(t *testing.T, st *ResponseStream, fn func()) {
	t.Helper()
	done := make(chan error, 1)
	st.Conn().Wake(func(c netloop.Conn, err error) {
		if err == nil {
			fn()
		}
		done <- err
	})
	if err := wait(t, done, "the loop"); err != nil {
		t.Fatal(err)
	}
}

// TestDetachedResponseStreamsEvents: a response detached from its
// Handler goes on from the loop (server-sent events): each event reaches
// the client when written, End finishes the chunked body, and the request
// the client pipelined behind is answered only then.
func TestDetachedResponseStreamsEvents(t *testing.T) {
	streams := make(chan *ResponseStream, 1)
	addr := detachServer(t, streams)
	c := dial(t, addr)
	io.WriteString(c, "GET /events HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Type") != "text/event-stream" || len(resp.TransferEncoding) == 0 {
		t.Fatalf("head: %v", resp.Header)
	}
	st := wait(t, streams, "the stream")
	events := bufio.NewReader(resp.Body)
	readEvent := func(want string) {
		t.Helper()
		line, err := events.ReadString('\n')
		if err != nil || line != want+"\n" {
			t.Fatalf("event %q, %v; want %q", line, err, want)
		}
		events.ReadString('\n') // the blank line after it
	}
	readEvent("data: hello")
	for i := range 3 {
		onStreamLoop(t, st, func() { fmt.Fprintf(st, "data: %d\n\n", i) })
		readEvent(fmt.Sprintf("data: %d", i))
	}
	onStreamLoop(t, st, func() {
		if err := st.End(); err != nil {
			t.Error(err)
		}
		if _, err := st.WriteString("late"); !errors.Is(err, ErrStreamEnded) {
			t.Errorf("a write after End: %v", err)
		}
	})
	if rest, err := io.ReadAll(events); err != nil || len(rest) != 0 {
		t.Fatalf("after End: %q, %v", rest, err)
	}
	if _, got := readResponse(t, br, "GET"); got != "Hello, World!" {
		t.Fatalf("the request pipelined behind: %q", got)
	}
}

// TestDetachedResponseClientLeaves: a client that goes away ends the
// stream: OnClose runs with the reason, and writes fail.
func TestDetachedResponseClientLeaves(t *testing.T) {
	streams := make(chan *ResponseStream, 1)
	c := dial(t, detachServer(t, streams))
	io.WriteString(c, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
	st := wait(t, streams, "the stream")
	closed := make(chan error, 1)
	onStreamLoop(t, st, func() { st.OnClose(func(err error) { closed <- err }) })
	c.Close()
	if err := wait(t, closed, "OnClose"); err == nil {
		t.Fatal("OnClose without a reason")
	}
	if _, err := st.WriteString("data: x\n\n"); !errors.Is(err, ErrStreamEnded) {
		t.Fatalf("a write after the close: %v", err)
	}
}

// TestDetachedResponseWaitsForTheClient: a producer that writes until
// the stream is not Writable (the client reads nothing) is told by
// OnWritable once the client has read, and what it wrote arrives whole.
func TestDetachedResponseWaitsForTheClient(t *testing.T) {
	streams := make(chan *ResponseStream, 1)
	c := dial(t, detachServer(t, streams))
	io.WriteString(c, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
	st := wait(t, streams, "the stream")
	writable := make(chan struct{}, 1)
	chunk := strings.Repeat("z", 64<<10)
	sent := 0
	onStreamLoop(t, st, func() {
		st.OnWritable(func() { writable <- struct{}{} })
		for st.Writable() && sent < 1<<30 {
			st.WriteString(chunk)
			sent += len(chunk)
		}
	})
	if sent >= 1<<30 {
		t.Fatal("the stream never stopped being Writable")
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	buf := make([]byte, 64<<10)
	for got < sent+len("data: hello\n\n") {
		n, err := resp.Body.Read(buf)
		got += n
		if err != nil {
			t.Fatalf("after %d bytes: %v", got, err)
		}
	}
	wait(t, writable, "OnWritable")
}

// TestDetachedResponseOverHTTP10: over HTTP/1.0 the detached body is
// delimited by the connection's close, which End brings.
func TestDetachedResponseOverHTTP10(t *testing.T) {
	streams := make(chan *ResponseStream, 1)
	c := dial(t, detachServer(t, streams))
	io.WriteString(c, "GET /events HTTP/1.0\r\n\r\n")
	st := wait(t, streams, "the stream")
	onStreamLoop(t, st, func() {
		st.WriteString("data: bye\n\n")
		st.End()
	})
	resp, body := readResponse(t, bufio.NewReader(c), "GET")
	if !resp.Close || body != "data: hello\n\ndata: bye\n\n" {
		t.Fatalf("close %v, body %q", resp.Close, body)
	}
}

// detachCases is a server for the tests below: /events detaches (as in
// detachServer), /short declares 10 bytes, writes 5 and detaches, /late
// detaches and goes on through the ResponseWriter, /closing detaches and
// then asks to close, /end ends the last stream handed out (from this
// other connection's Handler, on the same loop).
func detachCases(t *testing.T, streams chan *ResponseStream) string {
	t.Helper()
	var last *ResponseStream
	s, err := New(HandlerFunc(func(w *ResponseWriter, r *Request) {
		switch string(r.Path()) {
		case "/end":
			w.WriteString(fmt.Sprint(last.End()))
			return
		case "/short":
			w.SetContentLength(10)
			w.WriteString("hello")
		case "/events", "/late", "/closing":
			w.WriteString("data: hello\n\n")
		default:
			testHandler(w, r)
			return
		}
		st, err := w.Detach()
		if err != nil {
			t.Errorf("Detach: %v", err)
			return
		}
		switch string(r.Path()) {
		case "/late":
			w.WriteString("data: late\n\n") // goes to the stream
			w.Flush()
		case "/closing":
			w.SetClose()
		}
		last = st
		streams <- st
	}), WithMaxURIBytes(1024), WithMaxHeaderBytes(1024))
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, s, netloop.WithNumLoops(1))
}

// TestDetachedResponseToAClientThatHalfCloses: a client's FIN does not
// cut detached responses short: each goes on to its End, also one that
// was pipelined behind the FIN's arrival, then the request behind them is
// answered, and then the connection closes.
func TestDetachedResponseToAClientThatHalfCloses(t *testing.T) {
	streams := make(chan *ResponseStream, 2)
	c := dial(t, detachCases(t, streams))
	io.WriteString(c, "GET /events HTTP/1.1\r\nHost: x\r\n\r\nGET /events HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	st := wait(t, streams, "the stream")
	c.(*net.TCPConn).CloseWrite()
	eventually(t, "the server to see the FIN", func() bool {
		eof := false
		onStreamLoop(t, st, func() { eof = st.ss.eof })
		return eof
	})
	for i := range 2 {
		onStreamLoop(t, st, func() {
			if _, err := st.WriteString("data: bye\n\n"); err != nil {
				t.Errorf("stream %d, after the FIN: %v", i, err)
			}
			st.End()
		})
		if i == 0 {
			st = wait(t, streams, "the second stream")
		}
	}
	br := bufio.NewReader(c)
	for i := range 2 {
		if _, body := readResponse(t, br, "GET"); body != "data: hello\n\ndata: bye\n\n" {
			t.Fatalf("detached body %d: %q", i, body)
		}
	}
	if _, body := readResponse(t, br, "GET"); body != "Hello, World!" {
		t.Fatalf("the request behind: %q", body)
	}
	expectClosed(t, br)
}

// TestDetachedResponseThroughTheResponseWriter: after Detach the
// Handler's writes and SetClose reach the stream.
func TestDetachedResponseThroughTheResponseWriter(t *testing.T) {
	streams := make(chan *ResponseStream, 1)
	addr := detachCases(t, streams)
	for _, path := range []string{"/late", "/closing"} {
		c := dial(t, addr)
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
		st := wait(t, streams, "the stream")
		onStreamLoop(t, st, func() { st.End() })
		br := bufio.NewReader(c)
		want := "data: hello\n\ndata: late\n\n"
		if path == "/closing" {
			want = "data: hello\n\n"
		}
		if _, body := readResponse(t, br, "GET"); body != want {
			t.Fatalf("%s: body %q, want %q", path, body, want)
		}
		if path == "/closing" {
			expectClosed(t, br) // SetClose after Detach held
		} else if _, body := readResponse(t, br, "GET"); body != "Hello, World!" {
			t.Fatalf("%s: the request behind: %q", path, body)
		}
	}
}

// TestDetachedResponseThatEndsShortServesNothingBehind: an End that must
// close the connection (a body shorter than its declared length) serves
// nothing the client sent behind it, even bytes that arrive before the
// close is carried out.
func TestDetachedResponseThatEndsShortServesNothingBehind(t *testing.T) {
	streams := make(chan *ResponseStream, 1)
	addr := detachCases(t, streams)
	c := dial(t, addr)
	io.WriteString(c, "GET /short HTTP/1.1\r\nHost: x\r\n\r\n")
	st := wait(t, streams, "the stream")
	y := dial(t, addr)
	// Hold the loop, so that /end's request and c's next one arrive in
	// one poll, End running in the first and c's bytes coming in the
	// second before the close.
	blocked := make(chan struct{})
	st.Conn().Wake(func(netloop.Conn, error) { close(blocked); time.Sleep(300 * time.Millisecond) })
	<-blocked
	io.WriteString(y, "GET /end HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResponse(t, bufio.NewReader(y), "GET"); body != "<nil>" {
		t.Fatalf("/end: %q", body)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if body, err := io.ReadAll(resp.Body); err == nil {
		t.Fatalf("the short body arrived whole: %q (what followed it was served)", body)
	}
}

// TestDetachedResponseHoldsBackWhatTheClientSends: requests pipelined
// behind a detached response wait in the kernel, not in the server's
// memory: a client writing them without end is held back by TCP.
func TestDetachedResponseHoldsBackWhatTheClientSends(t *testing.T) {
	streams := make(chan *ResponseStream, 1)
	c := dial(t, detachCases(t, streams))
	io.WriteString(c, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
	st := wait(t, streams, "the stream")
	sent := pipelineUntilHeldBack(c)
	// The kernel's buffers take a few MiB (about 4 here); a server
	// reading on took 24 MiB in the 300 ms, and would take up to
	// netloop's MaxInbound (64 MiB).
	if sent > 12<<20 {
		t.Fatalf("the client sent %d bytes behind a detached response", sent)
	}
	onStreamLoop(t, st, func() {
		if _, err := st.WriteString("data: bye\n\n"); err != nil {
			t.Error(err)
		}
	})
}
