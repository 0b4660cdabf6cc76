// Package loadgen is a lightweight TCP (or unix socket) echo load generator.
//
// It backs `netloop bench echo`. The generator is built so that, on a small
// machine, the server under test rather than the generator is the bottleneck:
//
//   - There is no goroutine per connection. A small number of workers (one by
//     default) each own an epoll instance and a share of the connections,
//     which are raw non-blocking sockets driven through golang.org/x/sys/unix.
//   - The hot path (read, verify, record latency, refill, write) does not
//     allocate; buffers, rings and histograms are allocated once up front.
//
// Two modes are supported:
//
//   - Closed loop (Rate == 0): every connection keeps Pipeline messages in
//     flight; a new message is released as soon as the echo of an older one has
//     been fully received. Latency is measured from the moment a message was
//     released to the moment its last echoed byte was read.
//   - Open loop (Rate > 0): messages are released on a fixed schedule spread
//     evenly over the connections, whether or not replies have arrived.
//     Latency is measured from the scheduled send time, so a stalled server
//     (or a full socket buffer) shows up as latency instead of silently
//     lowering the offered load (no coordinated omission).
//
// Every echoed byte is verified against a deterministic per-connection byte
// stream (see payload.go), so a server that corrupts, drops, duplicates or
// reorders data is reported as an error rather than counted as throughput.
//
// Run is only implemented on Linux; elsewhere it returns ErrUnsupported.
package loadgen
