package httpd

import (
	"net"

	"github.com/netloop/netloop"
)

// Request is a view of one received request for a native Handler. It and
// every slice its methods return point into the connection's buffer: they
// are valid only until the Handler returns and must not be modified. Copy
// what must live longer. Its methods allocate nothing.
type Request struct {
	b []byte // the request's bytes, from its first byte
	p *parser
	c netloop.Conn
}

// Method returns the method, such as GET.
func (r *Request) Method() []byte { return r.p.method.of(r.b) }

// Target returns the request-target as sent: "/path?query", an absolute
// URI ("http://host/path", from a proxy client), "host:port" (CONNECT) or
// "*" (OPTIONS).
func (r *Request) Target() []byte { return r.p.target.of(r.b) }

var slash = []byte("/")

// Path returns the target's path, without the query and, for an absolute
// URI, without scheme and authority ("/" if it has none). It is not
// percent-decoded.
func (r *Request) Path() []byte {
	p := r.p
	if p.form == absoluteForm && p.path.len() == 0 {
		return slash[:1:1]
	}
	return p.path.of(r.b)
}

// Query returns the target's query, without the "?" (empty if none). It is
// not decoded.
func (r *Request) Query() []byte { return r.p.query.of(r.b) }

// Host returns the host the request is for: the authority of an absolute
// or authority-form target, else the Host field (RFC 9112, section 3.2.2).
func (r *Request) Host() []byte {
	p := r.p
	if p.form == absoluteForm || p.form == authorityForm {
		return p.authority.of(r.b)
	}
	if p.hostCount == 0 {
		return nil
	}
	return p.host.of(r.b)
}

// Proto returns the protocol version as sent: "HTTP/1.1" or "HTTP/1.0".
func (r *Request) Proto() []byte {
	s := r.p.target.e + 1
	return span{s, s + 8}.of(r.b)
}

// ProtoMinor returns the minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
func (r *Request) ProtoMinor() int { return int(r.p.minor) }

// Header returns the value of the first header field called name (any
// case), or nil if there is none. Values have no leading or trailing
// whitespace.
func (r *Request) Header(name string) []byte {
	for _, f := range r.p.fields[:r.p.nHeaders] {
		if equalFoldAny(f.name.of(r.b), name) {
			return f.value.of(r.b)
		}
	}
	return nil
}

// NumHeaders returns the number of header fields.
func (r *Request) NumHeaders() int { return r.p.nHeaders }

// HeaderAt returns header field i, as sent, for 0 <= i < NumHeaders().
func (r *Request) HeaderAt(i int) (name, value []byte) {
	f := r.p.fields[:r.p.nHeaders][i]
	return f.name.of(r.b), f.value.of(r.b)
}

// ContentLength returns the body's length as the request declared it in
// Content-Length, 0 if it has no body, or -1 for a chunked body (whose
// length len(Body()) gives once decoded).
func (r *Request) ContentLength() int64 {
	if r.p.chunked {
		return -1
	}
	return r.p.contentLength
}

// Body returns the whole body, decoded if it was chunked; nil before the
// body has arrived (StreamHandler.ServeHead) or if it went to a
// BodyReceiver.
func (r *Request) Body() []byte {
	p := r.p
	if p.state != stDone || p.streamed {
		return nil
	}
	if p.chunked {
		return p.body[:len(p.body):len(p.body)]
	}
	return r.b[p.headEnd:p.end:p.end]
}

// Trailer returns the value of the first trailer field called name (any
// case) of a chunked body, or nil.
func (r *Request) Trailer(name string) []byte {
	for _, f := range r.p.fields[r.p.nHeaders:] {
		if equalFoldAny(f.name.of(r.b), name) {
			return f.value.of(r.b)
		}
	}
	return nil
}

// NumTrailers returns the number of trailer fields.
func (r *Request) NumTrailers() int { return len(r.p.fields) - r.p.nHeaders }

// TrailerAt returns trailer field i, for 0 <= i < NumTrailers().
func (r *Request) TrailerAt(i int) (name, value []byte) {
	f := r.p.fields[r.p.nHeaders:][i]
	return f.name.of(r.b), f.value.of(r.b)
}

// KeepAlive reports whether the client lets the connection stay open
// after this request: HTTP/1.1 unless it sent "Connection: close",
// HTTP/1.0 only with "Connection: keep-alive".
func (r *Request) KeepAlive() bool { return !r.p.closeAfter }

// RemoteAddr returns the client's address.
func (r *Request) RemoteAddr() net.Addr { return r.c.RemoteAddr() }

// Conn returns the connection the request came on. Unlike the Request,
// it outlives the call, so a BodyReceiver can hold the client back while
// its own sink is full: Conn.PauseReading in ReceiveBody, and later
// ResumeReading, on the loop (from another goroutine, through Conn.Wake).
// Do not write to it or close it: the server frames what goes out.
func (r *Request) Conn() netloop.Conn { return r.c }

// LocalAddr returns the address the request came in on.
func (r *Request) LocalAddr() net.Addr { return r.c.LocalAddr() }
