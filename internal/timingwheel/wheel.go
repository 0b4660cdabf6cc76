// Package timingwheel is a hashed timing wheel for one event loop's
// connection deadlines: O(1) to schedule, cancel and expire, no allocation,
// not safe for concurrent use.
//
// Why a wheel and not a heap: idle and read timeouts move on every read,
// so a heap would pay O(log n) per message to reposition the deadline. The
// wheel is used lazily instead: a connection records the time of its last
// activity (one store), its timer stays where it was, and when the timer
// fires the owner checks the real deadline and, if it has moved, schedules
// the timer again. The price is granularity: a timer fires up to one tick
// late.
//
// Times are points on the owner's monotonic clock, as durations since an
// epoch of its choosing: an event loop keeps its clock that way, and plain
// integers cost less to compare and add than time.Time values.
package timingwheel

import "time"

// Timer is an entry in a Wheel, meant to be embedded in (or owned by) the
// object it times, so that scheduling allocates nothing.
type Timer struct {
	prev, next *Timer
	slot       int   // -1 when not scheduled
	rounds     int64 // full turns of the wheel left before it fires
	// Value is the owner's handle, passed back on expiry.
	Value any
}

// Scheduled reports whether t is waiting in a wheel.
func (t *Timer) Scheduled() bool { return t.next != nil }

// Wheel has a fixed number of slots, each a ring of timers due in the
// same tick.
type Wheel struct {
	tick  time.Duration
	slots []Timer       // sentinel heads of circular lists
	pos   int           // the slot of the current tick
	last  time.Duration // the time of the current tick
	count int
}

// New returns a wheel with the given tick and number of slots, starting
// at now.
func New(tick time.Duration, slots int, now time.Duration) *Wheel {
	w := &Wheel{tick: tick, slots: make([]Timer, slots), last: now}
	for i := range w.slots {
		h := &w.slots[i]
		h.prev, h.next, h.slot = h, h, i
	}
	return w
}

// Len returns the number of scheduled timers.
func (w *Wheel) Len() int { return w.count }

// Schedule (re)schedules t to fire at least d from the wheel's current
// time.
func (w *Wheel) Schedule(t *Timer, d time.Duration) {
	if t.Scheduled() {
		w.Cancel(t)
	}
	ticks := int64((d + w.tick - 1) / w.tick)
	if ticks < 1 {
		ticks = 1
	}
	n := int64(len(w.slots))
	t.slot = int((int64(w.pos) + ticks) % n)
	t.rounds = (ticks - 1) / n
	h := &w.slots[t.slot]
	t.prev, t.next = h.prev, h
	h.prev.next = t
	h.prev = t
	w.count++
}

// Cancel removes t if it is scheduled.
func (w *Wheel) Cancel(t *Timer) {
	if !t.Scheduled() {
		return
	}
	t.prev.next = t.next
	t.next.prev = t.prev
	t.prev, t.next, t.slot = nil, nil, -1
	w.count--
}

// Advance moves the wheel to now, calling fire for every timer that came
// due. fire may schedule timers again (including the one it got).
func (w *Wheel) Advance(now time.Duration, fire func(*Timer)) {
	if w.count == 0 {
		// Nothing to fire: jump, however long the wheel sat unused.
		if lag := now - w.last; lag >= w.tick {
			ticks := lag / w.tick
			w.last += ticks * w.tick
			w.pos = int((int64(w.pos) + int64(ticks)) % int64(len(w.slots)))
		}
		return
	}
	for now-w.last >= w.tick {
		w.last += w.tick
		w.pos = (w.pos + 1) % len(w.slots)
		if w.count > 0 {
			w.expire(fire)
		}
	}
}

func (w *Wheel) expire(fire func(*Timer)) {
	h := &w.slots[w.pos]
	// Detach the due timers first: fire may put timers back into this
	// very slot (one full turn later).
	var due *Timer
	for t := h.next; t != h; {
		next := t.next
		if t.rounds > 0 {
			t.rounds--
		} else {
			w.Cancel(t)
			t.next = due // a temporary singly-linked list, reset below
			due = t
		}
		t = next
	}
	for due != nil {
		t := due
		due = t.next
		t.next = nil
		fire(t)
	}
}

// Until returns how long until the next tick when timers are scheduled,
// or -1 when the wheel is empty and need not wake anyone.
func (w *Wheel) Until(now time.Duration) time.Duration {
	if w.count == 0 {
		return -1
	}
	d := w.last + w.tick - now
	if d < 0 {
		return 0
	}
	return d
}
