package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/netloop/netloop"
)

// loopFlags are the event-loop flags every server command takes.
type loopFlags struct {
	loops int
}

func (lf *loopFlags) register(f *pflag.FlagSet) {
	f.IntVar(&lf.loops, "loops", 0, "number of event loops (0: one per CPU)")
}

// options turns the flags into engine options.
func (lf *loopFlags) options() []netloop.Option {
	if lf.loops > 0 {
		return []netloop.Option{netloop.WithNumLoops(lf.loops)}
	}
	return []netloop.Option{netloop.WithMulticore(true)}
}

// String describes the loops for the start-up log line.
func (lf *loopFlags) String() string {
	if lf.loops <= 0 {
		return "one per CPU"
	}
	return fmt.Sprint(lf.loops)
}
