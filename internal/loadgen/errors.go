package loadgen

import "errors"

// Sentinel errors returned (possibly wrapped) by Run and Config.Validate.
// Test for them with errors.Is.
var (
	// ErrUnsupported is returned by Run on platforms other than Linux: the
	// generator drives sockets through epoll directly and has no portable
	// fallback, because a goroutine-per-connection fallback would make the
	// generator, not the server, the bottleneck.
	ErrUnsupported = errors.New("loadgen: unsupported platform (linux only)")

	// ErrInvalidConfig is matched by every validation error from
	// Config.Validate; the error text names the offending field.
	ErrInvalidConfig = errors.New("loadgen: invalid config")

	// ErrNoConnections is returned when not a single connection could be
	// established; the first connect error is wrapped alongside it.
	ErrNoConnections = errors.New("loadgen: no connection could be established")
)

// configError is a validation failure. Its text is self-contained (for
// example "loadgen: conns must be > 0") while errors.Is still reports it as
// ErrInvalidConfig, so callers can both print it and classify it.
type configError struct{ msg string }

func (e *configError) Error() string { return "loadgen: " + e.msg }

func (e *configError) Is(target error) bool { return target == ErrInvalidConfig }

func invalid(msg string) error { return &configError{msg: msg} }
