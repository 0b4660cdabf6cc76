package timingwheel

import (
	"testing"
	"time"
)

func TestTimersFireOnTheirTick(t *testing.T) {
	start := 90 * time.Second // any point on the owner's clock
	w := New(10*time.Millisecond, 8, start)
	timers := make([]Timer, 5)
	delays := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 80 * time.Millisecond, 205 * time.Millisecond}
	for i := range timers {
		timers[i].Value = i
		w.Schedule(&timers[i], delays[i])
	}
	fired := map[int]time.Duration{}
	for ms := 0; ms <= 300; ms++ {
		now := start + time.Duration(ms)*time.Millisecond
		w.Advance(now, func(tm *Timer) { fired[tm.Value.(int)] = now - start })
	}
	want := []time.Duration{10, 10, 30, 80, 210}
	for i, d := range want {
		if got := fired[i]; got != d*time.Millisecond {
			t.Errorf("timer %d (delay %v) fired at %v, want %v", i, delays[i], got, d*time.Millisecond)
		}
	}
	if w.Len() != 0 {
		t.Errorf("Len = %d after all fired", w.Len())
	}
}

func TestCancelAndReschedule(t *testing.T) {
	start := 90 * time.Second // any point on the owner's clock
	w := New(time.Millisecond, 4, start)
	var a, b Timer
	w.Schedule(&a, 2*time.Millisecond)
	w.Schedule(&b, 2*time.Millisecond)
	w.Cancel(&a)
	w.Cancel(&a) // twice is harmless
	w.Schedule(&b, 6*time.Millisecond)
	var fired []*Timer
	w.Advance(start+5*time.Millisecond, func(tm *Timer) { fired = append(fired, tm) })
	if len(fired) != 0 {
		t.Fatalf("fired %d timers before b's rescheduled deadline", len(fired))
	}
	w.Advance(start+6*time.Millisecond, func(tm *Timer) { fired = append(fired, tm) })
	if len(fired) != 1 || fired[0] != &b {
		t.Fatalf("fired %v, want only b", fired)
	}
	if a.Scheduled() || b.Scheduled() {
		t.Error("timers still scheduled after cancel/fire")
	}
}

func TestFireMayRescheduleIntoTheSameSlot(t *testing.T) {
	start := 90 * time.Second // any point on the owner's clock
	w := New(time.Millisecond, 4, start)
	var tm Timer
	count := 0
	w.Schedule(&tm, 4*time.Millisecond)
	for ms := 1; ms <= 16; ms++ {
		w.Advance(start+time.Duration(ms)*time.Millisecond, func(x *Timer) {
			count++
			w.Schedule(x, 4*time.Millisecond) // one full turn: same slot
		})
	}
	if count != 4 {
		t.Errorf("a 4-tick periodic timer fired %d times in 16 ticks, want 4", count)
	}
}

func TestUntil(t *testing.T) {
	start := 90 * time.Second // any point on the owner's clock
	w := New(10*time.Millisecond, 8, start)
	if d := w.Until(start); d != -1 {
		t.Errorf("empty wheel Until = %v, want -1", d)
	}
	var tm Timer
	w.Schedule(&tm, time.Second)
	if d := w.Until(start + 3*time.Millisecond); d != 7*time.Millisecond {
		t.Errorf("Until = %v, want 7ms to the next tick", d)
	}
}

func TestScheduleAllocatesNothing(t *testing.T) {
	w := New(time.Millisecond, 64, 0)
	var tm Timer
	if a := testing.AllocsPerRun(1000, func() { w.Schedule(&tm, 5*time.Millisecond); w.Cancel(&tm) }); a != 0 {
		t.Errorf("Schedule+Cancel allocates %.1f times", a)
	}
}
