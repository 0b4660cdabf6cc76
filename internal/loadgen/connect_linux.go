package loadgen

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// maxConnecting bounds the connects in flight at once. Firing thousands of
// SYNs together overflows the server's accept backlog and turns the connect
// phase into a retransmission-timeout benchmark.
const maxConnecting = 256

// stopTag marks the shared cancellation eventfd in every epoll set; real
// entries carry non-negative indices.
const stopTag = -1

// connectResult is the outcome of the connect phase. fds is indexed by
// connection number; failed connections hold -1.
type connectResult struct {
	fds      []int
	failed   int
	firstErr error
}

// closeAll closes every established connection (used on error paths).
func (r *connectResult) closeAll() {
	for i, fd := range r.fds {
		if fd >= 0 {
			unix.Close(fd)
			r.fds[i] = -1
		}
	}
}

// connectAll establishes n connections with non-blocking connects driven by
// a private epoll instance, at most maxConnecting at a time, each bounded by
// the connect timeout. It returns early with an error when stop is set
// (the stop eventfd wakes the wait). Individual connect failures are
// counted, not returned.
func (d *dialer) connectAll(n int, stop *atomic.Bool, stopfd int) (*connectResult, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("loadgen: epoll_create1: %w", err)
	}
	defer unix.Close(epfd)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, stopfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: stopTag}); err != nil {
		return nil, fmt.Errorf("loadgen: epoll_ctl: %w", err)
	}

	res := &connectResult{fds: make([]int, n)}
	for i := range res.fds {
		res.fds[i] = -1
	}
	fail := func(i int, err error) {
		res.failed++
		if res.firstErr == nil {
			res.firstErr = fmt.Errorf("conn %d: %w", i, err)
		}
	}
	base := time.Now()
	deadline := make([]time.Duration, n) // per connection, relative to base
	inflight := make([]int, 0, maxConnecting)
	events := make([]unix.EpollEvent, 64)
	// finish removes connection i from the in-flight set; err == nil keeps
	// its socket as established.
	finish := func(i int, err error) {
		inflight = slices.DeleteFunc(inflight, func(j int) bool { return j == i })
		if err != nil {
			unix.Close(res.fds[i])
			res.fds[i] = -1
			fail(i, err)
		}
	}
	abort := func(err error) (*connectResult, error) {
		for _, i := range inflight {
			unix.Close(res.fds[i])
			res.fds[i] = -1
		}
		res.closeAll()
		return nil, err
	}

	for next := 0; next < n || len(inflight) > 0; {
		if stop.Load() {
			return abort(fmt.Errorf("loadgen: connect phase: %w", errStopped))
		}
		for next < n && len(inflight) < maxConnecting {
			i := next
			next++
			fd, done, err := d.start(i)
			switch {
			case err != nil:
				fail(i, err)
			case done:
				res.fds[i] = fd
			default:
				res.fds[i] = fd
				if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLOUT, Fd: int32(i)}); err != nil {
					unix.Close(fd)
					res.fds[i] = -1
					fail(i, fmt.Errorf("epoll_ctl: %w", err))
					continue
				}
				inflight = append(inflight, i)
				deadline[i] = time.Since(base) + d.timeout
			}
		}
		if len(inflight) == 0 {
			continue
		}
		now := time.Since(base)
		earliest := deadline[inflight[0]]
		for _, i := range inflight[1:] {
			earliest = min(earliest, deadline[i])
		}
		k, err := unix.EpollWait(epfd, events, waitMillis(earliest-now))
		if err != nil && err != unix.EINTR {
			return abort(fmt.Errorf("loadgen: epoll_wait: %w", err))
		}
		for _, ev := range events[:max(k, 0)] {
			i := int(ev.Fd)
			if i == stopTag {
				continue // stop flag is checked at the top of the loop
			}
			soerr, err := unix.GetsockoptInt(res.fds[i], unix.SOL_SOCKET, unix.SO_ERROR)
			switch {
			case err != nil:
				finish(i, fmt.Errorf("getsockopt SO_ERROR: %w", err))
			case soerr != 0:
				finish(i, fmt.Errorf("connect: %w", unix.Errno(soerr)))
			default:
				// The worker registers the socket in its own epoll set.
				if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_DEL, res.fds[i], nil); err != nil {
					finish(i, fmt.Errorf("epoll_ctl: %w", err))
				} else {
					finish(i, nil)
				}
			}
		}
		now = time.Since(base)
		for _, i := range slices.Clone(inflight) {
			if now >= deadline[i] {
				finish(i, fmt.Errorf("connect: %w after %v", unix.ETIMEDOUT, d.timeout))
			}
		}
	}
	return res, nil
}

// waitMillis converts a wait into an epoll timeout, rounding up so a
// deadline is never polled for in a busy loop just before it is due.
func waitMillis(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}
