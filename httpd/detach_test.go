package httpd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

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
