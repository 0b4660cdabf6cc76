// Package bench is netloop's benchmark suite, a module of its own so that
// the peers it compares against (cloudwego/netpoll, ...) never become
// dependencies of netloop itself.
//
//	servers/netecho      Go net echo server, goroutine per connection
//	servers/netpollecho  cloudwego/netpoll echo server
//	servers/cepoll       minimal C epoll echo server (the per-core ceiling)
//	cmd/idleconns        opens N connections, echoes once on each, holds them idle
//	cmd/pingpong         exactly N round trips on one connection (for callgrind)
//	cmd/profserver       netloop echo on one loop with a CPU profile
//	echo_test.go         in-process echo-path microbenchmarks (allocs per message)
//	run.sh               runs everything: ./run.sh echo|memory|micro|callgrind|profile
//	report.py, plot.py   tables and plots from the results
//
// docs/benchmarks.md in the repository root has the method and the results.
package bench
