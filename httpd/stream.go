package httpd

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/netloop/netloop"
)

// A net/http handler's request body is streamed: once the head is in and
// the body is not, the handler starts, and the body's bytes travel from
// the loop to it through a bodyStream as they arrive. The loop moves
// every body byte it reads into the stream at once, so the connection's
// inbound buffer holds framing at most; the stream holds up to
// Options.StreamWindow bytes the handler has not read yet (plus one
// read), and
// beyond that the loop stops reading from the socket, so that TCP slows
// the client down. A body's size costs the server no memory.
//
// Bodies that arrive whole with their head (most small ones) are not
// streamed: the handler gets them in one buffer.

// bodyStream is a streamed request body: the loop writes it, the
// handler's goroutine reads it (it is the http.Request's Body). A
// hijacked connection's reads come through one too.
type bodyStream struct {
	c         netloop.Conn
	req       *http.Request // its Trailer is filled, on the reader's goroutine, at the end
	closedErr error         // what reads return after Close
	window    int           // bytes held unread before the loop stops reading; it resumes at half

	mu       sync.Mutex
	buf      []byte // received and not yet read: buf[off:]
	off      int
	err      error     // set once the body has ended: io.EOF, or why it failed
	trailers []string  // name, value, ... of the trailer fields, at io.EOF
	paused   bool      // the loop has stopped reading: too much is buffered
	waiting  bool      // the reader waits for bytes or the end
	closed   bool      // the handler closed the body
	deadline time.Time // reads wait until then at most; zero: no limit
	ready    chan struct{}
}

func newBodyStream(c netloop.Conn, window int, closedErr error) *bodyStream {
	return &bodyStream{c: c, window: window, closedErr: closedErr, ready: make(chan struct{}, 1)}
}

// signal wakes a reader waiting for bytes or the end.
func (st *bodyStream) signal() {
	select {
	case st.ready <- struct{}{}:
	default:
	}
}

// push adds body bytes (loop). It reports whether the loop should stop
// reading, the handler having fallen window bytes behind, and
// whether the handler was waiting for them.
func (st *bodyStream) push(b []byte) (full, woke bool) {
	if len(b) == 0 {
		return false, false
	}
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return false, false // nobody reads: drop the bytes
	}
	if st.off > 0 && st.off >= len(st.buf)/2 {
		// Reuse the read part rather than grow: copy the rest down.
		st.buf = st.buf[:copy(st.buf, st.buf[st.off:])]
		st.off = 0
	}
	st.buf = append(st.buf, b...)
	full = len(st.buf)-st.off >= st.window
	st.paused = full
	woke, st.waiting = st.waiting, false
	st.mu.Unlock()
	if woke {
		st.signal()
	}
	return full, woke
}

// end ends the body (loop): err is io.EOF once it has all arrived, with
// the trailer fields as name, value pairs.
func (st *bodyStream) end(err error, trailers []string) {
	st.mu.Lock()
	if st.err == nil {
		st.err, st.trailers = err, trailers
	}
	st.waiting = false
	st.mu.Unlock()
	st.signal()
}

// ended reports whether the whole body has arrived.
func (st *bodyStream) ended() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err == io.EOF
}

// stillFull reports whether the loop should go on not reading (loop).
func (st *bodyStream) stillFull() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.paused
}

// Read reads the body (the handler's goroutine): what has arrived, or it
// waits for more.
func (st *bodyStream) Read(p []byte) (int, error) {
	st.mu.Lock()
	for {
		if st.closed {
			st.mu.Unlock()
			return 0, st.closedErr
		}
		if st.off < len(st.buf) {
			n := copy(p, st.buf[st.off:])
			st.off += n
			if st.off == len(st.buf) {
				st.buf, st.off = st.buf[:0], 0
			}
			resume := st.paused && len(st.buf)-st.off <= st.window/2
			if resume {
				st.paused = false
			}
			st.mu.Unlock()
			if resume {
				st.c.Wake(st.resume) // fails only if closed: nothing to resume
			}
			return n, nil
		}
		if st.err != nil {
			err := st.err
			if err == io.EOF && len(st.trailers) > 0 {
				st.fillTrailer()
			}
			st.mu.Unlock()
			return 0, err
		}
		deadline := st.deadline
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			st.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		st.waiting = true
		st.mu.Unlock()
		st.wait(deadline)
		st.mu.Lock()
	}
}

// wait waits for a signal, or until deadline if it is not zero.
func (st *bodyStream) wait(deadline time.Time) {
	if deadline.IsZero() {
		<-st.ready
		return
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-st.ready:
	case <-t.C:
	}
}

// setDeadline bounds reads, those waiting now included.
func (st *bodyStream) setDeadline(t time.Time) {
	st.mu.Lock()
	st.deadline = t
	st.mu.Unlock()
	st.signal()
}

// fillTrailer puts the trailer fields into the request's Trailer, as
// net/http does once the body has been read to its end.
func (st *bodyStream) fillTrailer() {
	if st.req.Trailer == nil {
		st.req.Trailer = make(http.Header, len(st.trailers)/2)
	}
	for i := 0; i+1 < len(st.trailers); i += 2 {
		st.req.Trailer.Add(st.trailers[i], st.trailers[i+1])
	}
	st.trailers = nil
}

// Close ends the handler's interest in the body: later reads fail, and
// bytes still to come are dropped.
func (st *bodyStream) Close() error {
	st.mu.Lock()
	st.closed = true
	st.buf, st.off = nil, 0
	resume := st.paused
	st.paused = false
	st.mu.Unlock()
	st.signal() // a Read blocked in another goroutine fails now
	if resume {
		st.c.Wake(st.resume)
	}
	return nil
}

// resume runs on the loop when the reader has caught up: reading resumes.
func (st *bodyStream) resume(c netloop.Conn, err error) {
	ss, _ := c.Context().(*session)
	if err != nil || ss == nil || ss.stream != st && (ss.hijacked == nil || ss.hijacked.in != st) || st.stillFull() {
		return
	}
	c.ResumeReading()
	if ss.stream == st {
		ss.timeStream(c)
	}
}

// startStream hands the request whose head is complete in req, and whose
// body is not, to a net/http handler with a streamed body. It returns
// how many of req's bytes the parser is done with, or false if no worker
// could take the request (it has been answered with 503).
func (ss *session) startStream(c netloop.Conn, req []byte) (int, bool) {
	p := &ss.p
	limit := ss.srv.opts.ReadTimeout
	if limit > 0 {
		since := ss.since
		if since == 0 {
			since = ss.srv.clock()
		}
		ss.bodyDeadline = since + limit
	}
	st := newBodyStream(c, ss.srv.opts.StreamWindow, http.ErrBodyReadAfterClose)
	if !ss.dispatch(c, req[:p.headEnd], st) {
		return 0, false
	}
	ss.stream = st
	st.push(p.body) // what the parse so far has decoded of a chunked body
	p.body = p.body[:0]
	return p.streamBody(), true
}

// feed moves the body bytes that have arrived into the stream (loop).
func (ss *session) feed(c netloop.Conn) {
	st, p := ss.stream, &ss.p
	buf, _ := c.Peek(-1)
	piece, n, done, err := p.takeBody(buf)
	full, woke := st.push(piece)
	p.body = p.body[:0]
	var trailers []string
	if done && p.chunked {
		trailers = p.trailerPairs(buf)
	}
	c.Discard(n)
	p.rebase(n)
	if woke {
		// Let the handler's goroutine run once this batch is served,
		// not when the runtime next takes the P from a polling loop.
		c.Yield()
	}
	switch {
	case err != nil:
		ss.cutStream(c, fmt.Errorf("httpd: request body: %w", err))
		return
	case done:
		st.end(io.EOF, trailers)
		ss.stream = nil
		p.reset()
		c.SetReadTimeout(0)
		return
	case full:
		c.PauseReading()
	}
	ss.timeStream(c)
}

// timeStream keeps Options.ReadTimeout on a streamed body: a body that
// has not arrived by the deadline fails, and a client silent until then
// is closed by netloop's read timeout. While the handler has fallen
// behind and reading is paused, the silence is the server's: no timeout.
func (ss *session) timeStream(c netloop.Conn) {
	if ss.bodyDeadline == 0 {
		return
	}
	left := ss.bodyDeadline - ss.srv.clock()
	switch {
	case left <= 0:
		ss.cutStream(c, bodyTimeout(ss.srv.opts.ReadTimeout))
	case ss.stream.stillFull():
		c.SetReadTimeout(0)
	default:
		c.SetReadTimeout(left)
	}
}

// bodyTimeout is the error of a streamed body that did not arrive within
// Options.ReadTimeout.
func bodyTimeout(limit time.Duration) error {
	return fmt.Errorf("httpd: request body: %w", refuse(ErrHeaderTimeout, "body not received within %v", limit))
}

// cutStream fails a streamed body: the handler's reads return err, the
// loop reads no more from the client, and the connection closes once the
// handler has answered.
func (ss *session) cutStream(c netloop.Conn, err error) {
	ss.stream.end(err, nil)
	ss.stream, ss.bodyCut = nil, true
	c.PauseReading()
	c.SetReadTimeout(0)
}

// streamBody readies the parser, its request's head complete, to read the
// body as a stream: the head has been handed over, and from here on the
// parser sees only what follows it, with offsets counted from the first
// byte not yet consumed. It returns how many bytes it is done with.
func (p *parser) streamBody() int {
	// The header fields go; trailer fields the parse has reached stay.
	p.fields = append(p.fields[:0], p.fields[p.nHeaders:]...)
	p.nHeaders = 0
	n := p.headEnd
	if p.chunked {
		n = p.consumed()
	}
	p.rebase(n)
	return n
}

// lingerTime bounds how long a connection closing with a request body
// unread goes on dropping what the client sends.
const lingerTime = 500 * time.Millisecond

// linger closes a connection whose handler has answered without the
// whole of its request body, gently: the answer goes out followed by a
// FIN, and what the client still sends is read and dropped until it
// closes its side too, falls silent, or lingerTime has passed. Closing at
// once with bytes unread would reset the connection, and a client still
// busy sending its body could lose the answer.
func (ss *session) linger(c netloop.Conn) {
	ss.stream, ss.bodyCut = nil, false
	ss.setActive(false)
	ss.lingerUntil = ss.srv.clock() + lingerTime
	if c.CloseWrite() != nil {
		c.Close()
		return
	}
	c.ResumeReading()
	c.SetReadTimeout(lingerTime)
}

// drop discards what a lingering connection receives, and closes it
// once its time is up.
func (ss *session) drop(c netloop.Conn) netloop.Action {
	c.Discard(-1)
	if ss.srv.clock() >= ss.lingerUntil {
		return netloop.Close
	}
	return netloop.None
}

// consumed is how many bytes from the start the parser no longer needs
// while it reads a chunked body: all it has examined, but a trailer
// section, whose lines it reads once the section is whole.
func (p *parser) consumed() int {
	switch p.state {
	case stTrailers:
		return p.start
	case stDone:
		return p.end
	}
	return p.pos
}

// rebase drops the first n bytes from the parser's view: every offset
// it holds moves down by n.
func (p *parser) rebase(n int) {
	p.pos -= n
	p.scan -= n
	p.start -= n
	p.chunkLineStart -= n
	p.headEnd -= n
	p.end -= n
	for i := range p.fields {
		f := &p.fields[i]
		f.name.s -= int32(n)
		f.name.e -= int32(n)
		f.value.s -= int32(n)
		f.value.e -= int32(n)
	}
}

// trailerPairs returns the trailer fields of a body parsed from b as
// name, value pairs, names in net/http's canonical form.
func (p *parser) trailerPairs(b []byte) []string {
	t := p.fields[p.nHeaders:]
	pairs := make([]string, 0, 2*len(t))
	var canon [64]byte
	for _, f := range t {
		pairs = append(pairs, canonicalKey(canon[:0], f.name.of(b)), string(f.value.of(b)))
	}
	return pairs
}
