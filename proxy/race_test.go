//go:build race

package proxy

// raceEnabled shrinks the long transfers: the race detector slows the
// relay down several times and finds the same races in 32 MiB as in 1 GiB.
const raceEnabled = true
