package httpd

import (
	"context"
	"strconv"
	"time"

	"github.com/netloop/netloop"
)

// session is a connection's state. Only the connection's loop touches it
// (a net/http handler's goroutine reaches it through AsyncWrite and Wake
// callbacks, which run on the loop).
type session struct {
	srv *Server
	p   parser // the request being received

	since    time.Duration // when the pending request's head began (Server.clock); 0 if none
	armed    bool          // a read timeout bounds the pending request
	active   bool          // counted in Server.active
	busy     bool          // a net/http handler is serving a request
	eof      bool          // the client has half-closed: close once it is served
	ex       *exchange     // that request
	stream   *bodyStream   // its body, while it is streamed to the handler
	hijacked *hijackedConn // the connection, once a handler has taken it over
	// bodyCut: the handler's streamed body failed or was cut short, so
	// the connection closes once the handler has answered.
	bodyCut bool
	// A StreamHandler's request whose body goes to a receiver: recv, and
	// a copy of its head (head, headP) for EndBody.
	recv  BodyReceiver
	head  []byte
	headP parser
	// refused: the request was answered without its body, so the
	// connection closes, lingering, once the answer is out.
	refused bool
	// stalled: the client is not reading its answers fast enough, so the
	// requests pipelined behind them wait in the buffer until it does
	// (OnWritabilityChanged).
	stalled bool
	// up: the connection has been upgraded (101) to another protocol,
	// which gets its events from now on.
	up Protocol
	// detached: a response going on after its Handler returned; the
	// requests behind it wait for its End.
	detached *ResponseStream
	// heldBack: reading is paused because the client pipelined more than
	// a request head's worth behind a request still being answered.
	heldBack     bool
	bodyDeadline time.Duration // Options.ReadTimeout's bound on a streamed body (Server.clock); 0 if none
	lingerUntil  time.Duration // closing: what the client still sends is dropped until then (Server.clock)
	served       int64         // requests answered

	base   context.Context // NewStd: the context requests derive from
	remote string          // NewStd: the client's address as a string
}

func (ss *session) reset() {
	*ss = session{srv: ss.srv, p: ss.p}
	ss.p.reset()
}

// batch is the scratch one OnTraffic call uses: the responses to every
// request served in it go into out, written with one Conn.Write at the
// end. Each loop has one of its own (Server.loopBatches), so an idle
// connection holds none and taking one costs no synchronisation.
type batch struct {
	out []byte
	w   ResponseWriter
	r   Request

	okType string // the last Content-Type value found valid (SetContentType)

	owned bool // one of Server.loopBatches, not pooled
	inUse bool // owned, and taken by a serve call in progress
}

// getBatch returns c's loop's batch. Should that be taken already (a
// Handler that makes its loop serve another connection before returning),
// or the loop be unknown, it returns one from a pool instead.
func (s *Server) getBatch(c netloop.Conn) *batch {
	if i := c.LoopIndex(); i < len(s.loopBatches) {
		if b := &s.loopBatches[i]; !b.inUse {
			b.inUse = true
			return b
		}
	}
	return s.batches.Get().(*batch)
}

func (s *Server) putBatch(b *batch) {
	if cap(b.out) > 256<<10 {
		b.out = make([]byte, 0, 4096)
	}
	b.out = b.out[:0]
	b.r = Request{}
	b.w.c, b.w.b, b.w.contentType = nil, nil, ""
	if b.owned {
		b.inUse = false
		return
	}
	s.batches.Put(b)
}

// serve parses and answers the requests buffered in c, in order, until
// they run out, one is incomplete, or a net/http handler takes one. It
// runs in OnTraffic, and when a net/http handler has finished.
func (ss *session) serve(c netloop.Conn) netloop.Action {
	s := ss.srv
	var b *batch
	action := netloop.None
	for {
		if ss.recv != nil {
			if b == nil {
				b = s.getBatch(c)
			}
			next := false
			if next, action = ss.receive(c, b); !next || mayBeBehind(b) && ss.behind(c, b) {
				break
			}
		}
		if b, action = ss.serveBuffered(c, b); ss.recv == nil || action != netloop.None {
			break
		}
	}
	if action == netloop.None && !ss.busy && !ss.refused && ss.up == nil && ss.detached == nil {
		if b == nil && ss.p.pending() && ss.timedOut() {
			b = s.getBatch(c)
		}
		action = ss.time(c, b)
	}
	if b != nil {
		if len(b.out) > 0 {
			c.Write(b.out)
		}
		s.putBatch(b)
	}
	if ss.up != nil && action == netloop.None {
		return ss.handOver(c)
	}
	if ss.refused {
		ss.refused = false
		ss.p.reset()
		ss.linger(c)
		return action
	}
	ss.setActive(ss.answering() || ss.p.pending())
	return action
}

// flushAt is how many bytes of answers to pipelined requests a batch
// gathers before it writes them and looks whether the client keeps up.
// Tiny pipelined requests can ask for large answers, so without the look
// one read of requests could make the server hold many megabytes.
const flushAt = 256 << 10

// mayBeBehind reports whether, after a request has been answered, it is
// time to look whether the client keeps up: once the batch holds flushAt
// bytes of answers, or when the answer went out by itself (Flush).
func mayBeBehind(b *batch) bool { return len(b.out) >= flushAt || b.w.sent }

// behind writes the batch's answers and reports whether the client has
// fallen behind them (the connection's output is past its high water
// mark), in which case the session stalls: the requests behind wait.
func (ss *session) behind(c netloop.Conn, b *batch) bool {
	if len(b.out) > 0 {
		c.Write(b.out)
		b.out = b.out[:0]
	}
	ss.stalled = !c.Writable()
	return ss.stalled
}

// holdBack stops reading from a client that has pipelined more than a
// request head's worth of bytes behind a request still being answered (by
// a net/http handler, or a detached response): the rest waits in the
// kernel, and TCP slows the client down, rather than piling up in memory.
func (ss *session) holdBack(c netloop.Conn) {
	if o := &ss.srv.opts; !ss.heldBack && c.InboundBuffered() > o.MaxURIBytes+o.MaxHeaderBytes {
		ss.heldBack = true
		c.PauseReading()
	}
}

// release undoes holdBack once the request has been answered.
func (ss *session) release(c netloop.Conn) {
	if ss.heldBack {
		ss.heldBack = false
		c.ResumeReading()
	}
}

// answering reports whether a request is still being answered: by a
// net/http handler, or a detached response, or answers the client has
// not caught up with yet.
func (ss *session) answering() bool { return ss.busy || ss.stalled || ss.detached != nil }

// unstall serves the requests that waited for the client to read its
// answers, once it has (OnWritabilityChanged).
func (ss *session) unstall(c netloop.Conn) {
	ss.stalled = false
	ss.serveNext(c)
}

// serveBuffered serves the requests whose bytes are in c's buffer, up to
// one that is incomplete, one a net/http handler takes, or one whose body
// goes to a BodyReceiver. Responses go to b, taken when first needed
// (if nil) and returned.
func (ss *session) serveBuffered(c netloop.Conn, b *batch) (*batch, netloop.Action) {
	s := ss.srv
	buf, _ := c.Peek(-1)
	action := netloop.None
	off := 0
	for off < len(buf) {
		req := buf[off:]
		done, err := ss.p.parse(req)
		if !done && err == nil && ss.p.held {
			if b == nil {
				b = s.getBatch(c)
			}
			var n int
			var refused bool
			if n, refused, err = ss.serveHead(c, b, req); err == nil {
				if refused {
					ss.refused = true
					off = len(buf)
					break
				}
				if ss.recv != nil {
					off += n
					break // receive takes it from here
				}
				done, err = ss.p.parse(req) // buffered after all
			}
		}
		if err != nil {
			if b == nil {
				b = s.getBatch(c)
			}
			b.out = s.appendRefusal(b.out, err)
			off = len(buf)
			action = netloop.Close
			break
		}
		if !done {
			if ss.p.expectContinue && !ss.p.sentContinue && ss.p.headDone() {
				// RFC 9110 10.1.1: the client waits for this before
				// sending the body; the body's size has been checked.
				if b == nil {
					b = s.getBatch(c)
				}
				b.out = append(b.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
				ss.p.sentContinue = true
			}
			if s.std != nil && ss.p.headDone() {
				// A net/http handler need not wait for the body: it
				// gets it as a stream.
				if b != nil && len(b.out) > 0 {
					c.Write(b.out)
					b.out = b.out[:0]
				}
				n, ok := ss.startStream(c, req)
				if !ok {
					action = netloop.Close // answered 503; the body is not read
					off = len(buf)
					break
				}
				off += n
			}
			break
		}
		n := ss.p.end
		ss.served++
		if s.std != nil {
			if b != nil && len(b.out) > 0 {
				c.Write(b.out) // what precedes this request's response
				b.out = b.out[:0]
			}
			ss.dispatch(c, req[:n], nil)
			off += n
			ss.nextRequest()
			if ss.busy {
				break
			}
			continue
		}
		if b == nil {
			b = s.getBatch(c)
		}
		closeAfter := ss.serveNative(c, b, req[:n])
		off += n
		ss.nextRequest()
		if b.w.up != nil {
			ss.up, b.w.up = b.w.up, nil
			break // what follows is the new protocol's
		}
		if b.w.stream != nil {
			ss.attach(b.w.stream)
			b.w.stream = nil
			break // what follows waits for the stream's End
		}
		if closeAfter {
			action = netloop.Close
			off = len(buf) // what follows a "Connection: close" is ignored
			break
		}
		if mayBeBehind(b) && ss.behind(c, b) {
			break // the rest waits until the client reads
		}
	}
	c.Discard(off)
	if ss.stream != nil {
		ss.feed(c) // the part of the body that came with the head
	}
	return b, action
}

// nextRequest readies the session for the connection's next request,
// whose head is timed from the read that brings its first byte.
func (ss *session) nextRequest() {
	ss.p.reset()
	ss.since = 0
}

// begin readies the batch's request view and response writer for req,
// the request p has parsed.
func (b *batch) begin(s *Server, c netloop.Conn, req []byte, p *parser) {
	b.r = Request{b: req, p: p, c: c}
	b.w.reset(s, c, b, p, string(p.method.of(req)) == "HEAD")
}

// serveNative runs the native Handler for one complete request and
// appends its response to b.out; it reports whether the connection closes
// after it.
func (ss *session) serveNative(c netloop.Conn, b *batch, req []byte) bool {
	// (batch.begin's body, which the compiler does not inline here: this
	// is the hot path.)
	p := &ss.p
	b.r = Request{b: req, p: p, c: c}
	b.w.reset(ss.srv, c, b, p, string(p.method.of(req)) == "HEAD")
	ss.srv.h.Serve(&b.w, &b.r)
	return b.w.finish()
}

// timedOut reports whether the pending request has run out of time.
func (ss *session) timedOut() bool {
	limit := ss.limit()
	return limit > 0 && ss.since > 0 && ss.srv.clock()-ss.since >= limit
}

// limit is the time bound on the pending request.
func (ss *session) limit() time.Duration {
	if ss.p.headDone() {
		return ss.srv.opts.ReadTimeout
	}
	return ss.srv.headLimit()
}

// time keeps the read-header (and read) timeout of the request in
// progress. The bound is on the total time since the head's first byte,
// while netloop's read timeout counts from the last read: so every
// OnTraffic with a request still incomplete checks the total itself
// (answering 408 to a client that trickles bytes) and re-arms netloop's
// read timeout with the time left (closing a client that goes silent).
// A connection that receives whole requests never reaches the clock.
func (ss *session) time(c netloop.Conn, b *batch) netloop.Action {
	if !ss.p.pending() {
		ss.since = 0
		if ss.armed {
			ss.armed = false
			c.SetReadTimeout(0)
		}
		return netloop.None
	}
	limit := ss.limit()
	if limit == 0 {
		if ss.armed {
			ss.armed = false
			c.SetReadTimeout(0)
		}
		return netloop.None
	}
	now := ss.srv.clock()
	if ss.since == 0 {
		ss.since = now // the head began in this read
	}
	left := ss.since + limit - now
	if left <= 0 {
		b.out = ss.srv.appendRefusal(b.out, refuse(ErrHeaderTimeout, "after %v", limit))
		ss.abortBody(bodyTimeout(limit))
		return netloop.Close
	}
	ss.armed = true
	c.SetReadTimeout(left)
	return netloop.None
}

// setActive keeps Server.active, the count Shutdown waits on, in step.
func (ss *session) setActive(on bool) {
	if on != ss.active {
		ss.active = on
		if on {
			ss.srv.active.Add(1)
		} else {
			ss.srv.active.Add(-1)
		}
	}
}

// appendRefusal appends the response to a refused request; the
// connection closes after it.
func (s *Server) appendRefusal(out []byte, err error) []byte {
	code := StatusCode(err)
	if code == 0 {
		code = 400
	}
	msg := strconv.Itoa(code) + " " + statusText(code) + "\n"
	if re, ok := err.(*requestError); ok {
		msg = strconv.Itoa(code) + " " + statusText(code) + ": " + re.msg + "\n"
	}
	out = appendStatusLine(out, code)
	out = append(out, s.date.line()...)
	out = append(out, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(msg)), 10)
	out = append(out, "\r\n\r\n"...)
	return append(out, msg...)
}
