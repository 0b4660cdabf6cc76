package poller

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Poller is an epoll instance plus an eventfd that Wake writes to.
type Poller struct {
	epfd   int
	wakefd int
	edge   bool
	events []unix.EpollEvent
	// wakeBuf is where Wait drains the eventfd counter; kept here so the
	// read does not allocate.
	wakeBuf [8]byte
	busy    bool // the last Wait found several descriptors ready
	long    bool // the last Wait may have blocked for more than a millisecond
	quiet   int  // SetQuietWait: milliseconds to wait unseen by the scheduler
	gather  gathering
	// mu keeps Wake from writing to a descriptor number that Close has
	// released and the process may already have reused.
	mu     sync.RWMutex
	closed bool
}

// Open creates a poller. With edge set, descriptors are registered
// edge-triggered (EPOLLET) and their owner must read and write until EAGAIN.
func Open(edge bool) (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("poller: epoll_create1: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("poller: eventfd: %w", err)
	}
	p := &Poller{epfd: epfd, wakefd: wakefd, edge: edge, events: make([]unix.EpollEvent, 256)}
	// The wake descriptor is always level-triggered: Wait drains it.
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, fmt.Errorf("poller: register eventfd: %w", err)
	}
	return p, nil
}

func (p *Poller) mask(in Interest) uint32 {
	var m uint32
	if in&Read != 0 {
		// RDHUP only with reads: it stays raised once the peer has
		// half-closed, and a writer waiting to flush must not spin on it.
		m |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if in&Write != 0 {
		m |= unix.EPOLLOUT
	}
	if p.edge && in&Level == 0 {
		m |= unix.EPOLLET
	}
	return m
}

// Add starts watching fd for in.
func (p *Poller) Add(fd int, in Interest) error {
	ev := unix.EpollEvent{Events: p.mask(in), Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("poller: add fd %d: %w", fd, err)
	}
	return nil
}

// Modify replaces the interest set of a watched fd.
func (p *Poller) Modify(fd int, in Interest) error {
	ev := unix.EpollEvent{Events: p.mask(in), Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		return fmt.Errorf("poller: modify fd %d: %w", fd, err)
	}
	return nil
}

// Delete stops watching fd. Closing an fd removes it from epoll too, so
// callers about to close may skip this.
func (p *Poller) Delete(fd int) error {
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil); err != nil {
		return fmt.Errorf("poller: delete fd %d: %w", fd, err)
	}
	return nil
}

var wakeValue = [8]byte{1, 0, 0, 0, 0, 0, 0, 0}

// SetQuietWait makes Wait, when nothing is ready, first wait up to ms
// milliseconds in a raw system call that the Go scheduler does not see,
// and only then block the usual way. While the scheduler thinks the
// goroutine is running, it neither takes its P away (and back when the
// wait ends) nor wakes its monitor thread every 20 us to watch the
// system call: under a steady load of short gaps that bookkeeping costs
// more than the wait. Other goroutines meanwhile get no P from this
// thread. 0, the default, turns it off.
func (p *Poller) SetQuietWait(ms int) { p.quiet = ms }

// QuietWait returns the quiet wait in milliseconds.
func (p *Poller) QuietWait() int { return p.quiet }

// Wake interrupts a Wait in progress, or makes the next one return at once.
// Safe for concurrent use.
func (p *Poller) Wake() error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil
	}
	for {
		_, err := unix.Write(p.wakefd, wakeValue[:])
		switch {
		case err == nil, errors.Is(err, unix.EAGAIN):
			// EAGAIN: the counter is saturated, so a wake-up is already due.
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		default:
			return fmt.Errorf("poller: wake: %w", err)
		}
	}
}

// Wait blocks for at most msec milliseconds (-1: no limit) until
// descriptors are ready, and returns how many; Ready then tells which.
// They are two calls so that the owner can read the clock in between.
// With SetCoalesce, a small batch may wait for company first.
func (p *Poller) Wait(msec int) (int, error) {
	n, err := p.wait(msec)
	if n > 0 && n < gatherBelow && msec != 0 && p.Coalescing() {
		n = p.coalesce(n)
	}
	return n, err
}

// wait is Wait without the coalescing.
func (p *Poller) wait(msec int) (int, error) {
	// First, where it pays, a raw system call, which skips the
	// scheduler's bookkeeping: a look without blocking for a busy loop
	// (several descriptors ready last time, so likely more now), or a
	// quiet wait (SetQuietWait), which also returns at once if something
	// is ready. Then block, telling the scheduler, if nothing was. A
	// quiet loop without a quiet wait goes straight to the blocking call:
	// a look that finds nothing costs more than the bookkeeping it saves.
	raw := -1 // the raw call's timeout in milliseconds; -1: no raw call
	switch {
	case msec == 0:
		raw = 0
	case p.quiet > 0:
		raw = p.quiet
		if msec > 0 && msec < raw {
			raw = msec
		}
	case p.busy:
		raw = 0
	}
	if raw >= 0 {
		r, _, errno := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd),
			uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), uintptr(raw), 0, 0)
		if errno == 0 && (r > 0 || msec == 0) {
			p.busy = r > 1
			p.long = raw > 1
			return int(r), nil
		}
		if errno == 0 && msec > 0 {
			// Timed out: that much of msec has passed. (A wait
			// interrupted by the runtime's preemption signal, EINTR, goes
			// on to the full wait; timers are checked when it returns.)
			if msec -= raw; msec == 0 {
				return 0, nil
			}
		}
	}
	n, err := unix.EpollWait(p.epfd, p.events, msec)
	p.busy = n > 1
	p.long = msec < 0 || msec > 1 || raw > 0
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return 0, nil
		}
		return 0, fmt.Errorf("poller: epoll_wait: %w", err)
	}
	return n, nil
}

// Slept reports whether the last Wait may have blocked for more than a
// millisecond. Its owner's clock, read before the Wait, is otherwise still
// good enough for timeouts counted in seconds: no need to read it again.
func (p *Poller) Slept() bool { return p.long }

// gatherBelow: a batch of fewer ready descriptors is small enough to
// wait for company (SetCoalesce).
const gatherBelow = 4

// gatherMinActive: an owner serving fewer connections at once gathers
// nothing. Their requests come and go in lockstep with the replies, so
// holding the few that are ready only makes the rest wait (closed-loop
// clients: 2-8 of them lost up to half their requests per second).
const gatherMinActive = 16

// maxGatherSkip bounds the backoff of a loop whose gathering finds
// nothing: it then tries once in this many small batches.
const maxGatherSkip = 64

// gathering is the state of SetCoalesce.
type gathering struct {
	sleep   unix.Timespec // how long a small batch waits; zero: never
	skip    int           // small batches to serve at once before trying again
	backoff int           // the skip after the next fruitless try
	sleeps  uint64        // tries
	hits    uint64        // tries that found more descriptors ready
	active  int           // SetActive: connections the owner served lately
	hook    func()        // tests: runs just before the sleep
}

// SetCoalesce makes Wait, when it finds fewer than 4 descriptors ready
// while its owner serves many connections (SetActive), sleep d before
// returning and add the descriptors that became ready meanwhile, so that
// a loop under a load of many small requests serves them (and its peers
// receive the replies) in batches rather than one by one. The kernel adds
// the thread's timer slack (50 us by default) to d. Gathering that finds
// nothing new, or finds every active connection ready, backs off: the
// next try comes 1, 2, 4 ... up to 64 small batches later. Wait never
// delays a batch that holds the Wake descriptor or when called with a
// zero timeout. 0, the default, turns it off.
func (p *Poller) SetCoalesce(d time.Duration) {
	p.gather = gathering{sleep: unix.NsecToTimespec(int64(d))}
}

// Coalescing reports whether SetCoalesce turned coalescing on.
func (p *Poller) Coalescing() bool { return p.gather.sleep != unix.Timespec{} }

// SetActive tells the poller how many connections its owner has served
// lately. Coalescing needs at least 16, and a sleep after which all of
// them are ready counts as fruitless: it held every client, none of which
// had anything else to do.
func (p *Poller) SetActive(n int) { p.gather.active = n }

// Coalesced reports how often Wait slept for a small batch and how often
// that found more descriptors ready.
func (p *Poller) Coalesced() (sleeps, hits uint64) { return p.gather.sleeps, p.gather.hits }

// coalesce sleeps with a small batch of n ready descriptors and then adds
// those that became ready meanwhile. The sleep is a raw system call, like
// a quiet wait: the scheduler neither takes the P away nor needs to give
// it back, which for tens of microseconds would cost more than the sleep.
func (p *Poller) coalesce(n int) int {
	g := &p.gather
	if g.active < gatherMinActive {
		return n
	}
	if g.skip > 0 {
		g.skip--
		return n
	}
	for _, e := range p.events[:n] {
		if int(e.Fd) == p.wakefd {
			return n // queued tasks want serving now
		}
	}
	if g.hook != nil {
		g.hook()
	}
	syscall.RawSyscall6(unix.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&g.sleep)), 0, 0, 0, 0, 0)
	g.sleeps++
	r, _, errno := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd),
		uintptr(unsafe.Pointer(&p.events[n])), uintptr(len(p.events)-n), 0, 0, 0)
	m := n
	if errno == 0 {
		m = p.merge(n, n+int(r))
	}
	if m > n && m < g.active {
		g.hits++
		g.backoff = 0
	} else {
		g.backoff = min(max(2*g.backoff, 1), maxGatherSkip)
		g.skip = g.backoff
	}
	return m
}

// merge folds events[n:end], a second poll's report, into the first n: a
// level-triggered descriptor not yet served is reported again, and is
// kept once with the union of both reports; an edge-triggered one is not,
// so the first report must stay. It returns the merged count.
func (p *Poller) merge(n, end int) int {
	m := n
next:
	for _, e := range p.events[n:end] {
		for j := range p.events[:n] {
			if p.events[j].Fd == e.Fd {
				p.events[j].Events |= e.Events
				continue next
			}
		}
		p.events[m] = e
		m++
	}
	return m
}

// Ready returns the i'th of the descriptors the last Wait found ready and
// what it is ready for. The loop calls it for i from 0 to n-1 and then
// Served: a plain loop over the batch, with calls that inline and the
// owner's handler called directly. A descriptor equal to WakeFD is the
// poller's own: Wake was called, and ResetWake must follow.
func (p *Poller) Ready(i int) (fd int, ev Event) {
	e := &p.events[i]
	return int(e.Fd), epollEvents[e.Events&0x1f|e.Events>>8&0x20]
}

// WakeFD is the descriptor Ready reports for a Wake.
func (p *Poller) WakeFD() int { return p.wakefd }

// ResetWake takes a Wake's report, so that the next Wait blocks again.
func (p *Poller) ResetWake() { unix.Read(p.wakefd, p.wakeBuf[:]) }

// epollEvents translates epoll's bits to Events, indexed by EPOLLIN,
// EPOLLPRI, EPOLLOUT, EPOLLERR and EPOLLHUP (bits 0-4) and EPOLLRDHUP
// (moved from bit 13 to bit 5): a lookup keeps Ready small enough to
// inline into the loop.
var epollEvents = func() (t [64]Event) {
	for i := range t {
		m := uint32(i&0x1f) | uint32(i&0x20)<<8
		var ev Event
		if m&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLPRI) != 0 {
			ev |= Readable
		}
		if m&unix.EPOLLOUT != 0 {
			ev |= Writable
		}
		if m&(unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			ev |= Hangup | Readable
		}
		if m&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			ev |= PeerClosed
		}
		t[i] = ev
	}
	return t
}()

// Served ends a batch of n descriptors from Wait. A full batch hints at
// more ready descriptors than it could hold: the next Wait takes more.
func (p *Poller) Served(n int) {
	if n == len(p.events) && n < 4096 {
		p.events = make([]unix.EpollEvent, n*2)
	}
}

// Close releases the poller's descriptors.
func (p *Poller) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	err1 := unix.Close(p.wakefd)
	err2 := unix.Close(p.epfd)
	return errors.Join(err1, err2)
}
