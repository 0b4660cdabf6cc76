// Command httpbench runs one of the HTTP servers that bench.sh compares,
// each answering every request with "Hello, World!" (text/plain):
//
//	httpbench -server netloop -addr 127.0.0.1:8081      # httpd native API
//	httpbench -server netloop-std -addr 127.0.0.1:8082  # httpd's net/http adapter
//	httpbench -server fasthttp -addr 127.0.0.1:8083
//	httpbench -server nethttp -addr 127.0.0.1:8084
//
// Run it with GOMAXPROCS=1 pinned to one CPU (bench.sh does): the
// comparison is per core.
package main

import (
	"bytes"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/httpd"
)

var hello = []byte("Hello, World!")

func main() {
	server := flag.String("server", "netloop", "netloop, netloop-level (polled level-triggered), netloop-untimed (no read-header or idle timeout, as fasthttp by default), netloop-raw (the C floor's canned answer on netloop's core), netloop-std, fasthttp, fasthttp-timeouts (httpd's default timeouts) or nethttp")
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	profile := flag.String("cpuprofile", "", "write a CPU profile here until SIGINT or SIGTERM")
	noTimeouts := flag.Bool("no-timeouts", false, "netloop: turn the read-header and idle timeouts off")
	quietWait := flag.Duration("quiet-wait", time.Millisecond, "netloop: the engine's QuietWait, as netloop http sets it")
	coalesce := flag.Duration("coalesce", 0, "netloop: the engine's Coalesce")
	flag.Parse()
	log.SetFlags(0)
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		go func() {
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(0)
		}()
	}
	var err error
	switch *server {
	case "netloop", "netloop-level", "netloop-untimed":
		var srv *httpd.Server
		var opts []httpd.Option
		if *noTimeouts || *server == "netloop-untimed" {
			opts = append(opts, httpd.WithReadHeaderTimeout(0), httpd.WithIdleTimeout(0))
		}
		srv, err = httpd.New(httpd.HandlerFunc(func(w *httpd.ResponseWriter, r *httpd.Request) {
			w.SetContentType("text/plain")
			w.Write(hello)
		}), opts...)
		if err == nil {
			err = srv.Serve("tcp://"+*addr, netloop.WithNumLoops(1), netloop.WithQuietWait(*quietWait), netloop.WithCoalesce(*coalesce),
				netloop.WithEdgeTriggered(*server != "netloop-level")) // as netloop http polls
		}
	case "netloop-raw":
		err = netloop.Run(&rawHello{}, "tcp://"+*addr, netloop.WithNumLoops(1), netloop.WithQuietWait(*quietWait),
			netloop.WithEdgeTriggered(true))
	case "netloop-std":
		var srv *httpd.Server
		srv, err = httpd.NewStd(http.HandlerFunc(stdHello))
		if err == nil {
			err = srv.Serve("tcp://"+*addr, netloop.WithNumLoops(1), netloop.WithEdgeTriggered(true))
		}
	case "fasthttp", "fasthttp-timeouts":
		s := &fasthttp.Server{
			Handler: func(ctx *fasthttp.RequestCtx) {
				ctx.SetContentType("text/plain")
				ctx.Write(hello)
			},
			NoDefaultServerHeader: true,
		}
		if *server == "fasthttp-timeouts" {
			// httpd's defaults: the head within 10 s, an idle
			// keep-alive connection closed after 60 s.
			s.ReadTimeout, s.IdleTimeout = 10*time.Second, 60*time.Second
		}
		err = s.ListenAndServe(*addr)
	case "nethttp":
		err = http.ListenAndServe(*addr, http.HandlerFunc(stdHello))
	default:
		log.Fatalf("unknown server %q", *server)
	}
	log.Fatal(err)
}

func stdHello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write(hello)
}

// rawHello is the C floor (bench/servers/chttp/hello.c) on netloop's core:
// it finds the request heads in what arrives, parsing nothing else, and
// answers each with the floor's canned response. Against the floor it
// shows what netloop's loop and the Go runtime cost; against "netloop",
// what parsing and answering HTTP costs.
type rawHello struct {
	netloop.BuiltinHandler
	out []byte
}

var rawResponse = []byte("HTTP/1.1 200 OK\r\nServer: c\r\n" +
	"Date: Sun, 22 Nov 2026 00:00:00 GMT\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\n" +
	"Hello, World!")

func (h *rawHello) OnTraffic(c netloop.Conn) netloop.Action {
	in, _ := c.Peek(-1)
	h.out = h.out[:0]
	for {
		i := bytes.Index(in, []byte("\r\n\r\n"))
		if i < 0 {
			break
		}
		h.out = append(h.out, rawResponse...)
		in = in[i+4:]
	}
	c.Discard(c.InboundBuffered() - len(in)) // keep a partial head
	if len(h.out) > 0 {
		c.Write(h.out)
	}
	return netloop.None
}
