package httpd

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netloop/netloop/internal/nettest"
)

// parseStreamed parses in, split into reads at cuts (ascending), as the
// server does a chunked request whose body it streams: once the head is
// complete and the body is not, the decoded bytes are taken after every
// read and the bytes the parser is done with dropped. It returns the
// decoded body, the trailer fields as name, value pairs, and the outcome.
func parseStreamed(o *Options, in []byte, cuts []int) (body []byte, trailers []string, done bool, err error) {
	p := newParser(o)
	var buf []byte // received and not yet consumed
	fed := 0
	streaming := false
	for _, end := range append(cuts, len(in)) {
		buf = append(buf, in[fed:end]...)
		fed = end
		if done, err = p.parse(buf); err != nil {
			return nil, nil, false, err
		}
		switch {
		case !streaming && done:
			return p.body, p.trailerPairs(buf), true, nil
		case !streaming && p.headDone() && p.chunked:
			streaming = true
			body = append(body, p.body...)
			p.body = p.body[:0]
			buf = buf[p.streamBody():]
		case streaming:
			body = append(body, p.body...)
			p.body = p.body[:0]
			if done {
				return body, p.trailerPairs(buf), true, nil
			}
			n := p.consumed()
			buf = buf[n:]
			p.rebase(n)
		}
	}
	return body, nil, false, nil
}

// checkStreamed checks, for FuzzParse, that a chunked body read as a
// stream at the given cuts decodes to what the whole parse p found.
func checkStreamed(t *testing.T, o *Options, in []byte, cuts []int, p *parser, done bool, err error) {
	t.Helper()
	body, trailers, sdone, serr := parseStreamed(o, in, cuts)
	if sdone != done || StatusCode(serr) != StatusCode(err) {
		t.Fatalf("streamed at %v: (%v, %v), whole: (%v, %v)", cuts, sdone, serr, done, err)
	}
	if !done {
		return
	}
	if !bytes.Equal(body, p.body) {
		t.Fatalf("streamed at %v: body %q, whole: %q", cuts, body, p.body)
	}
	if want := p.trailerPairs(in); !slices.Equal(trailers, want) {
		t.Fatalf("streamed at %v: trailers %q, whole: %q", cuts, trailers, want)
	}
}

func TestParseStreamedChunkedBody(t *testing.T) {
	in := []byte("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5;ext=\"a;b\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\nx-other: v\r\n\r\n")
	o := testOptions()
	p, done, err := parseWhole(o, in)
	if !done || err != nil {
		t.Fatalf("whole: %v %v", done, err)
	}
	for i := 1; i < len(in); i++ {
		for j := i; j < len(in); j += 7 {
			checkStreamed(t, o, in, []int{i, j}, p, done, err)
		}
	}
	body, trailers, _, _ := parseStreamed(o, in, []int{60, 70, 80})
	if string(body) != "hello world" || !slices.Equal(trailers, []string{"X-Sum", "11", "X-Other", "v"}) {
		t.Fatalf("body %q trailers %q", body, trailers)
	}
}

// streamServer runs a net/http handler on the adapter with opts and
// returns its address.
func streamServer(t *testing.T, h http.HandlerFunc, opts ...Option) string {
	t.Helper()
	s, err := NewStd(h, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, s)
}

// wait fails the test unless ch is closed or sends within the test timeout.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(nettest.Timeout):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// TestStdStreamsRequestBodies: a net/http handler reads the start of a
// body before the client has sent the rest (the client waits for that
// before it goes on), with Content-Length and chunked framing; trailers
// are in Request.Trailer once the body has been read; the connection then
// serves the next request.
func TestStdStreamsRequestBodies(t *testing.T) {
	first := make(chan struct{}, 1)
	type result struct {
		before, after string // X-Sum in r.Trailer before and after the body
		n             int
		sum           [32]byte
		err           error
	}
	results := make(chan result, 1)
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/upload" {
			fmt.Fprint(w, "next")
			return
		}
		var res result
		res.before = fmt.Sprint(r.Trailer)
		head := make([]byte, 1000)
		if _, res.err = io.ReadFull(r.Body, head); res.err == nil {
			first <- struct{}{}
			var rest []byte
			rest, res.err = io.ReadAll(r.Body)
			res.n = len(head) + len(rest)
			res.sum = sha256.Sum256(append(head, rest...))
		}
		res.after = r.Trailer.Get("X-Sum")
		results <- res
		fmt.Fprintf(w, "%d", res.n)
	}, WithMaxBodyBytes(64<<20))

	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<20/16*3) // 3 MiB
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprint("chunked=", chunked), func(t *testing.T) {
			c := dial(t, addr)
			if chunked {
				fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n%x\r\n%s\r\n", 1000, body[:1000])
			} else {
				fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:1000])
			}
			wait(t, first, "the handler to read the body's first bytes")
			if chunked {
				for rest := body[1000:]; len(rest) > 0; {
					n := min(len(rest), 100000)
					fmt.Fprintf(c, "%x\r\n%s\r\n", n, rest[:n])
					rest = rest[n:]
				}
				io.WriteString(c, "0\r\nX-Sum: sha\r\n\r\n")
			} else {
				c.Write(body[1000:])
			}
			io.WriteString(c, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
			res := wait(t, results, "the handler")
			if res.err != nil || res.n != len(body) || res.sum != sha256.Sum256(body) {
				t.Fatalf("handler read %d bytes (err %v), want %d; same bytes: %v", res.n, res.err, len(body), res.sum == sha256.Sum256(body))
			}
			if chunked && (res.before != "map[X-Sum:[]]" || res.after != "sha") {
				t.Errorf("Trailer before the body %s, X-Sum after %q", res.before, res.after)
			}
			br := bufio.NewReader(c)
			if resp, got := readResponse(t, br, "POST"); got != fmt.Sprint(len(body)) || resp.Close {
				t.Fatalf("answer %q (close %v)", got, resp.Close)
			}
			if _, got := readResponse(t, br, "GET"); got != "next" {
				t.Fatalf("next request answered %q", got)
			}
		})
	}
}

// TestStdStreamedBodyMemoryIsBounded: a client sends a large body as
// fast as it can to a handler that reads slowly at first; the server
// buffers no more than its window of it (Options.StreamWindow, set
// below its default), and the handler gets every byte.
func TestStdStreamedBodyMemoryIsBounded(t *testing.T) {
	const total, window = 64 << 20, 128 << 10
	type result struct {
		n    int64
		peak int
		err  error
	}
	results := make(chan result, 1)
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		st := r.Body.(*bodyStream)
		var res result
		buf := make([]byte, 32<<10)
		for {
			n, err := st.Read(buf)
			res.n += int64(n)
			st.mu.Lock()
			res.peak = max(res.peak, len(st.buf)-st.off+n)
			st.mu.Unlock()
			if err == io.EOF {
				break
			}
			if err != nil {
				res.err = err
				break
			}
			if res.n < 4<<20 {
				time.Sleep(100 * time.Microsecond) // slow at first: the client runs ahead
			}
		}
		results <- res
		fmt.Fprint(w, res.n)
	}, WithMaxBodyBytes(1<<30), WithStreamWindow(window))
	c := dial(t, addr)
	go func() {
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", total)
		chunk := make([]byte, 1<<20)
		for n := 0; n < total; n += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	res := wait(t, results, "the handler")
	if res.err != nil || res.n != total {
		t.Fatalf("handler read %d bytes (%v), want %d", res.n, res.err, total)
	}
	// The window plus what one OnTraffic brings (a read or a few, and
	// what waited in netloop's buffer): far below the 64 MiB sent.
	if res.peak > window+2<<20 {
		t.Errorf("the stream held %d bytes at once; its window is %d", res.peak, window)
	}
	if _, got := readResponse(t, bufio.NewReader(c), "POST"); got != fmt.Sprint(total) {
		t.Fatalf("answer %q", got)
	}
}

// TestStdStreamedBodyFailures: a streamed body that goes wrong fails the
// handler's reads with an error saying why, and the connection closes
// after the handler's answer; the server goes on serving others.
func TestStdStreamedBodyFailures(t *testing.T) {
	chunkedHead := "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	for _, tc := range []struct {
		name string
		head string // the head and the start of the body
		rest func(c net.Conn)
		is   error // the error the handler's read wraps
	}{
		{"client leaves", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc",
			func(c net.Conn) { c.Close() }, io.ErrUnexpectedEOF},
		{"client half-closes", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc",
			func(c net.Conn) { c.(*net.TCPConn).CloseWrite() }, io.ErrUnexpectedEOF},
		{"bad chunk size", chunkedHead + "3\r\nabc\r\n",
			func(c net.Conn) { io.WriteString(c, "zz\r\n") }, ErrMalformed},
		{"body too large", chunkedHead + "3\r\nabc\r\n",
			func(c net.Conn) { io.WriteString(c, "fffff\r\n") }, ErrBodyTooLarge},
		{"client too slow", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc",
			func(net.Conn) {}, ErrHeaderTimeout}, // silent: ReadTimeout closes the connection
	} {
		t.Run(tc.name, func(t *testing.T) {
			started := make(chan struct{}, 1)
			errs := make(chan error, 1)
			addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
				started <- struct{}{}
				_, err := io.ReadAll(r.Body)
				errs <- err
				http.Error(w, "cannot read the body", http.StatusBadRequest)
			}, WithMaxBodyBytes(1<<20), WithReadTimeout(300*time.Millisecond))
			c := dial(t, addr)
			io.WriteString(c, tc.head)
			wait(t, started, "the handler to start")
			tc.rest(c)
			err := wait(t, errs, "the handler's read to fail")
			switch {
			case err == nil:
				t.Fatal("the handler read the body without an error")
			case !errors.Is(err, tc.is):
				t.Fatalf("read error %v, want one wrapping %v", err, tc.is)
			}
			if tc.name != "client leaves" {
				br := bufio.NewReader(c)
				if tc.name != "client too slow" { // (closed without an answer by the read timeout, or answered)
					if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != 400 {
						t.Fatalf("answer %d", resp.StatusCode)
					}
				}
				if tc.name != "client too slow" {
					expectClosed(t, br)
				}
			}
			if resp, _ := roundTrip(t, addr, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"); resp.StatusCode != 400 {
				t.Fatalf("another connection: %d", resp.StatusCode) // the handler answers 400 after reading "ok" without error
			}
		})
	}
}

// TestStdHandlerThatIgnoresTheBody: a handler that answers without reading
// a streamed body gets its answer out, with "Connection: close", to a
// client still busy sending the body, and the connection closes instead
// of reading the rest.
func TestStdHandlerThatIgnoresTheBody(t *testing.T) {
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		// Answer once the server has stopped reading, the client's
		// bytes piling up unread in the kernel.
		eventually(t, "the loop to stop reading", r.Body.(*bodyStream).stillFull)
		http.Error(w, "no uploads here", http.StatusForbidden)
	}, WithMaxBodyBytes(1<<30))
	c := dial(t, addr)
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\nfirst bytes", 1<<30)
	sendUntilClosed(c)
	br := bufio.NewReader(c)
	resp, body := readResponse(t, br, "POST")
	if resp.StatusCode != 403 || !resp.Close || !strings.Contains(body, "no uploads") {
		t.Fatalf("answer %d, close %v, %q", resp.StatusCode, resp.Close, body)
	}
	// A staged close (RFC 9112, section 9.6): the answer is followed by
	// a FIN while the server goes on reading, not by a reset, which
	// closing with the client's bytes unread would send.
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the answer: %v, want EOF", err)
	}
}

// TestStdStreamedBodyAfterContinue: a client that sends Expect:
// 100-continue gets the interim response, then sends the body, which the
// handler reads as a stream.
func TestStdStreamedBodyAfterContinue(t *testing.T) {
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%d %v", len(b), err)
	})
	c := dial(t, addr)
	io.WriteString(c, "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	br := bufio.NewReader(c)
	readContinue(t, br)
	io.WriteString(c, "hello")
	if _, got := readResponse(t, br, "PUT"); got != "5 <nil>" {
		t.Fatalf("answer %q", got)
	}
}

// byteCuts returns the cuts 1, 2, ... n-1: reads of one byte each.
func byteCuts(n int) []int {
	cuts := make([]int, 0, max(n-1, 0))
	for i := 1; i < n; i++ {
		cuts = append(cuts, i)
	}
	return cuts
}

// TestStdStreamsUploadsFromNetHTTPClient: Go's client uploading a body of
// unknown length (chunked) through an io.Pipe; the handler echoes each
// piece as it comes, and the client writes the next piece only after it
// has read the echo of the last, which works only if both directions
// stream.
func TestStdStreamsUploadsFromNetHTTPClient(t *testing.T) {
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 64<<10)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				w.Write(buf[:n])
				w.(http.Flusher).Flush()
			}
			if err != nil {
				return
			}
		}
	})
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", "http://"+addr+"/", pr)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: nettest.Timeout}
	respc := make(chan *http.Response, 1)
	errc := make(chan error, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			errc <- err
			return
		}
		respc <- resp
	}()
	piece := strings.Repeat("x", 100000)
	io.WriteString(pw, piece) // the head goes out with the first piece
	var resp *http.Response
	select {
	case resp = <-respc:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(nettest.Timeout):
		t.Fatal("no response head while the upload is still open")
	}
	defer resp.Body.Close()
	got := make([]byte, len(piece))
	for i := 0; i < 5; i++ {
		if i > 0 {
			io.WriteString(pw, piece)
		}
		if _, err := io.ReadFull(resp.Body, got); err != nil || string(got) != piece {
			t.Fatalf("echo of piece %d: %v", i, err)
		}
	}
	pw.Close()
	if rest, err := io.ReadAll(resp.Body); err != nil || len(rest) != 0 {
		t.Fatalf("after the upload: %d more bytes, %v", len(rest), err)
	}
}

// TestStdResponseControllerReadDeadline: http.ResponseController's read
// deadline fails a streamed body's read that waits for bytes, and
// EnableFullDuplex is supported.
func TestStdResponseControllerReadDeadline(t *testing.T) {
	errs := make(chan error, 1)
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.EnableFullDuplex(); err != nil {
			errs <- err
			return
		}
		if err := rc.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
			errs <- err
			return
		}
		_, err := io.ReadAll(r.Body)
		errs <- err
	})
	c := dial(t, addr)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	if err := wait(t, errs, "the handler"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read: %v, want the deadline exceeded", err)
	}
}

// TestStdStreamsUnderLoad: 12 clients at once each send 12 requests on
// one connection, with random body sizes (up to 512 KiB), Content-Length
// or chunked framing with random chunk sizes, written in random pieces,
// some followed at once by a pipelined GET; the handler hashes every
// body, and each answer must match. Bodies that arrive with their head
// and bodies that are streamed are both exercised, on both loops.
func TestStdStreamsUnderLoad(t *testing.T) {
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %x %v", n, h.Sum(nil), err)
	})
	runLoadClients(t, addr)
}

// runLoadClients runs 12 loadClients of 12 requests each at once against
// addr and fails the test if any of them does.
func runLoadClients(t *testing.T, addr string) {
	t.Helper()
	const clients, requests = 12, 12
	errs := make(chan error, clients)
	for id := range clients {
		go func() { errs <- loadClient(addr, int64(id), requests) }()
	}
	for range clients {
		if err := wait(t, errs, "the clients"); err != nil {
			t.Fatal(err)
		}
	}
}

// loadClient is one client of TestStdStreamsUnderLoad, its choices drawn
// from a generator seeded with seed.
func loadClient(addr string, seed int64, requests int) error {
	rng := rand.New(rand.NewSource(seed))
	c, err := net.DialTimeout("tcp", addr, nettest.Timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(nettest.Timeout))
	br := bufio.NewReader(c)
	for i := range requests {
		body := make([]byte, rng.Intn(512<<10))
		rng.Read(body)
		var req bytes.Buffer
		chunked := rng.Intn(2) == 0
		if chunked {
			req.WriteString("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
			for rest := body; len(rest) > 0; {
				n := min(len(rest), 1+rng.Intn(100000))
				fmt.Fprintf(&req, "%x\r\n%s\r\n", n, rest[:n])
				rest = rest[n:]
			}
			req.WriteString("0\r\n\r\n")
		} else {
			fmt.Fprintf(&req, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		}
		pipelined := rng.Intn(3) == 0
		if pipelined {
			req.WriteString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		var pieces [][]byte
		for b := req.Bytes(); len(b) > 0; {
			n := min(len(b), 1+rng.Intn(300000))
			pieces, b = append(pieces, b[:n]), b[n:]
		}
		go func() { // written in random pieces while the answers are read
			for _, piece := range pieces {
				if _, err := c.Write(piece); err != nil {
					return
				}
			}
		}()
		want := []string{fmt.Sprintf("%d %x <nil>", len(body), sha256.Sum256(body))}
		if pipelined {
			want = append(want, fmt.Sprintf("0 %x <nil>", sha256.Sum256(nil)))
		}
		for _, w := range want {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				return fmt.Errorf("client %d, request %d (chunked %v): %v", seed, i, chunked, err)
			}
			got, err := io.ReadAll(resp.Body)
			if err != nil || string(got) != w {
				return fmt.Errorf("client %d, request %d (chunked %v): answer %q (%v), want %q", seed, i, chunked, got, err, w)
			}
		}
	}
	return nil
}

// TestStdResponseControllerWriteDeadline: a streamed response to a client
// that reads nothing fails its write at the deadline set with
// http.ResponseController, with os.ErrDeadlineExceeded, and the
// connection closes.
func TestStdResponseControllerWriteDeadline(t *testing.T) {
	errs := make(chan error, 1)
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
			errs <- err
			return
		}
		chunk := make([]byte, 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				errs <- err
				return
			}
		}
	})
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and read nothing
	if err := wait(t, errs, "the handler's write to fail"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write: %v, want the deadline exceeded", err)
	}
	if n, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("reading what was sent (%d bytes): %v, want the connection closed", n, err)
	}
}

// TestStreamWindowIsValidated: a window too small or too large to be a
// sane buffer is refused with ErrInvalidOption.
func TestStreamWindowIsValidated(t *testing.T) {
	for _, n := range []int{0, 1 << 10, 2 << 30} {
		if _, err := NewStd(http.NotFoundHandler(), WithStreamWindow(n)); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("StreamWindow %d: %v, want ErrInvalidOption", n, err)
		}
	}
	if _, err := NewStd(http.NotFoundHandler(), WithStreamWindow(64<<10)); err != nil {
		t.Errorf("StreamWindow 64 KiB: %v", err)
	}
}
