//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package netloop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// listener is a listening stream socket or a bound UDP socket, served by
// a goroutine of its own.
type listener struct {
	ln    net.Listener   // stream
	pc    net.PacketConn // UDP
	owner *loop          // the loop that serves it; nil: the balancer picks one per connection
}

// listen opens every endpoint. With ReusePort each TCP and UDP endpoint
// gets one socket per loop, all bound to one port, and each loop serves
// its own; otherwise stream connections are balanced over the loops and
// UDP sockets spread over them.
func (e *engine) listen(eps []endpoint) error {
	control, err := listenControl(e.opts)
	if err != nil {
		return err
	}
	// KeepAlive -1 turns off the keepalive package net would enable by
	// default; setConnOptions applies the user's.
	lc := net.ListenConfig{Control: control, KeepAlive: -1}
	for i, ep := range eps {
		owners := []*loop{nil}
		switch {
		case e.opts.ReusePort && ep.network != "unix":
			owners = e.loops
		case !ep.isStream():
			owners = []*loop{e.loops[i%len(e.loops)]}
		}
		address := ep.address
		for k, owner := range owners {
			ln, err := e.openListener(&lc, ep, address)
			if err != nil {
				return fmt.Errorf("netloop: listen %s://%s: %w", ep.network, address, err)
			}
			ln.owner = owner
			e.listeners = append(e.listeners, ln)
			if k == 0 {
				e.addrs = append(e.addrs, ln.addr())
			}
			// Later sockets must bind the port the first one got for ":0".
			address = ln.addr().String()
		}
	}
	return nil
}

func (e *engine) openListener(lc *net.ListenConfig, ep endpoint, address string) (*listener, error) {
	if ep.isStream() {
		ln, err := lc.Listen(context.Background(), ep.network, address)
		return &listener{ln: ln}, err
	}
	pc, err := lc.ListenPacket(context.Background(), ep.network, address)
	if err != nil {
		return nil, err
	}
	if err := setBuffers(pc, &e.opts); err != nil {
		pc.Close()
		return nil, err
	}
	return &listener{pc: pc}, nil
}

func (ln *listener) addr() net.Addr {
	if ln.pc != nil {
		return ln.pc.LocalAddr()
	}
	return ln.ln.Addr()
}

func (ln *listener) close() {
	if ln.pc != nil {
		ln.pc.Close()
	} else {
		ln.ln.Close() // a Unix listener also removes its path
	}
}

// serve runs on ln's goroutine until ln is closed.
func (e *engine) serve(ln *listener) {
	if ln.pc != nil {
		ln.owner.readDatagrams(ln.pc)
		return
	}
	var backoff time.Duration
	for {
		nc, err := ln.ln.Accept()
		if err == nil {
			backoff = 0
			e.accepted(nc, ln.owner)
			continue
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
		// Out of descriptors (EMFILE) the pending connection stays queued
		// and Accept fails again at once: pause instead of spinning.
		backoff = min(max(2*backoff, minAcceptBackoff), maxAcceptBackoff)
		e.log.Warn("netloop: accept failed; pausing", "addr", ln.addr().String(), "err", err, "for", backoff)
		select {
		case <-time.After(backoff):
		case <-e.stopping.Done():
			return
		}
	}
}

// accepted sets up an accepted connection and gives it to its loop.
func (e *engine) accepted(nc net.Conn, owner *loop) {
	if err := e.setConnOptions(nc); err != nil {
		nc.Close()
		e.log.Warn("netloop: set socket options", "err", err)
		return
	}
	l := owner
	if l == nil {
		l = e.pick(ipOf(nc.RemoteAddr()))
	}
	l.handOver(nc, nil, nil)
}

// handOver gives nc to l, to serve it with h (nil: the engine's handler);
// done, if not nil, learns once OnOpen has run, or why it never will. It
// fails if l has stopped, and then closes nc.
func (l *loop) handOver(nc net.Conn, h Handler, done dialDone) error {
	c := newConn(nc, l, h)
	if done != nil {
		c.extra().done = done
	}
	l.load.Add(1)
	if err := l.post(task{op: opRegister, c: c}); err != nil {
		nc.Close()
		l.load.Add(-1)
		return err
	}
	return nil
}

func ipOf(a net.Addr) []byte {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return nil
	}
	if ip := ta.IP.To4(); ip != nil {
		return ip
	}
	return ta.IP
}

func (e *engine) setConnOptions(nc net.Conn) error {
	o := &e.opts
	if tc, ok := nc.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(o.TCPNoDelay); err != nil {
			return err
		}
		if o.TCPKeepAlive > 0 {
			if err := tc.SetKeepAliveConfig(keepAliveConfig(o)); err != nil {
				return err
			}
		}
		if o.Linger >= 0 {
			if err := tc.SetLinger(o.Linger); err != nil {
				return err
			}
		}
	}
	return setBuffers(nc, o)
}

// keepAliveConfig maps the options' zero ("system default") to net's -1
// ("leave unchanged"); net's zero means its own 15 s default.
func keepAliveConfig(o *Options) net.KeepAliveConfig {
	kc := net.KeepAliveConfig{Enable: true, Idle: o.TCPKeepAlive, Interval: o.TCPKeepInterval, Count: o.TCPKeepCount}
	if kc.Interval == 0 {
		kc.Interval = -1
	}
	if kc.Count == 0 {
		kc.Count = -1
	}
	return kc
}

// setBuffers sets SO_RCVBUF and SO_SNDBUF on any of net's socket types.
func setBuffers(s any, o *Options) error {
	bs, ok := s.(interface {
		SetReadBuffer(int) error
		SetWriteBuffer(int) error
	})
	if !ok {
		return nil
	}
	if o.SocketRecvBuffer > 0 {
		if err := bs.SetReadBuffer(o.SocketRecvBuffer); err != nil {
			return err
		}
	}
	if o.SocketSendBuffer > 0 {
		return bs.SetWriteBuffer(o.SocketSendBuffer)
	}
	return nil
}

// readDatagrams runs on a UDP socket's goroutine: each datagram is one
// OnTraffic call on l, with a Conn whose writes go back to its sender. It
// waits for l to serve one datagram before reading the next, so that one
// buffer serves them all.
func (l *loop) readDatagrams(pc net.PacketConn) {
	buf := make([]byte, l.eng.opts.ReadBufferSize)
	served := make(chan struct{}, 1)
	var c *conn
	var data []byte
	serve := func() { // bound once: posting it does not allocate
		if l.datagram(c, data) == Shutdown {
			l.eng.shutdownAsync()
		}
		served <- struct{}{}
	}
	for {
		n, from, err := pc.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// ICMP errors from earlier sends surface here; they concern
			// one peer, not the socket.
			l.eng.log.Debug("netloop: read datagram", "addr", pc.LocalAddr().String(), "err", err)
			continue
		}
		c = &conn{loop: l, h: l.h, udp: true, packet: true, pc: pc, localAddr: pc.LocalAddr(), remoteAddr: from}
		data = buf[:n]
		if l.post(task{op: opFunc, fn: serve}) != nil {
			return
		}
		select {
		case <-served:
		case <-l.eng.stopping.Done():
			return
		}
	}
}
