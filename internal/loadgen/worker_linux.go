package loadgen

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// timerTag marks the open-loop timerfd in a worker's epoll set.
	timerTag = -2
	// publishInterval is how often a worker copies its histogram for the
	// progress reporter; it bounds how stale "p99 so far" can be.
	publishInterval = 100 * time.Millisecond
	// maxReleasesPerLoop bounds the open-loop catch-up work done between
	// two epoll waits when the worker has fallen behind its schedule.
	maxReleasesPerLoop = 1 << 16
	eventBatch         = 256
)

// shared is what a worker exposes to the progress reporter while running.
// Counters are atomics so the reporter never blocks the worker; the
// histogram is copied under a mutex at publishInterval.
type shared struct {
	messages atomic.Uint64
	bytes    atomic.Uint64
	errors   atomic.Uint64
	mu       sync.Mutex
	hist     Histogram
}

// worker drives a share of the connections from one goroutine through its
// own level-triggered epoll instance. Everything but shared is private to
// the worker goroutine until run returns.
type worker struct {
	epfd    int
	timerfd int // open loop only, else -1
	stop    *atomic.Bool

	conns  []conn
	dirty  []int32 // conns with newly released messages, to flush
	live   int
	events []unix.EpollEvent
	rbuf   []byte
	wbuf   []byte
	pat    *pattern

	// Times are nanoseconds since base, from the monotonic clock.
	base      time.Time
	measureNs int64 // end of warmup
	endNs     int64 // end of the measured period

	// Open-loop schedule: message m of the connection in slot s is due at
	// schedStart + (m*nslots + s) * nsPerMsg. Walking (nextM, nextI) in
	// order visits this worker's sends in time order.
	open     bool
	nslots   int64
	nsPerMsg float64
	nextM    int64
	nextI    int
	armed    int64 // due time the timer is set for, -1 if none
	tspec    unix.ItimerSpec
	tbuf     [8]byte
	ctlEvent unix.EpollEvent // scratch for epoll_ctl, avoids a per-call allocation

	hist        Histogram
	lag         Histogram // open loop: release time minus scheduled time
	messages    uint64
	bytes       uint64
	errs        ErrorCounts
	nextPublish int64
	stoppedNs   int64
	shared      shared
}

// workerSpec carries what newWorker needs beyond the connections.
type workerSpec struct {
	cfg       Config
	pat       *pattern
	base      time.Time
	measureNs int64
	endNs     int64
	nslots    int
	stop      *atomic.Bool
	stopfd    int
}

// newWorker creates the epoll set (and timerfd) for the given connections.
// On error it closes only what it created; the caller still owns the fds.
func newWorker(spec workerSpec, conns []conn) (w *worker, err error) {
	w = &worker{
		epfd:      -1,
		timerfd:   -1,
		stop:      spec.stop,
		conns:     conns,
		dirty:     make([]int32, 0, len(conns)),
		live:      len(conns),
		events:    make([]unix.EpollEvent, eventBatch),
		rbuf:      make([]byte, ioBufSize),
		wbuf:      make([]byte, ioBufSize),
		pat:       spec.pat,
		base:      spec.base,
		measureNs: spec.measureNs,
		endNs:     spec.endNs,
		open:      spec.cfg.openLoop(),
		nslots:    int64(spec.nslots),
		armed:     -1,
	}
	for i := range w.conns {
		w.conns[i].local = int32(i)
	}
	defer func() {
		if err != nil {
			w.closeAux()
			w = nil
		}
	}()
	if w.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, fmt.Errorf("loadgen: epoll_create1: %w", err)
	}
	if err = w.add(spec.stopfd, unix.EPOLLIN, stopTag); err != nil {
		return nil, err
	}
	if w.open {
		w.nsPerMsg = 1e9 / spec.cfg.Rate
		if w.timerfd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC); err != nil {
			return nil, fmt.Errorf("loadgen: timerfd_create: %w", err)
		}
		if err = w.add(w.timerfd, unix.EPOLLIN, timerTag); err != nil {
			return nil, err
		}
	} else {
		// Closed loop: every connection starts with a full window,
		// released at time 0.
		ring := make([]int64, len(conns)*spec.cfg.Pipeline)
		for i := range w.conns {
			c := &w.conns[i]
			c.ring = ring[i*spec.cfg.Pipeline : (i+1)*spec.cfg.Pipeline : (i+1)*spec.cfg.Pipeline]
			c.released = int64(spec.cfg.Pipeline)
			w.markDirty(c)
		}
	}
	for i := range w.conns {
		c := &w.conns[i]
		if err = w.add(c.fd, connEvents, c.local); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (w *worker) add(fd int, events uint32, tag int32) error {
	w.ctlEvent = unix.EpollEvent{Events: events, Fd: tag}
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, fd, &w.ctlEvent); err != nil {
		return fmt.Errorf("loadgen: epoll_ctl: %w", err)
	}
	return nil
}

// now is the worker clock: nanoseconds since base on the monotonic clock.
func (w *worker) now() int64 { return int64(time.Since(w.base)) }

// run is the event loop. It returns at endNs, when stop is set, or when the
// worker has no live connection left, and closes every fd it owns.
func (w *worker) run() {
	defer w.close()
	now := w.now()
	for w.live > 0 && now < w.endNs && !w.stop.Load() {
		if w.open {
			w.releaseDue(now)
		}
		w.flushDirty()
		if w.open {
			w.armTimer(now)
		}
		if now >= w.nextPublish {
			w.publishHist()
			w.nextPublish = now + int64(publishInterval)
		}
		wait := waitMillis(time.Duration(min(w.endNs, w.nextPublish) - now))
		n, err := unix.EpollWait(w.epfd, w.events, wait)
		if err != nil && err != unix.EINTR {
			w.errs.Other++
			w.noteFirst(fmt.Sprintf("epoll_wait: %v", err))
			break
		}
		for _, ev := range w.events[:max(n, 0)] {
			switch ev.Fd {
			case stopTag: // checked by the loop condition
			case timerTag:
				// Drain the expiration count so the level-triggered timer
				// stops reporting; due sends are released at the loop top.
				_, _ = unix.Read(w.timerfd, w.tbuf[:])
				w.armed = -1
			default:
				w.handle(&w.conns[ev.Fd], ev.Events)
			}
		}
		w.publishCounters()
		now = w.now()
	}
	w.stoppedNs = now
	w.publishCounters()
	w.publishHist()
}

// handle processes one epoll event of a connection.
func (w *worker) handle(c *conn, events uint32) {
	if c.dead {
		return // closed earlier in this batch
	}
	if events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		w.onReadable(c)
		if c.dead {
			return
		}
	}
	// In closed loop a completed echo releases the next message, so try to
	// send right away unless the socket is known to be full.
	if events&unix.EPOLLOUT != 0 || !c.wantOut {
		w.flush(c)
	}
}

// due is the scheduled (open-loop) send time of message m of slot s.
func (w *worker) due(m int64, slot int) int64 {
	return int64(float64(m*w.nslots+int64(slot)) * w.nsPerMsg)
}

// releaseDue releases every open-loop message whose scheduled time has
// passed. Messages of dead connections are skipped: those are already
// accounted as errors.
func (w *worker) releaseDue(now int64) {
	for range maxReleasesPerLoop {
		c := &w.conns[w.nextI]
		if w.due(w.nextM, c.slot) > now {
			return
		}
		// Lag behind the schedule is the generator's own delay (wake-up,
		// CPU starvation); it is reported so readers can tell it apart
		// from server latency.
		w.lag.Record(time.Duration(now - w.due(w.nextM, c.slot)))
		if !c.dead {
			c.released++
			w.markDirty(c)
		}
		if w.nextI++; w.nextI == len(w.conns) {
			w.nextI = 0
			w.nextM++
		}
	}
}

// armTimer sets the timerfd to the next scheduled send. epoll_wait only
// has millisecond resolution; the timerfd gives the schedule nanosecond
// resolution without busy polling.
func (w *worker) armTimer(now int64) {
	next := w.due(w.nextM, w.conns[w.nextI].slot)
	if next == w.armed {
		return
	}
	w.tspec.Value = unix.NsecToTimespec(max(next-now, 1)) // zero would disarm
	if err := unix.TimerfdSettime(w.timerfd, 0, &w.tspec, nil); err != nil {
		w.errs.Other++
		w.noteFirst(fmt.Sprintf("timerfd_settime: %v", err))
		w.stop.Store(true) // without a timer the schedule cannot be kept
		return
	}
	w.armed = next
}

func (w *worker) markDirty(c *conn) {
	if !c.dirty {
		c.dirty = true
		w.dirty = append(w.dirty, c.local)
	}
}

// flushDirty writes newly released messages. Connections waiting for
// EPOLLOUT are skipped: their socket is full and epoll will tell us.
func (w *worker) flushDirty() {
	for _, i := range w.dirty {
		c := &w.conns[i]
		c.dirty = false
		if !c.dead && !c.wantOut {
			w.flush(c)
		}
	}
	w.dirty = w.dirty[:0]
}

func (w *worker) publishCounters() {
	w.shared.messages.Store(w.messages)
	w.shared.bytes.Store(w.bytes)
	w.shared.errors.Store(w.errs.Total())
}

func (w *worker) publishHist() {
	w.shared.mu.Lock()
	w.shared.hist = w.hist
	w.shared.mu.Unlock()
}

// unfinished counts released messages whose echo is not complete.
func (w *worker) unfinished() uint64 {
	var n uint64
	for i := range w.conns {
		c := &w.conns[i]
		n += uint64(c.released - c.recv/w.pat.size)
	}
	return n
}

// close closes all connections and the worker's own fds.
func (w *worker) close() {
	for i := range w.conns {
		if c := &w.conns[i]; !c.dead {
			unix.Close(c.fd)
			c.fd = -1
			c.dead = true
		}
	}
	w.closeAux()
}

// closeAux closes the epoll instance and timerfd, not the connections.
func (w *worker) closeAux() {
	if w.timerfd >= 0 {
		unix.Close(w.timerfd)
		w.timerfd = -1
	}
	if w.epfd >= 0 {
		unix.Close(w.epfd)
		w.epfd = -1
	}
}
