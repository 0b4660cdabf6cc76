//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package nettest

// PortableEngine is true when netloop runs on its portable engine (package
// net underneath), whose guarantees differ: reads allocate, and raw reads
// (Conn.SetRawRead) are not available.
const PortableEngine = true
