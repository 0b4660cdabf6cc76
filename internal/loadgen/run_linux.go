package loadgen

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// errStopped is returned internally when the stop flag ends a phase early;
// Run reports the context's error instead.
var errStopped = errors.New("stopped")

// Run connects cfg.Conns connections to cfg.Addr, then drives echo load for
// cfg.Warmup plus cfg.Duration and returns the measurements.
//
// If progress is non-nil, one line per second of the measured period is
// written to it from a separate goroutine.
//
// Cancelling ctx during the connect phase closes everything and returns
// the context's error. Cancelling it later (Ctrl-C) ends the run early and
// returns the partial Result with Interrupted set and a nil error, so the
// caller can still print what was measured.
//
// Individual connection failures (connect, verify, reset, ...) are counted
// in Result.Errors, not returned; Run fails only on invalid configuration,
// resource exhaustion, or when no connection at all could be made
// (ErrNoConnections).
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	d, err := newDialer(cfg)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}

	// One eventfd, registered in every epoll set, turns cancellation into a
	// wake-up, so no loop has to poll the context.
	stopfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("loadgen: eventfd: %w", err)
	}
	var stop atomic.Bool
	fired := make(chan struct{})
	unregister := context.AfterFunc(ctx, func() {
		defer close(fired)
		stop.Store(true)
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		_, _ = unix.Write(stopfd, one[:])
	})
	defer func() {
		// The callback may be writing to stopfd right now; wait for it
		// before closing, or it could hit a reused descriptor.
		if !unregister() {
			<-fired
		}
		unix.Close(stopfd)
	}()

	cr, err := d.connectAll(cfg.Conns, &stop, stopfd)
	if err != nil {
		if errors.Is(err, errStopped) {
			return nil, fmt.Errorf("loadgen: connect phase: %w", context.Cause(ctx))
		}
		return nil, err
	}
	connected := cfg.Conns - cr.failed
	if connected == 0 {
		return nil, fmt.Errorf("%w (%d attempted): %w", ErrNoConnections, cfg.Conns, cr.firstErr)
	}

	pat := newPattern(cfg.Seed, cfg.Size)
	cpu0 := readCPU()
	base := time.Now()
	spec := workerSpec{
		cfg:       cfg,
		pat:       pat,
		base:      base,
		measureNs: int64(cfg.Warmup),
		endNs:     int64(cfg.Warmup + cfg.Duration),
		nslots:    connected,
		stop:      &stop,
		stopfd:    stopfd,
	}
	workers, err := buildWorkers(spec, cr, min(cfg.Workers, connected))
	if err != nil {
		return nil, err
	}

	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(w.run)
	}
	reportDone := make(chan struct{})
	var reporter sync.WaitGroup
	if progress != nil {
		reporter.Go(func() {
			reportProgress(progress, base, cfg.Warmup, workers, cr.failed, reportDone)
		})
	}
	wg.Wait()
	wall := time.Since(base)
	cpu1 := readCPU()
	close(reportDone)
	reporter.Wait()

	res := &Result{
		Mode:      cfg.mode(),
		Network:   cfg.Network,
		Addr:      cfg.Addr,
		Conns:     cfg.Conns,
		Connected: connected,
		Size:      cfg.Size,
		Pipeline:  cfg.Pipeline,
		Rate:      cfg.Rate,
		Workers:   len(workers),
		Seed:      cfg.Seed,
		CPU:       usageSince(cpu0, cpu1, wall),
		Histogram: new(Histogram),
	}
	if cfg.openLoop() {
		res.Pipeline = 0 // not meaningful on a schedule
	}
	res.Errors.Connect = cr.failed
	if cr.firstErr != nil {
		res.Errors.First = cr.firstErr.Error()
	}
	var stopped int64
	lag := new(Histogram)
	for _, w := range workers {
		res.Histogram.Merge(&w.hist)
		lag.Merge(&w.lag)
		res.Messages += w.messages
		res.Bytes += w.bytes
		res.Unfinished += w.unfinished()
		res.Errors.merge(w.errs)
		stopped = max(stopped, w.stoppedNs)
	}
	res.Latency = summarize(res.Histogram)
	if cfg.openLoop() {
		l := summarize(lag)
		res.SendLag = &l
	}
	res.Interrupted = stop.Load() && ctx.Err() != nil && stopped < spec.endNs
	res.Elapsed = time.Duration(min(stopped, spec.endNs) - spec.measureNs)
	if res.Elapsed < 0 {
		res.Elapsed = 0
	}
	if s := res.Elapsed.Seconds(); s > 0 {
		res.MsgsPerSec = float64(res.Messages) / s
		res.MBPerSec = float64(res.Bytes) / 1e6 / s
	}
	return res, nil
}

// buildWorkers deals the established connections out round-robin, so that
// slot s (the open-loop schedule position) goes to worker s % n and every
// worker's sends are spread evenly over time.
func buildWorkers(spec workerSpec, cr *connectResult, n int) ([]*worker, error) {
	shares := make([][]conn, n)
	slot := 0
	for i, fd := range cr.fds {
		if fd < 0 {
			continue
		}
		shares[slot%n] = append(shares[slot%n], conn{fd: fd, idx: i, slot: slot, stream: spec.pat.streamFor(i)})
		slot++
	}
	workers := make([]*worker, 0, n)
	for _, share := range shares {
		w, err := newWorker(spec, share)
		if err != nil {
			for _, w := range workers {
				w.closeAux()
			}
			cr.closeAll()
			return nil, err
		}
		workers = append(workers, w)
	}
	return workers, nil
}
