package codec

import (
	"errors"
	"fmt"
)

var (
	// ErrFrameTooLarge is wrapped by every error about a frame longer than
	// the configured limit, whether Decode met it (as soon as the header or
	// the bytes scanned so far prove it) or Encode was asked to write it.
	ErrFrameTooLarge = errors.New("codec: frame too large")
	// ErrMalformed is wrapped by every Decode error about bytes that break
	// the framing, such as a length field that cannot describe a frame.
	ErrMalformed = errors.New("codec: malformed frame")
	// ErrInvalidPayload is wrapped by Encode errors about a payload the
	// framing cannot carry: a line holding a newline, a fixed-length frame
	// of another length, a frame too short to hold its own header.
	ErrInvalidPayload = errors.New("codec: invalid payload")
	// ErrInvalidConfig is wrapped by the constructors' validation errors.
	ErrInvalidConfig = errors.New("codec: invalid config")
)

// frameError is a Decode or Encode error: its message says what happened
// in full, and it unwraps to one of the sentinels above.
type frameError struct {
	msg  string
	kind error
}

func (e *frameError) Error() string { return e.msg }
func (e *frameError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &frameError{msg: fmt.Sprintf(format, args...), kind: kind}
}

func configErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
}

// tooLarge reports a frame of n bytes over the limit.
func tooLarge(n, limit int64) error {
	return errorf(ErrFrameTooLarge, "codec: frame of %d bytes exceeds the %d-byte limit", n, limit)
}
