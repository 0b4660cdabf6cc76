// Package pool holds two pools for code built on netloop: a WorkerPool that
// runs blocking work off the event loops, and a BytePool that recycles
// byte slices between goroutines.
//
// An event-loop callback must not block (DESIGN.md, invariant 2), so a
// handler that needs a database, a disk or another service hands that work
// to a WorkerPool and sends the result back with Conn.AsyncWrite:
//
//	workers, err := pool.NewWorkerPool(pool.WithWorkers(256))
//	...
//	func (h *handler) OnTraffic(c netloop.Conn) netloop.Action {
//		req, _ := c.Next(-1)
//		req = bytes.Clone(req) // the view is valid only during the callback
//		err := h.workers.TrySubmit(func() {
//			c.AsyncWrite(lookup(req), nil) // blocking work, then reply
//		})
//		if errors.Is(err, pool.ErrQueueFull) {
//			c.Write([]byte("busy\r\n")) // shed load rather than block the loop
//		}
//		return netloop.None
//	}
//
// Pools belong to whoever creates them: there is no package-level pool.
//
// # Why not github.com/panjf2000/ants
//
// ants is the worker pool gnet uses, and it is fetchable (v2.12.1 when this
// was written). We wrote our own, in about 300 lines with its options, because ants misses
// what this package must provide and brings what netloop forbids:
//
//   - No task queue. ants hands each task straight to a worker; when all are
//     busy a submitter either fails (Nonblocking) or blocks its own
//     goroutine. An event loop can do neither usefully: it needs a bounded
//     queue that absorbs a burst, and a clear "full" when the burst is too
//     big. That queue would have been ours anyway, in front of ants.
//   - No context. ants' blocking Submit waits on a sync.Cond that cannot be
//     cancelled; Submit here honours ctx.
//   - Global state. Importing ants creates a default pool at init, with a
//     purge goroutine and a clock goroutine waking every 0.5-1 s in every
//     process that links it, idle or not. STYLE.md rules out global state,
//     and a library should not tick in its users' processes.
//
// What ants does well, a stack of idle workers each waiting on its own
// channel and idle time measured on a coarse clock, this pool does too:
// the httpd net/http adapter hands every request to a worker, so the
// handoff is on its hot path.
//
// # How the worker pool works
//
// One mutex guards a stack of idle workers and a ring of queued tasks. A
// task goes to the most recently idle worker, through that worker's own
// one-slot channel, else to a new goroutine while fewer than
// Options.Workers exist, else into the ring of Options.QueueLen tasks. A
// worker that finishes takes the oldest queued task or, with none, pushes
// itself on the stack and waits on its channel: since both happen under
// the mutex, no task waits while a worker idles. A worker waits on one
// channel, not a select over shared ones, which would lock every channel
// on every task; this halves the cost of a handoff
// (BenchmarkWorkerPoolHandoff: 1.74 to 1.03 µs with GOMAXPROCS=1).
//
// A reaper goroutine, four times per Options.IdleTimeout, ends the
// workers idle for longer than that, except the last, reading idle time
// from its own ticks instead of the clock per task. Close stops new
// submissions, lets the workers run everything already accepted, and
// waits for them with a context.
package pool
