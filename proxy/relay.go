package proxy

import (
	"errors"
	"io"
	"time"

	"github.com/netloop/netloop"
)

// lingerTimeout bounds how long a refused client may keep its half of the
// connection open after the proxy's FIN.
const lingerTimeout = 2 * time.Second

// session is one client connection (down) and its upstream connection
// (up). Both live on the same event loop, which alone touches the session
// so it needs no lock,
// and either side may call the other's loop-only methods.
type session struct {
	p        *Proxy
	down, up netloop.Conn // up is nil until its connect succeeds
	toUp     flow         // bytes from down to up
	toDown   flow         // bytes from up to down
	b        *backend     // the upstream dialled or connected
	tries    int          // upstreams tried for this client
	downGone bool         // down has closed
	upGone   bool         // up has closed
	downEOF  bool         // the client finished sending before up opened
	refused  bool         // no upstream: down got a FIN and is drained until it closes
	drained  int          // bytes a refused client sent since
	pipes    *pipes       // with Config.Splice, once both sides are open
}

// peer returns the open connection on the other side of c, or nil.
func (s *session) peer(c netloop.Conn) netloop.Conn {
	if c == s.down {
		if s.up == nil || s.upGone {
			return nil
		}
		return s.up
	}
	if s.downGone {
		return nil
	}
	return s.down
}

// flows returns the flow that carries what c reads, and the one that
// carries what c writes.
func (s *session) flows(c netloop.Conn) (from, into *flow) {
	if c == s.down {
		return &s.toUp, &s.toDown
	}
	return &s.toDown, &s.toUp
}

// OnOpen starts the connect to an upstream for a new client.
func (p *Proxy) OnOpen(down netloop.Conn) ([]byte, netloop.Action) {
	p.accepted.Add(1)
	p.sessions.Add(1)
	s := &session{p: p, down: down}
	down.SetContext(s)
	p.configure(down)
	if !s.dial() {
		s.refuse()
	}
	return nil, netloop.None
}

// dial connects to the next upstream that is not down, on the client's
// loop; it reports false when there is none.
func (s *session) dial() bool {
	p := s.p
	if s.tries >= len(p.backends) {
		return false
	}
	s.tries++
	b := p.pick(s.down.RemoteAddr())
	if b == nil {
		return false
	}
	s.b = b
	b.active.Add(1)
	err := netloop.DialFrom(s.down, b.addr, &p.upside, p.cfg.DialTimeout, s.dialed)
	if err == nil {
		return true
	}
	// Not the upstream's fault (a bad address cannot pass New, so this is
	// the proxy's own socket failing, e.g. EMFILE).
	b.active.Add(-1)
	p.log.Debug("proxy: dial", "upstream", b.name, "err", err)
	return false
}

// refuse ends a client no upstream will serve: a FIN at once, then what
// it sent is read and dropped until it closes too, so that the close is
// orderly (closing a socket with unread bytes would send a reset).
func (s *session) refuse() {
	p := s.p
	p.rejected.Add(1)
	p.log.Debug("proxy: closing client", "remote", s.down.RemoteAddr(), "err", ErrNoUpstream)
	s.refused = true
	s.down.Discard(-1)
	s.down.SetIdleTimeout(lingerTimeout)
	s.down.CloseWrite()
	s.down.ResumeReading()
}

// dialed learns how a connect ended, on the loop. A failed upstream is
// marked down and the client tried on the next one.
func (s *session) dialed(up netloop.Conn, err error) {
	p := s.p
	if err != nil {
		s.b.active.Add(-1)
		if !errors.Is(err, netloop.ErrEngineShutdown) {
			p.markDown(s.b, err)
		}
		if !s.downGone && !s.dial() {
			s.refuse()
		}
		return
	}
	s.b.conns.Add(1)
	p.markUp(s.b)
	up.SetContext(s)
	s.up = up
	if s.downGone {
		up.Close()
		return
	}
	s.toUp.init(s.down, up)
	s.toDown.init(up, s.down)
	// What the client sent while the connect was under way.
	if s.down.InboundBuffered() > 0 && !s.toUp.relay() {
		up.Close()
		s.down.Close()
		return
	}
	if s.downEOF {
		up.CloseWrite()
	} else if !s.toUp.held {
		s.down.ResumeReading() // if MaxPending paused it
	}
	if p.cfg.Splice && !s.downEOF {
		s.startSplice()
	}
}

// OnTraffic relays what c received to its peer: one write, straight to
// the socket unless the peer's outbound buffer already holds bytes.
func (p *Proxy) OnTraffic(c netloop.Conn) netloop.Action {
	s, _ := c.Context().(*session)
	if s == nil {
		return netloop.None
	}
	if s.peer(c) == nil {
		switch {
		case s.refused:
			// Read only to close cleanly; a client that keeps sending
			// is cut off.
			n, _ := c.Discard(-1)
			if s.drained += n; s.drained > p.cfg.MaxPending {
				return netloop.Close
			}
			return netloop.None
		case c == s.down && s.up == nil && !s.upGone:
			// Still connecting: keep the bytes, up to MaxPending.
			if c.InboundBuffered() > p.cfg.MaxPending {
				c.PauseReading()
			}
			return netloop.None
		}
		c.Discard(-1) // the other side is gone and c is closing
		return netloop.Close
	}
	from, _ := s.flows(c)
	if !from.relay() {
		return netloop.Close // the peer failed; OnClose closes it
	}
	return netloop.None
}

// OnEOF forwards a half-close: c's peer has finished sending, so once
// what it sent is flushed the other side gets a FIN, while bytes keep
// flowing the other way. c closes when that direction ends as well.
func (p *Proxy) OnEOF(c netloop.Conn) netloop.Action {
	s, _ := c.Context().(*session)
	if s == nil {
		return netloop.Close
	}
	if c == s.down && s.up == nil && !s.upGone && !s.refused {
		s.downEOF = true // forwarded once the upstream is open
		return netloop.None
	}
	peer := s.peer(c)
	if peer == nil {
		return netloop.Close
	}
	// c's bytes were all written to peer by OnTraffic (reading pauses
	// instead of leaving them unread), so the FIN follows the last byte.
	peer.CloseWrite()
	return netloop.None
}

// OnClose ends the session's other side: with a FIN after an orderly
// close (io.EOF: both directions finished), otherwise by closing it once
// its pending output is flushed.
func (p *Proxy) OnClose(c netloop.Conn, err error) netloop.Action {
	s, _ := c.Context().(*session)
	if s == nil {
		return netloop.None
	}
	peer := s.peer(c)
	if c == s.down {
		s.downGone = true
		p.sessions.Add(-1)
	} else {
		s.upGone = true
		s.b.active.Add(-1)
	}
	if s.pipes != nil && s.downGone && (s.upGone || s.up == nil) {
		s.pipes.close()
	}
	if peer == nil {
		return netloop.None
	}
	if errors.Is(err, io.EOF) {
		peer.CloseWrite()
	} else {
		peer.Close()
	}
	return netloop.None
}

// upstreamHandler serves the upstream connections: the same relay as the
// client side, which the session tells apart.
type upstreamHandler struct {
	netloop.BuiltinHandler
	p *Proxy
}

func (u *upstreamHandler) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	u.p.configure(c)
	return nil, netloop.None
}

func (u *upstreamHandler) OnTraffic(c netloop.Conn) netloop.Action  { return u.p.OnTraffic(c) }
func (u *upstreamHandler) OnReadable(c netloop.Conn) netloop.Action { return u.p.OnReadable(c) }
func (u *upstreamHandler) OnEOF(c netloop.Conn) netloop.Action      { return u.p.OnEOF(c) }
func (u *upstreamHandler) OnWritabilityChanged(c netloop.Conn, writable bool) {
	u.p.OnWritabilityChanged(c, writable)
}
func (u *upstreamHandler) OnClose(c netloop.Conn, err error) netloop.Action {
	return u.p.OnClose(c, err)
}

// Both sides need OnEOF, or a half-close would close the connection.
var (
	_ netloop.HalfCloseHandler   = (*Proxy)(nil)
	_ netloop.HalfCloseHandler   = (*upstreamHandler)(nil)
	_ netloop.WritabilityHandler = (*Proxy)(nil)
	_ netloop.WritabilityHandler = (*upstreamHandler)(nil)
)
