package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/netloop/netloop"
)

// stopTimeout is how long a stopping server gives its connections to
// flush what they have pending before they are closed regardless.
const stopTimeout = 5 * time.Second

// summarizer is implemented by handlers that have something to report
// when the server exits.
type summarizer interface {
	// summary returns slog key-value pairs, e.g. "connections", 12.
	summary() []any
}

// serve runs h on addr until ctx ends or SIGINT or SIGTERM arrives, then
// stops the engine gracefully. It logs the addresses served once the
// engine has booted and a summary when it has stopped. It returns Run's
// error: nil after a clean stop, including one forced by stopTimeout.
func serve(ctx context.Context, log *slog.Logger, h netloop.Handler, addr string, opts ...netloop.Option) error {
	ctx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	opts = append(opts, netloop.WithLogger(log))
	start := time.Now()
	// Start, not a wrapper around h: a wrapper would hide the optional
	// interfaces h implements (HalfCloseHandler, WritabilityHandler).
	eng, err := netloop.Start(h, []string{addr}, opts...)
	if err != nil {
		return err // it never served: a listen error, or bad options
	}
	for _, a := range eng.Addrs() {
		log.Info("listening", "network", a.Network(), "addr", a.String())
	}
	stopped := make(chan error, 1)
	go func() { stopped <- eng.Wait() }()

	select {
	case err = <-stopped:
		// The engine stopped by itself: a handler returned Shutdown, or
		// a fatal error.
	case <-ctx.Done():
		log.Info("stopping", "reason", context.Cause(ctx).Error(), "connections", eng.CountConnections())
		stopCtx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		if err := eng.Stop(stopCtx); err != nil {
			log.Warn("closed connections before their writes were flushed", "timeout", stopTimeout, "err", err)
		}
		cancel()
		err = <-stopped
	}

	attrs := []any{"uptime", time.Since(start).Round(time.Millisecond).String()}
	if s, ok := h.(summarizer); ok {
		attrs = append(attrs, s.summary()...)
	}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	log.Info("stopped", attrs...)
	return err
}
