package httpd

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
)

// shout is a line protocol for the upgrade tests: each line comes back
// upper-cased. Its OnClose and OnEOF report on channels.
type shout struct {
	closed chan error
	eof    chan struct{}
}

func (p *shout) OnTraffic(c netloop.Conn) netloop.Action {
	for {
		buf, _ := c.Peek(-1)
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return netloop.None
		}
		c.Write(bytes.ToUpper(buf[:i+1]))
		c.Discard(i + 1)
	}
}

func (p *shout) OnClose(c netloop.Conn, err error) { p.closed <- err }

func (p *shout) OnEOF(c netloop.Conn) netloop.Action {
	close(p.eof)
	c.Write([]byte("BYE\n")) // a half-closed client still reads
	return netloop.Close
}

// upgradeServer serves /shout by upgrading to the shout protocol (with an
// X-Proto field in the 101 answer), and answers 426 with Upgrade's error
// where that fails; other paths get testHandler's answers.
func upgradeServer(t *testing.T, p *shout, opts ...Option) string {
	t.Helper()
	s, err := New(HandlerFunc(func(w *ResponseWriter, r *Request) {
		if string(r.Path()) != "/shout" {
			testHandler(w, r)
			return
		}
		if string(r.Query()) == "flushed" {
			w.Flush()
		}
		w.AddHeader("X-Proto", "shout/1")
		w.WriteString("dropped")
		if err := w.Upgrade("shout", p); err != nil {
			if !errors.Is(err, ErrNoUpgrade) && !errors.Is(err, ErrHeadersSent) {
				t.Errorf("Upgrade: %v, want ErrNoUpgrade or ErrHeadersSent", err)
			}
			if !w.sent {
				w.SetStatus(426)
			}
			w.WriteString(err.Error()) // after "dropped", which stays
			return
		}
		if _, err := w.WriteString("after"); err == nil {
			t.Error("a write after Upgrade succeeded")
		}
	}), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, s)
}

func newShout() *shout { return &shout{closed: make(chan error, 1), eof: make(chan struct{})} }

const upgradeRequest = "GET /shout HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: h2c, shout\r\n\r\n"

// TestUpgradeHandsTheConnectionOver: the 101 answer (after the answer to
// a request pipelined before it) carries the protocol, Connection:
// Upgrade and the handler's fields, and nothing of the body; bytes the
// client sent behind the request reach the protocol at once; from then on
// it has the connection, past the HTTP timeouts, to its OnEOF and
// OnClose.
func TestUpgradeHandsTheConnectionOver(t *testing.T) {
	p := newShout()
	const limit = 100 * time.Millisecond
	addr := upgradeServer(t, p, WithReadHeaderTimeout(limit), WithIdleTimeout(limit))
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"+upgradeRequest+"early\nhalf")
	br := bufio.NewReader(c)
	if _, got := readResponse(t, br, "GET"); got != "Hello, World!" {
		t.Fatalf("the request before: %q", got)
	}
	resp, err := http101(br)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"HTTP/1.1 101 Switching Protocols\r\n", "Upgrade: shout\r\n", "Connection: Upgrade\r\n", "X-Proto: shout/1\r\n"} {
		if !strings.Contains(resp, want) {
			t.Fatalf("101 answer %q lacks %q", resp, want)
		}
	}
	if line, _ := br.ReadString('\n'); line != "EARLY\n" {
		t.Fatalf("first line %q", line)
	}
	// Longer than the read-header and idle timeouts: the protocol's
	// connection is not theirs to close.
	time.Sleep(3 * limit)
	io.WriteString(c, " way\n")
	if line, _ := br.ReadString('\n'); line != "HALF WAY\n" {
		t.Fatalf("second line %q", line)
	}
	c.(*net.TCPConn).CloseWrite()
	wait(t, p.eof, "OnEOF")
	if rest, _ := io.ReadAll(br); string(rest) != "BYE\n" {
		t.Fatalf("after the FIN: %q", rest)
	}
	wait(t, p.closed, "OnClose")
}

// http101 reads a 101 answer's head from br.
func http101(br *bufio.Reader) (string, error) {
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return head.String(), err
		}
		head.WriteString(line)
		if line == "\r\n" {
			return head.String(), nil
		}
	}
}

// TestUpgradeRefusals: Upgrade fails, and the connection goes on speaking
// HTTP, unless the request asked for the protocol in both fields, over
// HTTP/1.1, with the head not yet sent.
func TestUpgradeRefusals(t *testing.T) {
	addr := upgradeServer(t, newShout())
	for _, tc := range []struct{ name, req, want string }{
		{"no Upgrade field", "GET /shout HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\n\r\n", "did not offer"},
		{"another protocol", "GET /shout HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n", "did not offer"},
		{"no upgrade option", "GET /shout HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nUpgrade: shout\r\n\r\n", "upgrade option"},
		{"HTTP/1.0", "GET /shout HTTP/1.0\r\nConnection: upgrade, keep-alive\r\nUpgrade: shout\r\n\r\n", "HTTP/1.0"},
		{"after Flush", strings.Replace(upgradeRequest, "/shout", "/shout?flushed", 1), "already sent"},
		{"closing", strings.Replace(upgradeRequest, "keep-alive, ", "close, ", 1), "closing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			io.WriteString(c, tc.req+"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			br := bufio.NewReader(c)
			resp, got := readResponse(t, br, "GET")
			if !strings.Contains(got, tc.want) || tc.name != "after Flush" && resp.StatusCode != 426 {
				t.Fatalf("answer %d %q, want 426 and %q", resp.StatusCode, got, tc.want)
			}
			if tc.name == "closing" {
				expectClosed(t, br)
				return
			}
			if _, got := readResponse(t, br, "GET"); got != "Hello, World!" {
				t.Fatalf("the next request: %q", got)
			}
		})
	}
}

// wsEcho is just enough of a WebSocket server (RFC 6455) on a Protocol
// to show that Upgrade carries a real handshake: it echoes unfragmented
// data frames and answers a close frame with one.
type wsEcho struct{ closed chan error }

func (e *wsEcho) OnTraffic(c netloop.Conn) netloop.Action {
	for {
		buf, _ := c.Peek(-1)
		if len(buf) < 2 {
			return netloop.None
		}
		op, n, hdr := buf[0]&0x0f, int(buf[1]&0x7f), 2
		switch n {
		case 126:
			if len(buf) < 4 {
				return netloop.None
			}
			n, hdr = int(buf[2])<<8|int(buf[3]), 4
		case 127:
			return netloop.Close // no 64-bit lengths in these tests
		}
		if buf[1]&0x80 == 0 || len(buf) < hdr+4+n {
			return netloop.None // (clients mask every frame)
		}
		mask, payload := buf[hdr:hdr+4], buf[hdr+4:hdr+4+n]
		out := []byte{0x80 | op}
		if n < 126 {
			out = append(out, byte(n))
		} else {
			out = append(out, 126, byte(n>>8), byte(n))
		}
		for i, b := range payload {
			out = append(out, b^mask[i%4])
		}
		c.Write(out)
		c.Discard(hdr + 4 + n)
		if op == 8 {
			return netloop.Close
		}
	}
}

func (e *wsEcho) OnClose(c netloop.Conn, err error) { e.closed <- err }

// wsUpgrade is a native handler that upgrades every request to e.
func wsUpgrade(e *wsEcho) HandlerFunc {
	return func(w *ResponseWriter, r *Request) {
		sum := sha1.Sum([]byte(string(r.Header("Sec-WebSocket-Key")) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		w.AddHeader("Sec-WebSocket-Accept", base64.StdEncoding.EncodeToString(sum[:]))
		if err := w.Upgrade("websocket", e); err != nil {
			w.SetStatus(426)
		}
	}
}

// BenchmarkNativeWebSocketEcho is BenchmarkStdWebSocketEcho's load (a
// gorilla/websocket client's round trips of 1 KiB messages) against an
// echo on the loop, behind a native Upgrade.
func BenchmarkNativeWebSocketEcho(b *testing.B) {
	s, err := New(wsUpgrade(&wsEcho{closed: make(chan error, 1)}))
	if err != nil {
		b.Fatal(err)
	}
	wsRoundTrips(b, startServer(b, s, netloop.WithNumLoops(1)))
}

// TestUpgradeToWebSocket: gorilla/websocket's client completes its
// handshake with a native handler that upgrades (it checks the
// Sec-WebSocket-Accept field), and exchanges text and binary messages
// and the closing handshake with the protocol behind it.
func TestUpgradeToWebSocket(t *testing.T) {
	e := &wsEcho{closed: make(chan error, 1)}
	s, err := New(wsUpgrade(e))
	if err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, s)
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(nettest.Timeout))
	for _, m := range []struct {
		kind int
		data []byte
	}{{websocket.TextMessage, []byte("hello")}, {websocket.BinaryMessage, bytes.Repeat([]byte{7}, 1000)}} {
		if err := ws.WriteMessage(m.kind, m.data); err != nil {
			t.Fatal(err)
		}
		kind, got, err := ws.ReadMessage()
		if err != nil || kind != m.kind || !bytes.Equal(got, m.data) {
			t.Fatalf("echo: kind %d, %d bytes, %v", kind, len(got), err)
		}
	}
	ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
	if _, _, err := ws.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("after the close frame: %v", err)
	}
	wait(t, e.closed, "OnClose")
}

// TestUpgradeKeepsTheProtocolsTimeouts: a timeout the handler sets after
// Upgrade is the protocol's, and holds: a silent client is closed.
func TestUpgradeKeepsTheProtocolsTimeouts(t *testing.T) {
	p := newShout()
	s, err := New(HandlerFunc(func(w *ResponseWriter, r *Request) {
		if err := w.Upgrade("shout", p); err != nil {
			t.Error(err)
			return
		}
		r.Conn().SetIdleTimeout(100 * time.Millisecond)
	}))
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, startServer(t, s))
	io.WriteString(c, upgradeRequest)
	br := bufio.NewReader(c)
	if _, err := http101(br); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, br) // (within the dial's deadline)
	if err := wait(t, p.closed, "OnClose"); !errors.Is(err, netloop.ErrIdleTimeout) {
		t.Fatalf("OnClose(%v), want the idle timeout", err)
	}
}
