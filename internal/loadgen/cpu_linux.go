package loadgen

import (
	"time"

	"golang.org/x/sys/unix"
)

// cpuTimes is the user and system CPU time consumed by this process.
type cpuTimes struct{ user, sys time.Duration }

// readCPU samples getrusage(RUSAGE_SELF). A failure yields zeros: CPU use is
// diagnostic and must not fail a benchmark.
func readCPU() cpuTimes {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return cpuTimes{}
	}
	return cpuTimes{user: time.Duration(ru.Utime.Nano()), sys: time.Duration(ru.Stime.Nano())}
}

// usageSince turns two samples and the wall time between them into a
// CPUUsage.
func usageSince(start, end cpuTimes, wall time.Duration) CPUUsage {
	u := CPUUsage{User: end.user - start.user, Sys: end.sys - start.sys, Wall: wall}
	if wall > 0 {
		u.Percent = 100 * float64(u.User+u.Sys) / float64(wall)
	}
	return u
}
