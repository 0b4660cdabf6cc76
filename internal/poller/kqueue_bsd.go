//go:build darwin || freebsd

package poller

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Poller is a kqueue plus an EVFILT_USER event that Wake triggers.
type Poller struct {
	kq      int
	edge    bool
	events  []unix.Kevent_t
	changes [2]unix.Kevent_t
	// mu keeps Wake from triggering a kqueue that Close has released.
	mu     sync.RWMutex
	closed bool
}

const wakeIdent = 0

// Open creates a poller. With edge set, descriptors are registered with
// EV_CLEAR and their owner must read and write until EAGAIN.
func Open(edge bool) (*Poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, fmt.Errorf("poller: kqueue: %w", err)
	}
	unix.CloseOnExec(kq)
	p := &Poller{kq: kq, edge: edge, events: make([]unix.Kevent_t, 256)}
	wake := []unix.Kevent_t{{Ident: wakeIdent, Filter: unix.EVFILT_USER, Flags: unix.EV_ADD | unix.EV_CLEAR}}
	if _, err := unix.Kevent(kq, wake, nil, nil); err != nil {
		unix.Close(kq)
		return nil, fmt.Errorf("poller: register user event: %w", err)
	}
	return p, nil
}

func (p *Poller) change(fd int, filter int16, on, level bool) unix.Kevent_t {
	ev := unix.Kevent_t{Filter: filter}
	unix.SetKevent(&ev, fd, int(filter), unix.EV_DELETE)
	if on {
		ev.Flags = unix.EV_ADD | unix.EV_ENABLE
		if p.edge && !level {
			ev.Flags |= unix.EV_CLEAR
		}
	}
	return ev
}

func (p *Poller) apply(fd int, in Interest, add bool) error {
	p.changes[0] = p.change(fd, unix.EVFILT_READ, in&Read != 0, in&Level != 0)
	p.changes[1] = p.change(fd, unix.EVFILT_WRITE, in&Write != 0, in&Level != 0)
	for i := range p.changes {
		ch := p.changes[i : i+1]
		if ch[0].Flags&unix.EV_DELETE != 0 && add {
			continue // nothing registered yet
		}
		if _, err := unix.Kevent(p.kq, ch, nil, nil); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("poller: kevent fd %d: %w", fd, err)
		}
	}
	return nil
}

// Add starts watching fd for in.
func (p *Poller) Add(fd int, in Interest) error { return p.apply(fd, in, true) }

// Modify replaces the interest set of a watched fd.
func (p *Poller) Modify(fd int, in Interest) error { return p.apply(fd, in, false) }

// Delete stops watching fd.
func (p *Poller) Delete(fd int) error { return p.apply(fd, 0, false) }

// Wake interrupts a Wait in progress, or makes the next one return at once.
// Safe for concurrent use.
func (p *Poller) Wake() error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil
	}
	trigger := []unix.Kevent_t{{Ident: wakeIdent, Filter: unix.EVFILT_USER, Fflags: unix.NOTE_TRIGGER}}
	for {
		_, err := unix.Kevent(p.kq, trigger, nil, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("poller: wake: %w", err)
		}
		return nil
	}
}

// SetQuietWait does nothing on the BSDs: their system calls go through
// libc (on macOS) and no raw kevent is offered.
func (p *Poller) SetQuietWait(ms int) {}

// QuietWait returns 0: the BSDs have none.
func (p *Poller) QuietWait() int { return 0 }

// SetCoalesce does nothing on the BSDs, for the reason SetQuietWait
// does not: the sleep must be a raw system call.
func (p *Poller) SetCoalesce(d time.Duration) {}

// Coalescing returns false: the BSDs never coalesce.
func (p *Poller) Coalescing() bool { return false }

// SetActive does nothing on the BSDs, which never coalesce.
func (p *Poller) SetActive(n int) {}

// Coalesced returns zeros: the BSDs never coalesce.
func (p *Poller) Coalesced() (sleeps, hits uint64) { return 0, 0 }

// Wait blocks for at most msec milliseconds (-1: no limit) until
// descriptors are ready, and returns how many; Ready then tells which.
func (p *Poller) Wait(msec int) (int, error) {
	var ts *unix.Timespec
	if msec >= 0 {
		t := unix.NsecToTimespec(int64(msec) * 1e6)
		ts = &t
	}
	n, err := unix.Kevent(p.kq, nil, p.events, ts)
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return 0, nil
		}
		return 0, fmt.Errorf("poller: kevent wait: %w", err)
	}
	return n, nil
}

// Ready returns the i'th of the descriptors the last Wait found ready and
// what it is ready for. The loop calls it for i from 0 to n-1 and then
// Served. The user event Wake triggers comes as WakeFD, -1.
func (p *Poller) Ready(i int) (fd int, ev Event) {
	e := &p.events[i]
	switch e.Filter {
	case unix.EVFILT_USER:
		return -1, 0
	case unix.EVFILT_READ:
		ev = Readable
	case unix.EVFILT_WRITE:
		ev = Writable
	}
	if e.Flags&(unix.EV_EOF|unix.EV_ERROR) != 0 {
		ev |= Hangup | Readable | PeerClosed
	}
	return int(e.Ident), ev
}

// Slept reports whether the last Wait may have blocked for more than a
// millisecond: kqueue's may have, always.
func (p *Poller) Slept() bool { return true }

// WakeFD is the descriptor Ready reports for a Wake.
func (p *Poller) WakeFD() int { return -1 }

// ResetWake takes a Wake's report (EV_CLEAR already has).
func (p *Poller) ResetWake() {}

// Served ends a batch of n descriptors from Wait. A full batch hints at
// more ready descriptors than it could hold: the next Wait takes more.
func (p *Poller) Served(n int) {
	if n == len(p.events) && n < 4096 {
		p.events = make([]unix.Kevent_t, n*2)
	}
}

// Close releases the kqueue.
func (p *Poller) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	return unix.Close(p.kq)
}
