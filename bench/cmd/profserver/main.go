// Command profserver runs the same echo handler as `netloop echo` (one
// WriteTo of the unread bytes per OnTraffic) on one event loop, and writes
// a CPU profile covering the time it served. At exit it prints the heap
// allocations made while serving, per echoed KiB and per -size message.
//
//	profserver -addr 127.0.0.1:9000 -cpuprofile cpu.pprof -size 64
//
// On SIGUSR1 it forces a garbage collection and prints the live heap and
// the connection count, so the memory benchmark can tell live bytes per
// connection from collector headroom. The profiler allocates a little itself; with -cpuprofile "" the count is
// the server's alone. It stops on SIGINT or SIGTERM (or after -max), then writes the profile.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netloop/netloop"
)

type echo struct {
	netloop.BuiltinHandler
	booted chan netloop.Engine
	bytes  atomic.Int64
}

func (h *echo) OnBoot(eng netloop.Engine) netloop.Action {
	h.booted <- eng
	return netloop.None
}

func (h *echo) OnTraffic(c netloop.Conn) netloop.Action {
	n, _ := c.WriteTo(c)
	h.bytes.Add(n)
	return netloop.None
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	cpuprofile := flag.String("cpuprofile", "cpu.pprof", "where to write the CPU profile (empty: no profile, which makes the allocation count exact)")
	size := flag.Int("size", 64, "message size of the load, to report allocations per message")
	maxRun := flag.Duration("max", 5*time.Minute, "stop after this long at the latest")
	flag.Parse()

	h := &echo{booted: make(chan netloop.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- netloop.Run(h, "tcp://"+*addr, netloop.WithNumLoops(1)) }()
	var eng netloop.Engine
	select {
	case err := <-done:
		log.Fatal(err)
	case eng = <-h.booted:
	}
	log.Printf("profserver listening on %s", *addr)

	var f *os.File
	if *cpuprofile != "" {
		var err error
		if f, err = os.Create(*cpuprofile); err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		for range usr1 {
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			fmt.Printf("memstats conns=%d heap_alloc=%d heap_inuse=%d stack_inuse=%d sys=%d\n",
				eng.CountConnections(), ms.HeapAlloc, ms.HeapInuse, ms.StackInuse, ms.Sys)
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(*maxRun):
	}
	runtime.ReadMemStats(&ms1)
	if f != nil {
		pprof.StopCPUProfile()
		f.Close()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	eng.Stop(sctx)
	<-done

	b := h.bytes.Load()
	mallocs := ms1.Mallocs - ms0.Mallocs
	msgs := b / int64(*size)
	fmt.Printf("profserver: echoed %d bytes (%d messages of %d B); heap allocations while serving: %d (%.4f per message)\n",
		b, msgs, *size, mallocs, float64(mallocs)/float64(max(msgs, 1)))
}
