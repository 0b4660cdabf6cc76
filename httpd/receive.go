package httpd

import (
	"fmt"

	"github.com/netloop/netloop"
)

// StreamHandler is a native Handler that may take a request's body as it
// arrives rather than whole: an upload far larger than MaxBodyBytes, a
// body hashed or parsed on the fly, one refused from its head alone.
//
// ServeHead runs, on the event loop, once the head of a request with a
// body has arrived and before any of the body is read (and before 100
// Continue is sent to a client that asked for it). r is the request's
// head (r.Body is nil); both r and w are valid only during the call. What
// it returns decides what becomes of the body:
//
//   - a BodyReceiver: the body goes to it piece by piece, decoded, as it
//     arrives, bounded by Options.MaxStreamedBodyBytes; its EndBody
//     answers the request. The server holds none of the body.
//   - nil, w untouched: the body is buffered whole (MaxBodyBytes) and
//     Serve runs, as for any Handler.
//   - nil with a status other than 200 set on w (or w flushed): that
//     response is the answer, the body is refused unread, and the
//     connection closes after the response, which says so (the server
//     drops what the client goes on sending for a moment, so that a
//     client still sending sees the answer). A receiver returned along
//     with such an answer is not used: its AbortBody is told
//     ErrAnsweredAtHead.
//
// Requests without a body go straight to Serve.
type StreamHandler interface {
	Handler
	ServeHead(w *ResponseWriter, r *Request) BodyReceiver
}

// BodyReceiver takes one request's body for a StreamHandler. Its methods
// run on the connection's event loop, one at a time, and must not block:
// each call holds up the loop's other connections. A receiver whose sink
// is slower than the client holds the client back with the connection's
// PauseReading and ResumeReading (Request.Conn): TCP flow control then
// slows the client down, and the server buffers nothing meanwhile.
type BodyReceiver interface {
	// ReceiveBody takes the next piece of the body, decoded if it was
	// chunked; p is valid only during the call. An error stops the body
	// there: EndBody runs at once with that error, and the connection
	// closes after its response, the rest of the body unread.
	ReceiveBody(p []byte) error
	// EndBody answers the request, once: after the body's last byte (err
	// nil, and r carries the trailers of a chunked body), or after
	// ReceiveBody failed (err is its error). r and w are as for Serve,
	// with r.Body nil.
	EndBody(w *ResponseWriter, r *Request, err error)
	// AbortBody runs instead of EndBody when the body fails on the
	// client's side: the server answers what it can (400 for a malformed
	// chunk, 413 past MaxStreamedBodyBytes, 408 past ReadTimeout) and
	// closes the connection. err wraps ErrMalformed, ErrBodyTooLarge or
	// ErrHeaderTimeout; or it is io.ErrUnexpectedEOF when the connection
	// closed mid-body (the client went away or sat silent past
	// IdleTimeout, the server stopped, or ReceiveBody panicked);
	// or ErrAnsweredAtHead (see StreamHandler).
	AbortBody(err error)
}

// serveHead asks the StreamHandler what becomes of the body of the held
// request, whose head is req[:headEnd]. It returns how many of req's
// bytes the parser is done with and the parse error of a body that is
// too large; refused reports that the handler answered from the head.
func (ss *session) serveHead(c netloop.Conn, b *batch, req []byte) (n int, refused bool, err error) {
	p := &ss.p
	b.begin(ss.srv, c, req, p)
	b.w.closeAfter = true // should ServeHead answer, the connection closes after it
	recv := ss.srv.streamer.ServeHead(&b.w, &b.r)
	if b.w.status != 200 || b.w.sent {
		if recv != nil {
			recv.AbortBody(ErrAnsweredAtHead)
		}
		b.w.finish()
		ss.served++
		return 0, true, nil
	}
	if recv == nil {
		return 0, false, p.release(false) // buffered: serve parses on
	}
	if err := p.release(true); err != nil {
		recv.AbortBody(fmt.Errorf("httpd: request body: %w", err))
		return 0, false, err
	}
	// The head leaves the connection's buffer as the body streams
	// through it: keep a copy for EndBody's view of the request.
	ss.head = append([]byte(nil), req[:p.headEnd]...)
	ss.headP = parser{opts: p.opts, progress: p.progress}
	ss.headP.fields = append([]field(nil), p.fields[:p.nHeaders]...)
	if p.expectContinue && !p.sentContinue && len(req) == p.headEnd {
		// (Once some of the body has come, the client is not waiting.)
		b.out = append(b.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
		p.sentContinue = true
	}
	ss.recv = recv
	return p.streamBody(), false, nil
}

// receive passes what has arrived of a streamed body to its receiver and,
// once the body is whole or the receiver has stopped it, has the receiver
// answer. It reports whether the request is done with and the connection
// may go on to the next; if not, action says what becomes of it.
func (ss *session) receive(c netloop.Conn, b *batch) (next bool, action netloop.Action) {
	p := &ss.p
	buf, _ := c.Peek(-1)
	piece, n, done, err := p.takeBody(buf)
	if err != nil {
		ss.abortBody(fmt.Errorf("httpd: request body: %w", err))
		b.out = ss.srv.appendRefusal(b.out, err)
		return false, netloop.Close
	}
	var stop error
	if len(piece) > 0 {
		stop = ss.recv.ReceiveBody(piece)
	}
	if done && stop == nil && p.chunked {
		ss.keepTrailers(buf)
	}
	p.body = p.body[:0]
	c.Discard(n)
	p.rebase(n)
	if !done && stop == nil {
		return false, netloop.None
	}
	recv := ss.recv
	ss.recv = nil
	ss.served++
	b.begin(ss.srv, c, ss.head, &ss.headP)
	if stop != nil {
		b.w.SetClose() // the rest of the body goes unread
	}
	recv.EndBody(&b.w, &b.r, stop)
	closeAfter := b.w.finish()
	ss.head, ss.headP = nil, parser{}
	ss.nextRequest()
	switch {
	case stop != nil:
		ss.refused = true
		return false, netloop.None
	case closeAfter:
		return false, netloop.Close
	}
	return true, netloop.None
}

// keepTrailers appends the trailer fields of the body just parsed from
// buf to the kept head, for EndBody's view of the request.
func (ss *session) keepTrailers(buf []byte) {
	hp := &ss.headP
	for _, f := range ss.p.fields[ss.p.nHeaders:] {
		var kept field
		kept.name.s = int32(len(ss.head))
		ss.head = append(ss.head, f.name.of(buf)...)
		kept.name.e = int32(len(ss.head))
		kept.value.s = kept.name.e
		ss.head = append(ss.head, f.value.of(buf)...)
		kept.value.e = int32(len(ss.head))
		hp.fields = append(hp.fields, kept)
	}
}

// abortBody tells a streamed body's receiver, if any, that the body
// failed.
func (ss *session) abortBody(err error) {
	if recv := ss.recv; recv != nil {
		ss.recv = nil
		recv.AbortBody(err)
	}
}

// takeBody parses what has arrived in buf of a body being streamed (the
// parser having been through streamBody). It returns the body bytes
// decoded from it (in buf, or in the parser's body buffer), how many of
// buf's bytes it is done with, and whether the body is complete.
func (p *parser) takeBody(buf []byte) (piece []byte, n int, done bool, err error) {
	if p.chunked {
		done, err = p.parse(buf)
		return p.body, p.consumed(), done, err
	}
	n = int(min(int64(len(buf)), p.contentLength-p.bodyN))
	p.bodyN += int64(n)
	return buf[:n], n, p.bodyN == p.contentLength, nil
}
