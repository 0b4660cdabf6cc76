//go:build unix

package proxy

import (
	"path/filepath"
	"testing"

	"github.com/netloop/netloop/internal/nettest"
)

// TestRelaysToAUnixSocketUpstream: a TCP client relayed to an upstream on
// a Unix socket, byte-exact both ways, copying and (on Linux) splicing.
func TestRelaysToAUnixSocketUpstream(t *testing.T) {
	forEachMode(t, func(t *testing.T, splice bool) {
		path := filepath.Join(t.TempDir(), "echo.sock")
		nettest.Serve(t, echo{}, "unix://"+path)
		relayByteExact(t, Config{Upstreams: []string{"unix://" + path}, Splice: splice}, 8<<20)
	})
}
