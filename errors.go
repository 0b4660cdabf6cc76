package netloop

import (
	"errors"
	"fmt"
)

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
	// ErrTimeout matches every timeout that closes a connection.
	ErrTimeout = errors.New("netloop: timeout")
	// ErrIdleTimeout closes a connection with no traffic either way.
	ErrIdleTimeout = fmt.Errorf("%w: idle", ErrTimeout)
	// ErrReadTimeout closes a connection that received nothing.
	ErrReadTimeout = fmt.Errorf("%w: nothing read", ErrTimeout)
	// ErrWriteTimeout closes a connection whose output did not drain.
	ErrWriteTimeout = fmt.Errorf("%w: pending writes did not drain", ErrTimeout)
	// ErrDialTimeout fails a connect that did not complete in time.
	ErrDialTimeout = fmt.Errorf("%w: connect", ErrTimeout)
	// ErrPanic is the reason OnClose gets when a handler callback for the
	// connection panicked (with PanicRecovery on).
	ErrPanic = errors.New("netloop: handler panicked")
	// ErrOutboundFull is returned by a write that would grow the outbound
	// buffer past MaxOutbound; nothing of it is written.
	ErrOutboundFull = errors.New("netloop: outbound buffer full")
	// ErrInboundFull closes a connection whose handler left more than
	// MaxInbound bytes unread.
	ErrInboundFull = errors.New("netloop: inbound buffer full")
	// ErrUnsupported is returned by operations a connection's kind or
	// platform cannot do (for example Writev on UDP is one datagram).
	ErrUnsupported = errors.New("netloop: unsupported operation")
	// ErrNotifyPending is returned by Conn.NotifyWritable while an earlier
	// notification has not run yet.
	ErrNotifyPending = errors.New("netloop: a writability notification is already pending")
)
