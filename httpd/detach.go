package httpd

import (
	"errors"

	"github.com/netloop/netloop"
)

// ResponseStream is a response that goes on after its Handler has
// returned (ResponseWriter.Detach): server-sent events, a long poll, a
// feed pushed to many clients from the event loop without a goroutine
// each. Its methods must be called on the connection's event loop: from
// another goroutine, through Conn().Wake. The requests the client
// pipelines behind it wait until End.
type ResponseStream struct {
	ss  *session
	c   netloop.Conn
	a   answer // the response's framing, as the ResponseWriter left it
	out []byte // scratch for one framed piece
	err error  // set once the stream has ended or the connection closed

	onClose    func(error)
	onWritable func()
}

// ErrStreamEnded is returned by a ResponseStream's methods after End, or
// once its connection has closed (OnClose says why).
var ErrStreamEnded = errors.New("httpd: response stream ended")

// Detach sends the response's head now, with what the body holds so far,
// and keeps the response open after the Handler returns: the body goes on
// through the returned ResponseStream, chunked (HTTP/1.1, unless
// SetContentLength declared its length) or until the connection closes
// (HTTP/1.0), and ends with its End. Meanwhile the idle and read timeouts
// stop, and the connection counts as busy for Server.Shutdown. It fails
// with ErrHeadersSent when called twice or after Upgrade, and in a
// StreamHandler's ServeHead and EndBody (Serve only).
func (w *ResponseWriter) Detach() (*ResponseStream, error) {
	if p := w.b.r.p; w.up != nil || w.stream != nil || p.state != stDone || p.streamed {
		return nil, ErrHeadersSent
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	w.c.SetIdleTimeout(0)
	w.c.SetReadTimeout(0)
	w.stream = &ResponseStream{c: w.c, a: w.answer}
	// Status 0 allows no body, so the ResponseWriter's writes take their
	// slow path, which hands them to the stream: the check costs the
	// writes of every other response nothing.
	w.status = 0
	return w.stream, nil
}

// After Detach, the ResponseWriter's Write and WriteString go to the
// stream, SetClose reaches it too, and Flush does nothing (the stream
// sends at once).

// Conn returns the response's connection: Wake it to reach the stream
// from another goroutine.
func (s *ResponseStream) Conn() netloop.Conn { return s.c }

// OnClose sets fn to run, on the loop, when the connection closes before
// End, with the reason (nil if the server closed it; the client may have
// reset it, say): a publisher drops the stream from its list there.
func (s *ResponseStream) OnClose(fn func(err error)) { s.onClose = fn }

// Write sends p as the next piece of the body. It fails with
// ErrStreamEnded once the stream has ended, with ErrContentLength past a
// declared length, and with ErrBodyNotAllowed for a status without a
// body. Check Writable first when producing faster than the client may
// read.
func (s *ResponseStream) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if err := s.a.admit(len(p)); err != nil {
		return 0, err
	}
	if s.a.head || len(p) == 0 {
		return len(p), nil
	}
	out := p
	if s.a.chunked {
		s.out = appendChunk(s.out[:0], p)
		out = s.out
	}
	if _, err := s.c.Write(out); err != nil {
		return 0, err
	}
	if cap(s.out) > 64<<10 {
		s.out = nil
	}
	return len(p), nil
}

// WriteString is Write for a string.
func (s *ResponseStream) WriteString(p string) (int, error) { return s.Write([]byte(p)) }

// Writable reports whether the client keeps up: the connection's output
// is below its high water mark. A producer that finds it false waits for
// the client (or drops what it would send) rather than piling output up.
func (s *ResponseStream) Writable() bool { return s.err == nil && s.c.Writable() }

// End finishes the response. The connection then serves the requests
// pipelined behind it, or closes if the response is delimited by closing
// (HTTP/1.0), asked to close, or shorter than its declared length.
func (s *ResponseStream) End() error {
	if s.err != nil {
		return s.err
	}
	if s.ss == nil {
		return errEndInHandler
	}
	s.err = ErrStreamEnded
	ss, c, a := s.ss, s.c, &s.a
	if a.chunked {
		c.Write([]byte(lastChunk))
	}
	if a.closeAfter || a.contentLength >= 0 && a.written < a.contentLength && !a.head {
		// The session stays detached, so that nothing the client sent
		// behind is served before the close (which netloop carries
		// out after this turn).
		c.Discard(-1)
		ss.setActive(false)
		return c.Close()
	}
	ss.detached = nil
	if t := ss.srv.opts.IdleTimeout; t > 0 {
		c.SetIdleTimeout(t)
	}
	ss.release(c)
	ss.serveNext(c)
	return nil
}

// errEndInHandler: End was called before the Handler that called Detach
// returned; such a Handler should not detach.
var errEndInHandler = errors.New("httpd: ResponseStream.End called before its Handler returned")

// OnWritable sets fn to run, on the loop, when the connection's output
// has drained below its low water mark after Writable reported false: a
// producer that paused resumes there.
func (s *ResponseStream) OnWritable(fn func()) { s.onWritable = fn }

// attach makes s the detached response of ss, once its Handler has
// returned.
func (ss *session) attach(s *ResponseStream) {
	s.ss = ss
	ss.detached = s
}

// closed ends the stream when its connection closes before End.
func (s *ResponseStream) closed(err error) {
	if s.err != nil {
		return
	}
	s.err = ErrStreamEnded
	if s.onClose != nil {
		s.onClose(err)
	}
}
