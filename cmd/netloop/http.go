package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/httpd"
)

// httpConfig holds the flags of the http command.
type httpConfig struct {
	addr string
	loopFlags
	static            string
	readHeaderTimeout time.Duration
	idleTimeout       time.Duration
	maxBody           int64
}

func newHTTPCmd(g *globals) *cobra.Command {
	cfg := httpConfig{addr: "127.0.0.1:8080", readHeaderTimeout: 10 * time.Second,
		idleTimeout: 60 * time.Second, maxBody: 4 << 20}
	cfg.edgeTriggered = httpEdgeTriggered
	cmd := &cobra.Command{
		Use:   "http",
		Short: "Run an HTTP/1.1 server: Hello, World! and an echo, or a static directory",
		Long: `Run an HTTP/1.1 server on netloop (package httpd).

By default it answers GET / and HEAD / with "Hello, World!" (text/plain) and
echoes the body of POST /echo; another method on those paths gets 405 with an
Allow field, any other path 404. These run on the event loops (httpd's native
API). With --static DIR it serves the directory instead, through net/http's
FileServer run on httpd's worker pool (its net/http adapter).

--quiet-wait (default 1ms, 0 with --static) lets an idle event loop wait that
long before the Go scheduler is told it blocks, which saves the scheduler's
bookkeeping under load; with --static the handlers run on goroutines that need
the processor, so it is off unless given.

Sockets are polled edge-triggered unless --edge-triggered=false: for small
keep-alive requests that spares the kernel a readiness check per request.

--read-header-timeout is a total bound on receiving a request head, counted
from its first byte: a client that trickles bytes is answered 408. On SIGINT
or SIGTERM the server stops accepting, lets requests in progress finish, then
exits.`,
		Example: `  netloop http
  netloop http --addr 0.0.0.0:8080 --loops 2
  netloop http --addr :8080 --static ./public`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := g.logger(cmd.ErrOrStderr())
			if cfg.static != "" && !cmd.Flags().Changed("quiet-wait") {
				cfg.quietWait = 0 // FileServer runs on worker goroutines: let them have the P
			}
			srv, err := cfg.server(log)
			if err != nil {
				return err
			}
			mode := "hello"
			if cfg.static != "" {
				mode = "static " + cfg.static
			}
			log.Info("starting http server", "version", buildVersion(), "loops", cfg.loopFlags.String(),
				"edge_triggered", cfg.edgeTriggered, "serving", mode)
			return serveHTTP(cmd.Context(), log, srv, "tcp://"+cfg.addr, cfg.options()...)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.addr, "addr", cfg.addr, "address to listen on, host:port")
	cfg.loopFlags.register(f)
	f.StringVar(&cfg.static, "static", "", "serve the files of this directory instead of the hello and echo handlers")
	f.DurationVar(&cfg.readHeaderTimeout, "read-header-timeout", cfg.readHeaderTimeout, "total time a client has to send a request head (0: no limit)")
	f.DurationVar(&cfg.idleTimeout, "idle-timeout", cfg.idleTimeout, "close keep-alive connections idle this long (0: never)")
	f.Int64Var(&cfg.maxBody, "max-body", cfg.maxBody, "largest request body accepted, in bytes (413 beyond)")
	return cmd
}

// server builds the httpd.Server the flags ask for.
func (cfg *httpConfig) server(log *slog.Logger) (*httpd.Server, error) {
	if cfg.addr == "" {
		return nil, fmt.Errorf("--addr is empty")
	}
	opts := []httpd.Option{
		httpd.WithReadHeaderTimeout(cfg.readHeaderTimeout),
		httpd.WithIdleTimeout(cfg.idleTimeout),
		httpd.WithMaxBodyBytes(cfg.maxBody),
		httpd.WithLogger(log),
	}
	if cfg.static == "" {
		return httpd.New(httpd.HandlerFunc(helloHandler), opts...)
	}
	fi, err := os.Stat(cfg.static)
	if err != nil {
		return nil, fmt.Errorf("--static: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("--static %s: not a directory", cfg.static)
	}
	return httpd.NewStd(http.FileServer(http.Dir(cfg.static)), opts...)
}

// helloHandler is the default site. It runs on the event loops and
// allocates nothing.
func helloHandler(w *httpd.ResponseWriter, r *httpd.Request) {
	method := string(r.Method()) // compared, not kept: no allocation
	switch string(r.Path()) {
	case "/":
		if method != "GET" && method != "HEAD" {
			notAllowed(w, "GET, HEAD")
			return
		}
		w.SetContentType("text/plain")
		w.WriteString("Hello, World!")
	case "/echo":
		if method != "POST" {
			notAllowed(w, "POST")
			return
		}
		if ct := r.Header("Content-Type"); ct != nil {
			w.AddHeaderBytes([]byte("Content-Type"), ct)
		} else {
			w.SetContentType("application/octet-stream")
		}
		w.Write(r.Body())
	default:
		w.SetStatus(http.StatusNotFound)
		w.SetContentType("text/plain")
		w.WriteString("404 page not found\n")
	}
}

func notAllowed(w *httpd.ResponseWriter, allow string) {
	w.SetStatus(http.StatusMethodNotAllowed)
	w.AddHeader("Allow", allow)
	w.SetContentType("text/plain")
	w.WriteString("405 method not allowed\n")
}

// serveHTTP runs srv on addr until ctx ends or SIGINT or SIGTERM arrives,
// then shuts it down gracefully: what serve does for the other servers,
// with httpd's Shutdown, which lets requests in progress finish before
// the engine stops.
func serveHTTP(ctx context.Context, log *slog.Logger, srv *httpd.Server, addr string, opts ...netloop.Option) error {
	ctx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	h := &httpBoot{Server: srv, log: log, booted: make(chan netloop.Engine, 1)}
	opts = append(opts, netloop.WithLogger(log))
	start := time.Now()
	runErr := make(chan error, 1)
	go func() { runErr <- netloop.Run(h, addr, opts...) }()

	var eng netloop.Engine
	select {
	case err := <-runErr:
		return err
	case eng = <-h.booted:
	}
	var err error
	select {
	case err = <-runErr:
	case <-ctx.Done():
		log.Info("stopping", "reason", context.Cause(ctx).Error(), "connections", eng.CountConnections())
		stopCtx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		if err := srv.Shutdown(stopCtx); err != nil {
			log.Warn("stopped before every request finished", "timeout", stopTimeout, "err", err)
		}
		cancel()
		err = <-runErr
	}
	attrs := []any{"uptime", time.Since(start).Round(time.Millisecond).String(), "requests", srv.Requests()}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	log.Info("stopped", attrs...)
	return err
}

// httpBoot logs the served addresses once the engine has booted. It embeds
// the *httpd.Server itself (not the netloop.Handler interface), so that
// the server's OnWritabilityChanged, which its net/http adapter needs for
// backpressure, is still seen by netloop.
type httpBoot struct {
	*httpd.Server
	log    *slog.Logger
	booted chan netloop.Engine
}

func (b *httpBoot) OnBoot(eng netloop.Engine) netloop.Action {
	action := b.Server.OnBoot(eng)
	for _, a := range eng.Addrs() {
		b.log.Info("listening", "network", a.Network(), "addr", a.String())
	}
	b.booted <- eng
	return action
}
