//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

// enrollServesNetConn is false: Enroll serves a duplicate of the
// net.Conn's descriptor and closes the net.Conn at once.
const enrollServesNetConn = false
