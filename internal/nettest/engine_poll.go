//go:build (linux || darwin || freebsd) && !netloop_netengine

package nettest

// PortableEngine is false: netloop runs on epoll or kqueue.
const PortableEngine = false
