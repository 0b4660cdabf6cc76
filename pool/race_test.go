//go:build race

package pool

// raceEnabled: the race detector makes sync.Pool drop a quarter of what it
// is given, on purpose, so allocation counts mean nothing under it.
const raceEnabled = true
