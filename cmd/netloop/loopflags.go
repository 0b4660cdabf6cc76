package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/netloop/netloop"
)

// loopFlags are the event-loop flags every server command takes. A
// command sets coalesce and edgeTriggered before register to give
// --coalesce and --edge-triggered their defaults.
type loopFlags struct {
	loops         int
	quietWait     time.Duration
	coalesce      time.Duration
	edgeTriggered bool
}

// defaultQuietWait is --quiet-wait's default: the servers' handlers run
// on the event loops, so a loop holding its P while it waits keeps no
// other goroutine from work (see netloop.Options.QuietWait).
const defaultQuietWait = time.Millisecond

// redisCoalesce is netloop redis's --coalesce: its clients typically keep
// one small request each in flight, the load that gathering serves best
// (see netloop.Options.Coalesce and docs/redis.md).
const redisCoalesce = 20 * time.Microsecond

// httpEdgeTriggered is netloop http's --edge-triggered: in paired rounds
// of plain keep-alive requests it cost about 2% less CPU per request than
// level-triggered polling (see docs/http.md), the kernel being spared a
// readiness check of each connection after its read.
const httpEdgeTriggered = true

func (lf *loopFlags) register(f *pflag.FlagSet) {
	f.IntVar(&lf.loops, "loops", 0, "number of event loops (0: one per CPU)")
	f.DurationVar(&lf.quietWait, "quiet-wait", defaultQuietWait,
		"how long an idle loop waits before it tells the Go scheduler it blocks (0: at once)")
	f.DurationVar(&lf.coalesce, "coalesce", lf.coalesce,
		"how long a loop that wakes to fewer than 4 ready connections waits for more (0: serve at once; at most 1ms)")
	f.BoolVar(&lf.edgeTriggered, "edge-triggered", lf.edgeTriggered,
		"poll edge-triggered (EPOLLET/EV_CLEAR) instead of level-triggered")
}

// options turns the flags into engine options.
func (lf *loopFlags) options() []netloop.Option {
	opts := []netloop.Option{netloop.WithQuietWait(lf.quietWait), netloop.WithCoalesce(lf.coalesce),
		netloop.WithEdgeTriggered(lf.edgeTriggered)}
	if lf.loops > 0 {
		return append(opts, netloop.WithNumLoops(lf.loops))
	}
	return append(opts, netloop.WithMulticore(true))
}

// String describes the loops for the start-up log line.
func (lf *loopFlags) String() string {
	if lf.loops <= 0 {
		return "one per CPU"
	}
	return fmt.Sprint(lf.loops)
}
