package httpd

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/netloop/netloop"
)

// Protocol is what a connection speaks after ResponseWriter.Upgrade (101
// Switching Protocols): from then on its events go to the Protocol, on
// the connection's event loop, as they would to a netloop.Handler's
// methods of the same names, and the HTTP server keeps out of its way.
// A Protocol that also implements netloop.WritabilityHandler or
// netloop.HalfCloseHandler gets those events too; without OnEOF, the
// client's FIN closes the connection. The connection's context
// (Conn.SetContext) stays the server's: keep per-connection state in the
// Protocol value, one per connection.
type Protocol interface {
	// OnTraffic reads what has arrived (Conn.Peek, Next, Discard); bytes
	// the client sent right behind its upgrade request are there at the
	// first call, which comes at once if there are any.
	OnTraffic(c netloop.Conn) netloop.Action
	// OnClose runs once when the connection has closed, err saying why.
	OnClose(c netloop.Conn, err error)
}

// ErrNoUpgrade is returned by Upgrade when the request did not ask for
// the protocol, or cannot switch.
var ErrNoUpgrade = errors.New("httpd: the request cannot be upgraded")

// Upgrade answers the request with 101 Switching Protocols and hands the
// connection to p once the answer is out: the protocol name is sent in
// the Upgrade field, with "Connection: Upgrade" and the fields added with
// AddHeader (a WebSocket handshake's Sec-WebSocket-Accept, say); what
// was written to the body is dropped, and later writes fail. The
// request-header, read and idle timeouts stop: the handler, after this
// call, or the Protocol sets the protocol's own with the Conn's methods.
// It fails on a connection that is to close after this request
// (Connection: close, SetClose, Server.Shutdown).
//
// The request must be an HTTP/1.1 one whose Connection field has the
// "upgrade" option and whose Upgrade field lists protocol (RFC 9110,
// section 7.8), whole when Serve runs (not in StreamHandler's ServeHead
// or EndBody); otherwise Upgrade fails with an error wrapping
// ErrNoUpgrade, and the Handler answers as it sees fit (426 Upgrade
// Required, for one). After Flush it fails with ErrHeadersSent.
func (w *ResponseWriter) Upgrade(protocol string, p Protocol) error {
	if w.sent {
		return ErrHeadersSent
	}
	r := &w.b.r
	switch {
	case p == nil || !validProtocol(protocol):
		return fmt.Errorf("%w: no protocol, or an invalid name %q", ErrNoUpgrade, protocol)
	case r.p.state != stDone || r.p.streamed:
		return fmt.Errorf("%w: not before the request is whole", ErrNoUpgrade)
	case r.p.minor == 0:
		return fmt.Errorf("%w: HTTP/1.0", ErrNoUpgrade) // RFC 9110 7.8: ignored in 1.0
	case w.closeAfter:
		return fmt.Errorf("%w: the connection is closing (Connection: close, SetClose or Shutdown)", ErrNoUpgrade)
	case !fieldHasToken(r, "Connection", "upgrade"):
		return fmt.Errorf("%w: Connection does not have the upgrade option", ErrNoUpgrade)
	case !fieldHasToken(r, "Upgrade", protocol):
		return fmt.Errorf("%w: the client did not offer %q", ErrNoUpgrade, protocol)
	}
	w.status, w.sent, w.up = 101, true, p
	w.body = w.body[:0]
	// The HTTP timeouts stop here, so that the handler may set the
	// protocol's own after this call.
	w.c.SetReadTimeout(0)
	w.c.SetIdleTimeout(0)
	b := w.b
	b.out = append(b.out, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: "...)
	b.out = append(b.out, protocol...)
	b.out = append(b.out, "\r\n"...)
	b.out = append(b.out, w.hdr...)
	b.out = append(b.out, "\r\n"...)
	return nil
}

// validProtocol reports whether s is a protocol name as the Upgrade
// field has them: a token, or token/token (a name and its version).
func validProtocol(s string) bool {
	name, version, versioned := strings.Cut(s, "/")
	return name != "" && allIn(name, isToken) && (!versioned || version != "" && allIn(version, isToken))
}

// fieldHasToken reports whether any of r's fields called name has token
// (compared without regard to case) among its comma-separated elements.
func fieldHasToken(r *Request, name, token string) bool {
	for i := range r.NumHeaders() {
		n, v := r.HeaderAt(i)
		if !equalFoldAny(n, name) {
			continue
		}
		for len(v) > 0 {
			var elem []byte
			elem, v, _ = bytes.Cut(v, []byte(","))
			if equalFoldAny(bytes.TrimSpace(elem), token) {
				return true
			}
		}
	}
	return false
}

// handOver gives the connection to the Protocol its last request was
// upgraded to, once the 101 answer has been written (Upgrade has stopped
// the HTTP timeouts): bytes that came behind the request go to the
// Protocol at once.
func (ss *session) handOver(c netloop.Conn) netloop.Action {
	ss.since, ss.armed = 0, false
	ss.setActive(false)
	if c.InboundBuffered() > 0 {
		return ss.up.OnTraffic(c)
	}
	return netloop.None
}
