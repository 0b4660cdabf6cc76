package proxy

import "errors"

var (
	// ErrInvalidConfig wraps every Config validation failure.
	ErrInvalidConfig = errors.New("proxy: invalid config")
	// ErrNoUpstream is why a client connection is closed when every
	// upstream is marked down (or failed to connect in turn).
	ErrNoUpstream = errors.New("proxy: no upstream available")
)
