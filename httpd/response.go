package httpd

import (
	"fmt"
	"strconv"

	"github.com/netloop/netloop"
)

// ResponseWriter builds the response to one request for a native Handler.
// Set the status and header fields, then write the body; when the Handler
// returns, the server frames the response with a Content-Length and queues
// it behind the responses to earlier pipelined requests, so that one
// write(2) carries a whole batch. A Handler that streams calls Flush: the
// head goes out at once, and the body follows chunked (HTTP/1.1), with the
// declared Content-Length (SetContentLength), or until the connection
// closes (HTTP/1.0).
//
// The server writes Date, Content-Length, Transfer-Encoding and Connection
// itself. A ResponseWriter is valid only during the Handler call; call its
// methods only there, on the event loop.
type ResponseWriter struct {
	s *Server
	c netloop.Conn
	b *batch

	hdr         []byte          // header field lines the Handler added
	contentType string          // SetContentType's value; "" if none
	body        []byte          // body bytes not yet framed
	up          Protocol        // what the connection switches to (Upgrade); nil if none
	stream      *ResponseStream // the response goes on after the Handler (Detach); nil if not
	answer
}

// answer is a response's state besides its buffers. It holds no pointers,
// so that reset clears it with a few wide stores.
type answer struct {
	status        int
	contentLength int64 // declared with SetContentLength; -1 if not
	written       int64 // body bytes the Handler wrote
	head          bool  // answering HEAD: the body is counted, not sent
	minor         uint8 // the request's HTTP/1.minor
	closeAfter    bool  // close the connection after this response
	sent          bool  // the head has been sent (Flush)
	chunked       bool  // the body goes out chunked
}

// reset readies w for a request, keeping its buffers.
func (w *ResponseWriter) reset(s *Server, c netloop.Conn, b *batch, p *parser, head bool) {
	w.s, w.c, w.b = s, c, b
	w.up, w.stream = nil, nil // (left by a Handler that panicked)
	w.hdr, w.contentType = w.hdr[:0], ""
	if cap(w.body) > 64<<10 {
		w.body = nil
	} else {
		w.body = w.body[:0]
	}
	w.answer = answer{
		status: 200, contentLength: -1, head: head, minor: p.minor,
		closeAfter: p.closeAfter || s.draining.Load(),
	}
}

// SetStatus sets the status code, 200 by default. It fails with
// ErrHeadersSent after Flush. It panics if code is not in 200..999
// (interim 1xx responses are the server's business: it sends 100 Continue
// itself).
func (w *ResponseWriter) SetStatus(code int) error {
	if code < 200 || code > 999 {
		panic(fmt.Sprintf("httpd: invalid response status %d", code))
	}
	if w.sent {
		return ErrHeadersSent
	}
	w.status = code
	return nil
}

// Status returns the status code set so far.
func (w *ResponseWriter) Status() int {
	if w.stream != nil {
		return w.stream.a.status
	}
	return w.status
}

// AddHeader adds a header field. The name must be a token and the value
// free of control characters; otherwise the field is dropped and
// ErrInvalidHeader returned, so that no value can split the response.
// Fields the server writes itself fail with ErrReservedHeader.
func (w *ResponseWriter) AddHeader(name, value string) error {
	return addHeader(w, name, value)
}

// SetContentType sets the Content-Type field, replacing the value of an
// earlier call. It is AddHeader("Content-Type", v) without the check of
// a name known to be valid, and without a copy: the string is written
// when the response is. Use it or AddHeader for Content-Type, not both.
// A value with a control character fails with ErrInvalidHeader.
func (w *ResponseWriter) SetContentType(v string) error {
	if v != w.b.okType {
		// Handlers set the same few types again and again: the batch
		// remembers the last one checked.
		if !validValue(v) {
			return ErrInvalidHeader
		}
		w.b.okType = v
	}
	if w.sent {
		return ErrHeadersSent
	}
	w.contentType = v
	return nil
}

// AddHeaderBytes is AddHeader for byte slices (copied).
func (w *ResponseWriter) AddHeaderBytes(name, value []byte) error {
	return addHeader(w, name, value)
}

func addHeader[T string | []byte](w *ResponseWriter, name, value T) error {
	if err := checkField(name, value); err != nil {
		return err
	}
	if w.sent {
		return ErrHeadersSent
	}
	w.hdr = append(w.hdr, name...)
	w.hdr = append(w.hdr, ": "...)
	w.hdr = append(w.hdr, value...)
	w.hdr = append(w.hdr, "\r\n"...)
	return nil
}

// checkField validates a response field.
func checkField[T string | []byte](name, value T) error {
	if len(name) == 0 || !allIn(name, isToken) || !validValue(value) {
		return ErrInvalidHeader
	}
	if reserved(name) {
		return ErrReservedHeader
	}
	return nil
}

// reserved reports whether the server writes the field called name.
func reserved[T string | []byte](name T) bool {
	switch len(name) {
	case 4:
		return equalFold(name, "date")
	case 10:
		return equalFold(name, "connection")
	case 14:
		return equalFold(name, "content-length")
	case 17:
		return equalFold(name, "transfer-encoding")
	}
	return false
}

// SetContentLength declares the body's length up front, as a Handler that
// streams a body of known size (or answers HEAD without writing one)
// needs to. Writing more fails with ErrContentLength; writing less
// closes the connection after the response, as the client would otherwise
// wait for the rest.
func (w *ResponseWriter) SetContentLength(n int64) error {
	if n < 0 {
		return fmt.Errorf("httpd: negative Content-Length %d", n)
	}
	if w.sent {
		return ErrHeadersSent
	}
	w.contentLength = n
	return nil
}

// SetClose makes the server close the connection once this response is
// sent (with "Connection: close").
func (w *ResponseWriter) SetClose() {
	w.closeAfter = true
	if w.stream != nil {
		w.stream.a.closeAfter = true // (Detach)
	}
}

// Write appends p to the body. For HEAD requests the bytes are counted
// (they set the Content-Length) but not sent.
func (w *ResponseWriter) Write(p []byte) (int, error) {
	if err := w.admit(len(p)); err != nil {
		if w.stream != nil {
			return w.stream.Write(p) // (Detach left status 0 to come here)
		}
		return 0, err
	}
	if !w.head {
		w.body = append(w.body, p...)
	}
	return len(p), nil
}

// WriteString is Write for a string.
func (w *ResponseWriter) WriteString(s string) (int, error) {
	if err := w.admit(len(s)); err != nil {
		if w.stream != nil {
			return w.stream.WriteString(s) // (Detach left status 0 to come here)
		}
		return 0, err
	}
	if !w.head {
		w.body = append(w.body, s...)
	}
	return len(s), nil
}

// Flush sends the head, if not yet sent, and the body written so far,
// with the responses queued before it. From the first Flush on, the body
// is streamed: chunked for HTTP/1.1 unless SetContentLength declared its
// length, and delimited by closing the connection for HTTP/1.0.
func (w *ResponseWriter) Flush() error {
	if w.stream != nil {
		return nil // (Detach: the stream has sent everything)
	}
	b := w.b
	if !w.sent {
		w.sent = true
		switch {
		case w.head || w.contentLength >= 0 || !bodyAllowed(w.status):
		case w.minor >= 1:
			w.chunked = true
		default:
			w.closeAfter = true // HTTP/1.0 has no chunked coding
		}
		b.out = w.appendHead(b.out, w.contentLength)
	}
	b.out = w.appendBody(b.out)
	if len(b.out) == 0 {
		return nil
	}
	_, err := w.c.Write(b.out) // copies what the socket does not take
	b.out = b.out[:0]
	return err
}

// admit counts n more body bytes, or says why the response takes no
// more: its status has no body, or they would pass its declared length.
func (a *answer) admit(n int) error {
	switch {
	case !bodyAllowed(a.status):
		return ErrBodyNotAllowed
	case a.contentLength >= 0 && a.written+int64(n) > a.contentLength:
		return ErrContentLength
	}
	a.written += int64(n)
	return nil
}

// lastChunk ends a chunked body (with no trailer fields).
const lastChunk = "0\r\n\r\n"

// appendChunk frames p as one chunk of a chunked body onto out.
func appendChunk(out, p []byte) []byte {
	out = strconv.AppendInt(out, int64(len(p)), 16)
	out = append(out, "\r\n"...)
	out = append(out, p...)
	return append(out, "\r\n"...)
}

// appendBody frames what the body holds onto out.
func (w *ResponseWriter) appendBody(out []byte) []byte {
	if len(w.body) == 0 {
		return out
	}
	if w.chunked {
		out = appendChunk(out, w.body)
	} else {
		out = append(out, w.body...)
	}
	w.body = w.body[:0]
	return out
}

// appendHead appends the status line and header section; length is the
// Content-Length to send, or -1 for none.
func (w *ResponseWriter) appendHead(out []byte, length int64) []byte {
	if w.status == 200 && w.s.opts.ServerName == "" {
		out = append(out, w.s.date.okHead()...)
	} else {
		out = appendStatusLine(out, w.status)
		if w.s.opts.ServerName != "" {
			out = append(out, "Server: "...)
			out = append(out, w.s.opts.ServerName...)
			out = append(out, "\r\n"...)
		}
		out = append(out, w.s.date.line()...)
	}
	switch {
	case w.chunked:
		out = append(out, "Transfer-Encoding: chunked\r\n"...)
	case length >= 0 && w.status >= 200 && w.status != 204:
		out = append(out, "Content-Length: "...)
		out = appendLength(out, length)
	}
	if w.closeAfter {
		out = append(out, "Connection: close\r\n"...)
	} else if w.minor == 0 {
		out = append(out, "Connection: keep-alive\r\n"...)
	}
	if w.contentType != "" {
		out = append(out, "Content-Type: "...)
		out = append(out, w.contentType...)
		out = append(out, "\r\n"...)
	}
	if len(w.hdr) > 0 {
		out = append(out, w.hdr...)
	}
	return append(out, "\r\n"...)
}

// appendLength appends a Content-Length value and its CRLF. Bodies under
// 100 bytes, the small answers that dominate a busy server's count, skip
// strconv's general loop.
func appendLength(out []byte, n int64) []byte {
	switch {
	case n < 10:
		return append(out, byte('0'+n), '\r', '\n')
	case n < 100:
		return append(out, byte('0'+n/10), byte('0'+n%10), '\r', '\n')
	}
	out = strconv.AppendInt(out, n, 10)
	return append(out, "\r\n"...)
}

// finish completes the response after the Handler has returned and
// reports whether the connection must close after it.
func (w *ResponseWriter) finish() bool {
	b := w.b
	if w.up != nil || w.stream != nil {
		return false // the 101 answer is out, or the response goes on (Detach)
	}
	if !w.sent {
		length := w.written
		if w.contentLength >= 0 {
			length = w.contentLength
		}
		if !bodyAllowed(w.status) {
			length = -1
			if w.status == 304 && w.contentLength >= 0 {
				length = w.contentLength // the selected representation's length
			}
		}
		if w.contentLength >= 0 && w.written < w.contentLength && !w.head {
			w.closeAfter = true // the client cannot tell the body is short
		}
		b.out = w.appendHead(b.out, length)
		b.out = append(b.out, w.body...)
		w.body = w.body[:0]
		return w.closeAfter
	}
	b.out = w.appendBody(b.out)
	switch {
	case w.chunked:
		b.out = append(b.out, lastChunk...)
	case w.contentLength >= 0 && w.written < w.contentLength && !w.head:
		w.closeAfter = true
	}
	return w.closeAfter
}
