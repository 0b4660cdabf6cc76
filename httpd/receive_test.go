package httpd

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netloop/netloop"
)

// parseHeld parses in, split into reads at cuts, as the server does for
// a StreamHandler: the parse stops at the end of a head that announces a
// body, and goes on once the body is released, buffered (stream false)
// or taken as a stream (stream true: the decoded bytes taken and the
// bytes the parser is done with dropped after every read). It returns
// the body, the trailers (name, value pairs as sent), whether the parse
// held, and the outcome.
func parseHeld(o *Options, in []byte, cuts []int, stream bool) (body []byte, trailers []string, held, done bool, err error) {
	p := newParser(o)
	p.holdBody = true
	var buf []byte // received and not yet consumed
	fed := 0
	streaming := false
	for _, end := range append(cuts, len(in)) {
		buf = append(buf, in[fed:end]...)
		fed = end
		if !streaming {
			if done, err = p.parse(buf); err != nil || done {
				if done {
					body = (&Request{b: buf, p: &p}).Body()
					trailers = rawTrailers(&p, buf)
				}
				return body, trailers, held, done, err
			}
			if !p.held {
				continue
			}
			held = true
			if err = p.release(stream); err != nil {
				return nil, nil, held, false, err
			}
			if !stream {
				if done, err = p.parse(buf); err != nil || done {
					return (&Request{b: buf, p: &p}).Body(), rawTrailers(&p, buf), held, done, err
				}
				continue
			}
			streaming = true
			buf = buf[p.streamBody():]
		}
		piece, n, sdone, serr := p.takeBody(buf)
		body = append(body, piece...)
		p.body = p.body[:0]
		if serr != nil || sdone {
			if sdone && p.chunked {
				trailers = rawTrailers(&p, buf)
			}
			return body, trailers, held, sdone, serr
		}
		buf = buf[n:]
		p.rebase(n)
	}
	return body, nil, held, false, nil
}

// rawTrailers returns the trailer fields p found in b, as sent.
func rawTrailers(p *parser, b []byte) []string {
	var pairs []string
	for _, f := range p.fields[p.nHeaders:] {
		pairs = append(pairs, string(f.name.of(b)), string(f.value.of(b)))
	}
	return pairs
}

// checkHeld checks, for FuzzParse, that a parse held at the end of the
// head and then released decodes what the plain parse p found, whether
// the body is then buffered or streamed.
func checkHeld(t *testing.T, o *Options, in []byte, cuts []int, p *parser, done bool, err error) {
	t.Helper()
	so := *o
	so.MaxStreamedBodyBytes = o.MaxBodyBytes // the same bound either way
	for _, stream := range []bool{false, true} {
		body, trailers, _, hdone, herr := parseHeld(&so, in, cuts, stream)
		if hdone != done || StatusCode(herr) != StatusCode(err) {
			t.Fatalf("held (stream %v) at %v: (%v, %v), plain: (%v, %v)", stream, cuts, hdone, herr, done, err)
		}
		if !done {
			continue
		}
		if want := (&Request{b: in, p: p}).Body(); !bytes.Equal(body, want) {
			t.Fatalf("held (stream %v) at %v: body %q, plain: %q", stream, cuts, body, want)
		}
		if want := rawTrailers(p, in); strings.Join(trailers, "\n") != strings.Join(want, "\n") {
			t.Fatalf("held (stream %v) at %v: trailers %q, plain: %q", stream, cuts, trailers, want)
		}
	}
}

func TestParseHeldBodies(t *testing.T) {
	o := testOptions()
	for _, in := range []string{
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=\"a;b\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\nx-other: v\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	} {
		b := []byte(in)
		p, done, err := parseWhole(o, b)
		for i := 0; i <= len(b); i++ {
			for j := i; j <= len(b); j += 5 {
				checkHeld(t, o, b, []int{i, j}, p, done, err)
			}
		}
		checkHeld(t, o, b, byteCuts(len(b)), p, done, err)
	}
	// Held at the head; a body too large for MaxBodyBytes streams, up
	// to MaxStreamedBodyBytes.
	big := []byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1500\r\n\r\n" + strings.Repeat("x", 1500))
	so := *o
	so.MaxStreamedBodyBytes = 2000
	if body, _, held, done, err := parseHeld(&so, big, []int{60, 700}, true); !held || !done || err != nil || len(body) != 1500 {
		t.Fatalf("streamed: held %v done %v err %v, %d bytes", held, done, err, len(body))
	}
	if _, _, held, _, err := parseHeld(&so, big, []int{60}, false); !held || !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("buffered: held %v err %v, want ErrBodyTooLarge", held, err)
	}
	so.MaxStreamedBodyBytes = 1200
	if _, _, _, _, err := parseHeld(&so, big, nil, true); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("streamed past MaxStreamedBodyBytes: %v", err)
	}
}

// uploads is a StreamHandler for the tests: it hashes every body as it
// arrives and answers "<length> <sha256> <nil>" (the answer of the
// adapter's load test handler), with the value of the X-Name header and
// the X-Sum trailer after it when they are sent. Path /buffer has its
// body buffered, /refuse is refused at the head with 403, /small stops
// its body past 1,000 bytes (413 from EndBody); /answered and /flushed
// answer at the head but return a receiver too.
type uploads struct {
	aborted chan error   // AbortBody's errors
	heads   atomic.Int64 // ServeHead calls
	largest atomic.Int64 // the largest piece received
	live    atomic.Int64 // receivers started and not yet ended
}

func newUploads() *uploads { return &uploads{aborted: make(chan error, 16)} }

// checkEnded fails the test unless every receiver has had its EndBody or
// AbortBody.
func (u *uploads) checkEnded(t *testing.T) {
	t.Helper()
	if n := u.live.Load(); n != 0 {
		t.Fatalf("%d receivers not ended", n)
	}
}

func (u *uploads) Serve(w *ResponseWriter, r *Request) {
	fmt.Fprintf(w, "%d %x <nil>", len(r.Body()), sha256.Sum256(r.Body()))
	u.extras(w, r)
}

func (u *uploads) extras(w *ResponseWriter, r *Request) {
	if v := r.Header("X-Name"); v != nil {
		fmt.Fprintf(w, " name=%s", v)
	}
	if v := r.Trailer("X-Sum"); v != nil {
		fmt.Fprintf(w, " sum=%s", v)
	}
}

func (u *uploads) ServeHead(w *ResponseWriter, r *Request) BodyReceiver {
	u.heads.Add(1)
	switch string(r.Path()) {
	case "/buffer":
		return nil
	case "/refuse":
		w.SetStatus(403)
		w.WriteString("no uploads here")
		return nil
	}
	u.live.Add(1)
	rc := &hashReceiver{u: u, sum: sha256.New(), limit: -1}
	switch string(r.Path()) {
	case "/answered": // answers and returns a receiver all the same
		w.SetStatus(409)
		w.WriteString("answered at the head")
	case "/flushed":
		w.WriteString("flushed at the head")
		w.Flush()
	}
	if string(r.Path()) == "/small" {
		rc.limit = 1000
	}
	return rc
}

type hashReceiver struct {
	u     *uploads
	sum   hash.Hash
	n     int64
	limit int64 // -1: none
}

var errTooLong = errors.New("longer than this receiver takes")

func (h *hashReceiver) ReceiveBody(p []byte) error {
	if h.u.largest.Load() < int64(len(p)) {
		h.u.largest.Store(int64(len(p)))
	}
	if h.limit >= 0 && h.n+int64(len(p)) > h.limit {
		return errTooLong
	}
	h.n += int64(len(p))
	h.sum.Write(p)
	return nil
}

func (h *hashReceiver) EndBody(w *ResponseWriter, r *Request, err error) {
	h.u.live.Add(-1)
	if err != nil {
		w.SetStatus(413)
		fmt.Fprintf(w, "refused after %d bytes: %v", h.n, err)
		return
	}
	fmt.Fprintf(w, "%d %x <nil>", h.n, h.sum.Sum(nil))
	h.u.extras(w, r)
}

func (h *hashReceiver) AbortBody(err error) {
	h.u.live.Add(-1)
	h.u.aborted <- err
}

func uploadServer(t *testing.T, u *uploads, opts ...Option) string {
	t.Helper()
	s, err := New(u, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, s)
}

func hashAnswer(body []byte) string {
	return fmt.Sprintf("%d %x <nil>", len(body), sha256.Sum256(body))
}

// TestStreamHandlerReceivesBodies: bodies far larger than MaxBodyBytes,
// with Content-Length and chunked, sent in pieces, reach the receiver
// whole; EndBody sees the head's fields and the trailers; the connection
// then serves the next request, pipelined behind the body.
func TestStreamHandlerReceivesBodies(t *testing.T) {
	u := newUploads()
	addr := uploadServer(t, u, WithMaxBodyBytes(64<<10))
	body := make([]byte, 3<<20)
	for i := range body {
		body[i] = byte(i * 7)
	}
	var chunked bytes.Buffer
	for rest := body; len(rest) > 0; {
		n := min(len(rest), 100000)
		fmt.Fprintf(&chunked, "%x;ext=1\r\n%s\r\n", n, rest[:n])
		rest = rest[n:]
	}
	chunked.WriteString("0\r\nX-Sum: 42\r\n\r\n")
	c := dial(t, addr)
	br := bufio.NewReader(c)
	for _, req := range []string{
		fmt.Sprintf("PUT /up HTTP/1.1\r\nHost: x\r\nX-Name: cl\r\nContent-Length: %d\r\n\r\n%s", len(body), body),
		"POST /up HTTP/1.1\r\nHost: x\r\nX-Name: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.String(),
	} {
		req += "GET /after HTTP/1.1\r\nHost: x\r\n\r\n"
		go func() {
			for b := []byte(req); len(b) > 0; {
				n := min(len(b), 70000)
				if _, err := c.Write(b[:n]); err != nil {
					return
				}
				b = b[n:]
			}
		}()
		_, got := readResponse(t, br, "POST")
		name := "cl"
		want := hashAnswer(body) + " name=" + name
		if strings.HasPrefix(req, "POST") {
			want = hashAnswer(body) + " name=chunked sum=42"
		}
		if got != want {
			t.Fatalf("answer %q, want %q", got, want)
		}
		if _, got := readResponse(t, br, "GET"); got != hashAnswer(nil) {
			t.Fatalf("the request after: %q", got)
		}
	}
	if n := u.heads.Load(); n != 2 {
		t.Fatalf("ServeHead ran %d times, want 2 (not for bodiless requests)", n)
	}
	u.checkEnded(t)
}

// TestStreamHandlerDecidesBeforeContinue: ServeHead runs before 100
// Continue is sent. A body it takes streams after the interim response;
// one it refuses is answered 403 without it, and the connection closes.
func TestStreamHandlerDecidesBeforeContinue(t *testing.T) {
	u := newUploads()
	addr := uploadServer(t, u)
	c := dial(t, addr)
	br := bufio.NewReader(c)
	io.WriteString(c, "PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	readContinue(t, br)
	io.WriteString(c, "hello")
	if _, got := readResponse(t, br, "PUT"); got != hashAnswer([]byte("hello")) {
		t.Fatalf("answer %q", got)
	}
	io.WriteString(c, "PUT /refuse HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	resp, got := readResponse(t, br, "PUT")
	if resp.StatusCode != 403 || !resp.Close || got != "no uploads here" {
		t.Fatalf("refusal: %d close %v %q", resp.StatusCode, resp.Close, got)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the refusal: %v, want EOF", err)
	}
}

// TestStreamHandlerRefusesABodyBeingSent: a body refused at the head (by
// ServeHead) or midway (by ReceiveBody) while the client is still busy
// sending it: the answer arrives, marked "Connection: close", followed by
// a FIN rather than a reset, and the server reads none of the rest into
// memory.
func TestStreamHandlerRefusesABodyBeingSent(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/refuse", "no uploads here"},
		{"/small", "refused after 0 bytes: " + errTooLong.Error()},
	} {
		t.Run(tc.path, func(t *testing.T) {
			u := newUploads()
			addr := uploadServer(t, u)
			c := dial(t, addr)
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", tc.path, 1<<30)
			sendUntilClosed(c)
			br := bufio.NewReader(c)
			resp, got := readResponse(t, br, "POST")
			if resp.StatusCode/100 != 4 || !resp.Close || !strings.HasPrefix(got, strings.Split(tc.want, " ")[0]) {
				t.Fatalf("answer %d close %v %q, want %q", resp.StatusCode, resp.Close, got, tc.want)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Fatalf("after the answer: %v, want EOF", err)
			}
			u.checkEnded(t)
		})
	}
}

// TestStreamHandlerBuffersWhenAsked: a body ServeHead leaves to the
// server is buffered and served whole, within MaxBodyBytes (413 beyond,
// announced or not).
func TestStreamHandlerBuffersWhenAsked(t *testing.T) {
	u := newUploads()
	addr := uploadServer(t, u, WithMaxBodyBytes(1000))
	if _, got := roundTrip(t, addr, "POST /buffer HTTP/1.1\r\nHost: x\r\nX-Name: b\r\nContent-Length: 5\r\n\r\nhello"); got != hashAnswer([]byte("hello"))+" name=b" {
		t.Fatalf("buffered: %q", got)
	}
	if _, got := roundTrip(t, addr, "POST /buffer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 5\r\n\r\n"); got != hashAnswer([]byte("hello"))+" sum=5" {
		t.Fatalf("buffered chunked: %q", got)
	}
	for _, req := range []string{
		"POST /buffer HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n",
		"POST /buffer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n",
	} {
		if resp, _ := roundTrip(t, addr, req); resp.StatusCode != 413 {
			t.Fatalf("%q: %d, want 413", req, resp.StatusCode)
		}
	}
	// The same sizes stream to a receiver.
	if _, got := roundTrip(t, addr, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n"+strings.Repeat("y", 1001)); got != hashAnswer(bytes.Repeat([]byte("y"), 1001)) {
		t.Fatalf("streamed: %q", got)
	}
}

// TestStreamHandlerBodyFailures: a body that fails on the client's side
// reaches AbortBody with an error saying why (not EndBody), the client
// gets the protocol's answer where it can, and the server goes on
// serving other connections.
func TestStreamHandlerBodyFailures(t *testing.T) {
	chunkedHead := "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
	clHead := "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc"
	for _, tc := range []struct {
		name   string
		head   string
		rest   func(c net.Conn)
		is     error
		status int // the answer; 0: none, the connection just closes
	}{
		{"client leaves", clHead, func(c net.Conn) { c.Close() }, io.ErrUnexpectedEOF, 0},
		{"client half-closes", clHead, func(c net.Conn) { c.(*net.TCPConn).CloseWrite() }, io.ErrUnexpectedEOF, 0},
		{"bad chunk size", chunkedHead, func(c net.Conn) { io.WriteString(c, "zz\r\n") }, ErrMalformed, 400},
		{"body too large", chunkedHead, func(c net.Conn) { io.WriteString(c, "fffff\r\n") }, ErrBodyTooLarge, 413},
		{"too large at once", "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", func(net.Conn) {}, ErrBodyTooLarge, 413},
		{"client too slow", clHead, func(net.Conn) {}, ErrHeaderTimeout, 0},
		{"client trickles", clHead, func(c net.Conn) {
			for range 40 {
				time.Sleep(20 * time.Millisecond)
				if _, err := io.WriteString(c, "x"); err != nil {
					return
				}
			}
		}, ErrHeaderTimeout, 0}, // 408 if a byte comes after the deadline, before the read timeout closes
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUploads()
			addr := uploadServer(t, u, WithMaxStreamedBodyBytes(1<<20), WithReadTimeout(300*time.Millisecond))
			c := dial(t, addr)
			io.WriteString(c, tc.head)
			tc.rest(c)
			err := wait(t, u.aborted, "AbortBody")
			if !errors.Is(err, tc.is) {
				t.Fatalf("AbortBody(%v), want an error wrapping %v", err, tc.is)
			}
			switch {
			case tc.status != 0:
				br := bufio.NewReader(c)
				if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != tc.status {
					t.Fatalf("answer %d, want %d", resp.StatusCode, tc.status)
				}
				expectClosed(t, br)
			case tc.name != "client leaves":
				// Closed, with at most a 408 for a timed-out body.
				if got, _ := io.ReadAll(c); len(got) > 0 && !bytes.HasPrefix(got, []byte("HTTP/1.1 408 ")) {
					t.Fatalf("before the close: %q", got)
				}
			}
			if _, got := roundTrip(t, addr, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"); got != hashAnswer([]byte("ok")) {
				t.Fatalf("another connection: %q", got)
			}
			u.checkEnded(t)
		})
	}
}

// TestStreamHandlerUnderLoad is TestStdStreamsUnderLoad's randomized load
// (12 clients at once, random body sizes, framings, chunk sizes and write
// splits, pipelining) against receivers on the loop.
func TestStreamHandlerUnderLoad(t *testing.T) {
	u := newUploads()
	addr := uploadServer(t, u)
	runLoadClients(t, addr)
	u.checkEnded(t)
}

// TestStreamedUploadMemoryIsBounded: a 256 MiB upload to a receiver
// costs the server what a few reads bring, not the body: the pieces it
// is given stay small and the heap does not grow with the body.
func TestStreamedUploadMemoryIsBounded(t *testing.T) {
	const total = 256 << 20
	u := newUploads()
	addr := uploadServer(t, u)
	want := fmt.Sprintf("%d %x <nil>", total, sha256.Sum256(make([]byte, total)))
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := dial(t, addr)
	c.SetDeadline(time.Now().Add(time.Minute))
	go func() {
		fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", total)
		chunk := make([]byte, 1<<20)
		for n := 0; n < total; n += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	_, got := readResponse(t, bufio.NewReader(c), "POST")
	if got != want {
		t.Fatalf("answer %q", got)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if p := u.largest.Load(); p > 4<<20 {
		t.Errorf("a piece of %d bytes: the server held that much of the body", p)
	}
	// The heap holds the server's buffers, the client's 1 MiB chunk and
	// what the test's goroutines allocate: a few MiB, not the body.
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 32<<20 {
		t.Errorf("the heap grew by %d bytes for a %d-byte upload", grew, total)
	}
}

func TestMaxStreamedBodyBytesIsValidated(t *testing.T) {
	for _, n := range []int64{-1, 1<<50 + 1} {
		if _, err := New(newUploads(), WithMaxStreamedBodyBytes(n)); !errors.Is(err, ErrInvalidOption) {
			t.Fatalf("MaxStreamedBodyBytes %d: %v, want ErrInvalidOption", n, err)
		}
	}
	if _, err := New(newUploads(), WithMaxStreamedBodyBytes(0)); err != nil {
		t.Fatal(err)
	}
}

// pausing is a StreamHandler whose receiver stops reading from the client
// once it has taken 1 MiB (its sink is full, say), until the test resumes
// it; it answers the body's length and hash.
type pausing struct {
	conn   chan netloop.Conn // the connection, once paused
	during atomic.Int64      // ReceiveBody calls while paused
}

func (h *pausing) Serve(w *ResponseWriter, r *Request) {}

func (h *pausing) ServeHead(w *ResponseWriter, r *Request) BodyReceiver {
	return &pausingReceiver{h: h, c: r.Conn(), sum: sha256.New()}
}

type pausingReceiver struct {
	h      *pausing
	c      netloop.Conn
	sum    hash.Hash
	n      int64
	paused bool
}

func (p *pausingReceiver) ReceiveBody(b []byte) error {
	if p.paused {
		p.h.during.Add(1)
	}
	p.n += int64(len(b))
	p.sum.Write(b)
	if p.n >= 1<<20 && !p.paused {
		p.paused = true
		p.c.PauseReading()
		p.h.conn <- p.c
	}
	return nil
}

func (p *pausingReceiver) EndBody(w *ResponseWriter, r *Request, err error) {
	fmt.Fprintf(w, "%d %x <nil>", p.n, p.sum.Sum(nil))
}

func (p *pausingReceiver) AbortBody(err error) {}

// TestStreamHandlerReceiverHoldsTheClientBack: a receiver that pauses the
// connection's reading stops the body where it is: the client's writes
// block once the kernel's buffers are full (a write deadline expires),
// the receiver is given nothing more, and once it resumes the whole body
// arrives intact.
func TestStreamHandlerReceiverHoldsTheClientBack(t *testing.T) {
	const total = 64 << 20
	h := &pausing{conn: make(chan netloop.Conn, 1)}
	s, err := New(h)
	if err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, s)
	c := dial(t, addr)
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", total)
	body := make([]byte, total)
	for i := range body {
		body[i] = byte(i >> 10)
	}
	sent := 0
	for sent < total {
		c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := c.Write(body[sent:min(sent+1<<20, total)])
		sent += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break // held back
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if sent == total {
		t.Fatal("the whole body went out: the client was never held back")
	}
	conn := wait(t, h.conn, "the receiver to pause")
	if n := h.during.Load(); n != 0 {
		t.Fatalf("the receiver was given %d pieces while paused", n)
	}
	conn.Wake(func(c netloop.Conn, _ error) { c.ResumeReading() })
	c.SetWriteDeadline(time.Time{})
	if _, err := c.Write(body[sent:]); err != nil {
		t.Fatal(err)
	}
	if _, got := readResponse(t, bufio.NewReader(c), "POST"); got != hashAnswer(body) {
		t.Fatalf("answer %q", got)
	}
}

// TestStreamHandlerAnswerAtTheHeadStands: a ServeHead that answers (a
// status, or a flush) and returns a receiver all the same: the answer
// goes out saying the connection closes, and it does; the receiver gets
// AbortBody(ErrAnsweredAtHead) and no body.
func TestStreamHandlerAnswerAtTheHeadStands(t *testing.T) {
	for _, tc := range []struct {
		path, body string
		status     int
	}{{"/answered", "answered at the head", 409}, {"/flushed", "flushed at the head", 200}} {
		t.Run(tc.path, func(t *testing.T) {
			u := newUploads()
			addr := uploadServer(t, u)
			c := dial(t, addr)
			io.WriteString(c, "PUT "+tc.path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
			br := bufio.NewReader(c)
			resp, got := readResponse(t, br, "PUT")
			if resp.StatusCode != tc.status || got != tc.body || !resp.Close {
				t.Fatalf("answer %d %q close %v", resp.StatusCode, got, resp.Close)
			}
			expectClosed(t, br)
			if err := wait(t, u.aborted, "AbortBody"); !errors.Is(err, ErrAnsweredAtHead) {
				t.Fatalf("AbortBody(%v), want ErrAnsweredAtHead", err)
			}
			u.checkEnded(t)
		})
	}
}

// TestPipelinedHeadAfterASlowBodyIsTimedAfresh: a request pipelined
// behind a body that took longer than ReadHeaderTimeout to arrive (which
// only ReadTimeout bounds) has its head timed from its own first byte,
// not from its predecessor's; streamed or buffered.
func TestPipelinedHeadAfterASlowBodyIsTimedAfresh(t *testing.T) {
	for _, path := range []string{"/up", "/buffer"} {
		t.Run(path, func(t *testing.T) {
			const limit = 200 * time.Millisecond
			addr := uploadServer(t, newUploads(), WithReadHeaderTimeout(limit))
			c := dial(t, addr)
			br := bufio.NewReader(c)
			start := time.Now()
			io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello")
			time.Sleep(limit + 100*time.Millisecond) // the client is slow to send the rest of the body
			io.WriteString(c, "world"+"GET /next HTTP/1.1\r\n")
			if _, got := readResponse(t, br, "POST"); got != hashAnswer([]byte("helloworld")) {
				t.Fatalf("the upload: %q", got)
			}
			if time.Since(start) < limit {
				t.Fatal("the body was not slow")
			}
			io.WriteString(c, "Host: x\r\n\r\n")
			if resp, got := readResponse(t, br, "GET"); resp.StatusCode != 200 {
				t.Fatalf("the pipelined request: %d %q", resp.StatusCode, got)
			}
		})
	}
}

// bigAnswers is a StreamHandler whose receivers answer 32 KiB each.
type bigAnswers struct {
	h   *heldMax
	big string
}

func (s *bigAnswers) Serve(w *ResponseWriter, r *Request)                  {}
func (s *bigAnswers) ServeHead(w *ResponseWriter, r *Request) BodyReceiver { return s }
func (s *bigAnswers) ReceiveBody(p []byte) error                           { return nil }
func (s *bigAnswers) AbortBody(err error)                                  {}

func (s *bigAnswers) EndBody(w *ResponseWriter, r *Request, err error) {
	s.h.note(w, r.Conn())
	w.WriteString(s.big)
}

// TestPipelinedReceiverAnswersAreHeldBack: answers from EndBody to
// pipelined requests with bodies count against the client's backlog as
// Serve's do.
func TestPipelinedReceiverAnswersAreHeldBack(t *testing.T) {
	const requests, size = 2000, 32 << 10
	var h heldMax
	s, err := New(&bigAnswers{h: &h, big: strings.Repeat("x", size)})
	if err != nil {
		t.Fatal(err)
	}
	pipelineAndReadAll(t, startServer(t, s), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx", requests, size)
	if m := h.get(); m > heldBound {
		t.Fatalf("the server held %d bytes of answers for one connection", m)
	}
}
