//go:build !linux

package proxy

import "github.com/netloop/netloop"

const spliceSupported = false

// pipes is empty where there is no splice(2); New refuses Config.Splice.
type pipes struct{}

func (ps *pipes) close() {}

func (s *session) startSplice() {}

// OnReadable is never called: no connection is switched to raw reads.
func (p *Proxy) OnReadable(netloop.Conn) netloop.Action { return netloop.Close }
