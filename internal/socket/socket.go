// Package socket creates non-blocking sockets and sets their options for
// netloop's unix engine: listeners, accepted connections, and the conversions
// between kernel socket addresses and net.Addr.
package socket

import "time"

// Options are the socket-level settings netloop applies to listeners and
// connections. Zero values leave the kernel default in place.
type Options struct {
	ReuseAddr bool
	ReusePort bool
	Backlog   int

	NoDelay      bool
	KeepAlive    time.Duration // idle time before the first probe; 0 = off
	KeepInterval time.Duration
	KeepCount    int
	RecvBuffer   int
	SendBuffer   int
	Linger       int // seconds; <0 = kernel default, 0 = reset on close
	IPv6Only     bool
}
