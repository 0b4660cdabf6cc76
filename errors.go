package netloop

import "errors"

var (
	// ErrClosed is returned by writes to, and passed to callbacks of, a
	// connection that has closed.
	ErrClosed = errors.New("netloop: connection closed")
	// ErrEngineShutdown is the reason OnClose gets for connections closed
	// because the engine stopped, and the error of operations queued on an
	// engine that has stopped.
	ErrEngineShutdown = errors.New("netloop: engine shut down")
	// ErrEngineNotRunning is returned by Engine methods on a zero Engine.
	ErrEngineNotRunning = errors.New("netloop: engine not running")
	// ErrInvalidOption wraps every option validation failure.
	ErrInvalidOption = errors.New("netloop: invalid option")
	// ErrInvalidAddress wraps address parsing failures.
	ErrInvalidAddress = errors.New("netloop: invalid address")
	// ErrUnsupported is returned by operations a connection's kind or
	// platform cannot do (for example Writev on UDP is one datagram).
	ErrUnsupported = errors.New("netloop: unsupported operation")
)
