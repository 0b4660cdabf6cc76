package httpd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/netloop/netloop/internal/nettest"
)

// TestStdHijack: a handler takes the connection over after a 101 and
// speaks a line protocol on it. The client's first line is sent with the
// request, before the 101 could arrive, so the hijacker must get the
// bytes the server had buffered; the client's FIN reaches the hijacker
// as io.EOF, and its close closes the connection.
func TestStdHijack(t *testing.T) {
	errs := make(chan error, 1)
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Upgrade", "shout")
		w.Header().Set("Connection", "Upgrade")
		w.WriteHeader(http.StatusSwitchingProtocols)
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			errs <- err
			return
		}
		defer conn.Close()
		if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrHijacked) {
			errs <- fmt.Errorf("Write after Hijack: %v", err)
			return
		}
		if _, _, err := w.(http.Hijacker).Hijack(); !errors.Is(err, http.ErrHijacked) {
			errs <- fmt.Errorf("second Hijack: %v", err)
			return
		}
		for {
			line, err := brw.ReadString('\n')
			if err == io.EOF {
				errs <- nil
				return
			}
			if err != nil {
				errs <- err
				return
			}
			brw.WriteString(strings.ToUpper(line))
			brw.Flush()
		}
	})
	c := dial(t, addr).(*net.TCPConn)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\nhello\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 || resp.Header.Get("Upgrade") != "shout" {
		t.Fatalf("upgrade answer %v %v", resp, err)
	}
	for _, line := range []string{"hello\n", "and more\n"} {
		if line != "hello\n" {
			io.WriteString(c, line)
		}
		if got, err := br.ReadString('\n'); got != strings.ToUpper(line) {
			t.Fatalf("got %q (%v), want %q", got, err, strings.ToUpper(line))
		}
	}
	c.CloseWrite()
	if err := wait(t, errs, "the hijacker to see EOF"); err != nil {
		t.Fatal(err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the hijacker closed: %v, want EOF", err)
	}
}

// TestStdHijackedConnDeadlines: a read deadline fails a read waiting for
// bytes with a timeout, and a later one reads what came; a write deadline
// fails a write to a client that reads nothing.
func TestStdHijackedConnDeadlines(t *testing.T) {
	type step struct {
		what string
		err  error
	}
	steps := make(chan step, 4)
	goOn := make(chan struct{})
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			steps <- step{"hijack", err}
			return
		}
		defer conn.Close()
		buf := make([]byte, 16)
		conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, err = conn.Read(buf)
		steps <- step{"read timeout", err}
		<-goOn
		conn.SetReadDeadline(time.Now().Add(nettest.Timeout))
		n, err := conn.Read(buf)
		if err == nil && string(buf[:n]) != "ping" {
			err = fmt.Errorf("read %q", buf[:n])
		}
		steps <- step{"read", err}
		// The client reads nothing: writes fill the socket and then wait.
		conn.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		chunk := make([]byte, 1<<20)
		for i := 0; i < 256; i++ {
			if _, err = conn.Write(chunk); err != nil {
				break
			}
		}
		steps <- step{"write timeout", err}
	})
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	s := wait(t, steps, "the read deadline")
	if ne, ok := s.err.(net.Error); !ok || !ne.Timeout() || !errors.Is(s.err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: %v, want a timeout", s.what, s.err)
	}
	io.WriteString(c, "ping")
	close(goOn)
	if s := wait(t, steps, "the read"); s.err != nil {
		t.Fatalf("%s: %v", s.what, s.err)
	}
	if s := wait(t, steps, "the write deadline"); !errors.Is(s.err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: %v, want a timeout", s.what, s.err)
	}
}

// TestStdServesGorillaWebSocket: gorilla/websocket's Upgrader, an
// unmodified net/http WebSocket server, runs on the adapter: several
// clients at once exchange text and binary messages (one of 1 MiB) and
// close cleanly, and a client's ping is answered.
func TestStdServesGorillaWebSocket(t *testing.T) {
	upgrader := websocket.Upgrader{}
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // Upgrade has answered
		}
		defer ws.Close()
		for {
			kind, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if err := ws.WriteMessage(kind, msg); err != nil {
				return
			}
		}
	})
	const clients, messages = 8, 50
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- webSocketClient(addr, i, messages, big)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// webSocketClient exchanges messages with the echo server at addr and
// closes with a close handshake.
func webSocketClient(addr string, id, messages int, big []byte) error {
	d := websocket.Dialer{HandshakeTimeout: nettest.Timeout}
	ws, resp, err := d.Dial("ws://"+addr+"/", nil)
	if err != nil {
		return fmt.Errorf("client %d: dial: %v (%v)", id, err, resp)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(nettest.Timeout))
	pong := make(chan string, 1)
	ws.SetPongHandler(func(data string) error { pong <- data; return nil })
	for j := 0; j < messages; j++ {
		kind, msg := websocket.TextMessage, []byte(fmt.Sprintf("client %d message %d", id, j))
		switch {
		case j == messages/2:
			kind, msg = websocket.BinaryMessage, big
		case j%7 == 0:
			kind = websocket.BinaryMessage
		}
		if err := ws.WriteMessage(kind, msg); err != nil {
			return fmt.Errorf("client %d: write %d: %v", id, j, err)
		}
		gotKind, got, err := ws.ReadMessage()
		if err != nil || gotKind != kind || !bytes.Equal(got, msg) {
			return fmt.Errorf("client %d: message %d: kind %d, %d bytes, %v", id, j, gotKind, len(got), err)
		}
	}
	if err := ws.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(nettest.Timeout)); err != nil {
		return err
	}
	// The pong is handled while reading: the server closes after our
	// close message, so the read ends with the close.
	ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
	_, _, err = ws.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		return fmt.Errorf("client %d: close: %v", id, err)
	}
	select {
	case p := <-pong:
		if p != "are you there" {
			return fmt.Errorf("client %d: pong %q", id, p)
		}
	default:
		return fmt.Errorf("client %d: no pong before the close", id)
	}
	return nil
}

// BenchmarkStdWebSocketEcho measures gorilla/websocket round trips of
// 1 KiB messages, its server on the adapter against the same server on
// net/http's.
func BenchmarkStdWebSocketEcho(b *testing.B) {
	upgrader := websocket.Upgrader{}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			kind, msg, err := ws.ReadMessage()
			if err != nil || ws.WriteMessage(kind, msg) != nil {
				return
			}
		}
	})
	againstNetHTTP(b, echo, wsRoundTrips)
}

// wsRoundTrips is a gorilla/websocket client's load on the server at
// addr: a 1 KiB message, then its echo, again and again.
func wsRoundTrips(b *testing.B, addr string) {
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	msg := bytes.Repeat([]byte("x"), 1024)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := ws.WriteMessage(websocket.BinaryMessage, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := ws.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdHijackedWrites measures a hijacked connection's small
// writes, 100 bytes each, as a push server makes them, against net/http's
// hijacked connection.
func BenchmarkStdHijackedWrites(b *testing.B) {
	const writes = 10000
	push := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		msg := bytes.Repeat([]byte("m"), 100)
		buf := make([]byte, 1)
		for {
			// One byte asks for a burst. (net/http may have buffered it
			// already: read through brw.)
			if _, err := brw.Read(buf); err != nil {
				return
			}
			for range writes {
				if _, err := conn.Write(msg); err != nil {
					return
				}
			}
		}
	})
	againstNetHTTP(b, push, func(b *testing.B, addr string) {
		c := dial(b, addr)
		c.SetDeadline(time.Time{})
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		buf := make([]byte, writes*100)
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			c.Write([]byte{1})
			if _, err := io.ReadFull(c, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// eventually polls cond until it holds, for states no signal announces
// (a writer blocked on its budget, a stream the loop stopped reading).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(nettest.Timeout); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for %s", what)
			return
		}
	}
}

// TestStdHijackAfterTheClientsFIN: a client that sends its request, a
// few bytes and a FIN before the handler hijacks: the hijacker reads the
// bytes, then io.EOF.
func TestStdHijackAfterTheClientsFIN(t *testing.T) {
	got := make(chan string, 1)
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the FIN has arrived
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			got <- err.Error()
			return
		}
		defer conn.Close()
		b, err := io.ReadAll(conn)
		got <- fmt.Sprintf("%s %v", b, err)
	})
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\nhello")
	c.(*net.TCPConn).CloseWrite()
	if s := wait(t, got, "the hijacker"); s != "hello <nil>" {
		t.Fatalf("hijacker read %q, want hello and EOF", s)
	}
}

// TestStdHijackedWriteIsUnblocked: a write waiting on its budget, the
// client reading nothing, returns when another goroutine closes the
// connection or moves the write deadline to now, as net.Conn requires.
func TestStdHijackedWriteIsUnblocked(t *testing.T) {
	for _, how := range []string{"Close", "SetWriteDeadline"} {
		t.Run(how, func(t *testing.T) {
			errs := make(chan error, 1)
			addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err != nil {
					errs <- err
					return
				}
				defer conn.Close()
				done := make(chan error, 1)
				go func() {
					chunk := make([]byte, 64<<10)
					for {
						if _, err := conn.Write(chunk); err != nil {
							done <- err
							return
						}
					}
				}()
				// Blocked for good: the client's small receive buffer
				// is full, so no acknowledgement is on its way. (A
				// write also waits briefly while bytes still drain.)
				hc := conn.(*hijackedConn)
				last := int64(-1)
				eventually(t, "the writer to stay blocked on its budget", func() bool {
					n := hc.inflight.Load()
					settled := hc.blocked.Load() && n == last
					last = n
					if !settled {
						time.Sleep(10 * time.Millisecond)
					}
					return settled
				})
				if how == "Close" {
					conn.Close()
				} else {
					conn.SetWriteDeadline(time.Now())
				}
				errs <- wait(t, done, "the blocked write to return")
			})
			c := dial(t, addr).(*net.TCPConn)
			c.SetReadBuffer(4096)
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
			want := net.ErrClosed
			if how != "Close" {
				want = os.ErrDeadlineExceeded
			}
			if err := wait(t, errs, "the handler"); !errors.Is(err, want) {
				t.Fatalf("write: %v, want %v", err, want)
			}
		})
	}
}

// TestStdHijackedDirectionsAreIndependent: output piled up for a client
// that is not reading does not stop the server reading what the client
// sends, a deadlock for a client that sends everything before it reads.
// The client sends more than the kernel's buffers can hold.
func TestStdHijackedDirectionsAreIndependent(t *testing.T) {
	const size = 96 << 20
	got := make(chan int64, 1)
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			got <- -1
			return
		}
		defer conn.Close()
		go func() {
			chunk := make([]byte, 64<<10)
			for {
				if _, err := conn.Write(chunk); err != nil {
					return
				}
			}
		}()
		hc := conn.(*hijackedConn)
		eventually(t, "the output to pile up", func() bool { return hc.inflight.Load() >= hc.window })
		n, _ := io.CopyN(io.Discard, conn, size)
		got <- n
	})
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := c.Write(make([]byte, size)); err != nil {
		t.Fatalf("the client's write stalled: %v", err)
	}
	if n := wait(t, got, "the handler"); n != size {
		t.Fatalf("handler read %d bytes, want %d", n, size)
	}
}
