// Package poller wraps the kernel's readiness notification (epoll on Linux,
// kqueue on macOS and FreeBSD) behind one small type used by netloop's event
// loops.
//
// A Poller is owned by one goroutine, except Wake, which any goroutine may call
// to interrupt a Wait in progress.
package poller

// Interest is the set of readiness conditions a file descriptor is watched for.
type Interest uint8

// Interest values; combine with |.
const (
	Read Interest = 1 << iota
	Write
	// Level keeps this fd level-triggered in an edge-triggered poller.
	// Listeners use it: they take a bounded batch per event and rely on
	// being told again about the rest.
	Level
)

// Event is what Wait reports for one file descriptor.
type Event uint8

// Event bits.
const (
	// Readable means a read will not block: there are bytes, a pending
	// connection, end of file, or an error to collect.
	Readable Event = 1 << iota
	// Writable means a write will not block (or a connect has completed).
	Writable
	// Hangup means the peer closed both directions or the socket failed;
	// the owner should read what is left and close.
	Hangup
	// PeerClosed means the peer has stopped sending (or the socket
	// failed): once the bytes still queued are read, a read returns end
	// of file. An edge-triggered owner that stops at a short read must
	// read on when this is set, since no later edge will announce it.
	PeerClosed
)
