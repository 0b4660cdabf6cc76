package resp

import (
	"errors"
	"fmt"
)

// ErrProtocol matches every error that Parser and Reader return for bytes
// that are not valid RESP. After one the stream cannot be resynchronised:
// a server replies with the error's text and closes the connection.
var ErrProtocol = errors.New("resp: protocol error")

// ProtocolError is a request that is not valid RESP. Its text is the one
// Redis sends back for the same bytes, so a server can reply with
// "-ERR " + err.Error() and clients see what Redis would have said.
type ProtocolError struct {
	Msg string // e.g. "Protocol error: invalid bulk length"
}

func (e *ProtocolError) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrProtocol) true.
func (e *ProtocolError) Is(target error) bool { return target == ErrProtocol }

// The request errors, with Redis 7's texts (networking.c). They are
// values, so that a parse failure allocates nothing.
var (
	errMultibulkLength   = &ProtocolError{"Protocol error: invalid multibulk length"}
	errBulkLength        = &ProtocolError{"Protocol error: invalid bulk length"}
	errTooBigInline      = &ProtocolError{"Protocol error: too big inline request"}
	errTooBigMbulkCount  = &ProtocolError{"Protocol error: too big mbulk count string"}
	errTooBigBulkCount   = &ProtocolError{"Protocol error: too big bulk count string"}
	errUnbalancedQuotes  = &ProtocolError{"Protocol error: unbalanced quotes in request"}
	errAggregateTooLarge = &ProtocolError{"Protocol error: invalid aggregate length"}
)

// errExpectedDollar is Redis's reply to a multibulk element that is not a
// bulk string. Like Redis it shows the offending byte, with CR and LF
// turned into spaces so that the reply stays one line.
func errExpectedDollar(got byte) error {
	if got == '\r' || got == '\n' {
		got = ' '
	}
	return &ProtocolError{fmt.Sprintf("Protocol error: expected '$', got '%c'", got)}
}

// errReplyType is the Reader's error for a byte that starts no RESP type.
func errReplyType(got byte) error {
	return &ProtocolError{fmt.Sprintf("Protocol error: unknown reply type %q", got)}
}

// errBadLine is the Reader's error for a header line it cannot read.
func errBadLine(kind string, line []byte) error {
	if len(line) > 32 {
		line = line[:32]
	}
	return &ProtocolError{fmt.Sprintf("Protocol error: invalid %s %q", kind, line)}
}
