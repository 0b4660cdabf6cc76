package httpd

import (
	"errors"
	"fmt"
)

// Errors about a request that the server refuses. Each one carries the
// status the server answers with before it closes the connection; the
// parser's errors wrap one of them with the details (match them with
// errors.Is).
var (
	// ErrMalformed: the request breaks HTTP/1.1's syntax or framing
	// rules (RFC 9112): 400 Bad Request.
	ErrMalformed error = &statusError{400, "httpd: malformed request"}
	// ErrURITooLong: the request-target is longer than
	// Options.MaxURIBytes: 414 URI Too Long.
	ErrURITooLong error = &statusError{414, "httpd: request-target too long"}
	// ErrHeaderTooLarge: the header (or trailer) section is longer than
	// Options.MaxHeaderBytes or has more than Options.MaxHeaderCount
	// fields: 431 Request Header Fields Too Large.
	ErrHeaderTooLarge error = &statusError{431, "httpd: header section too large"}
	// ErrBodyTooLarge: the body is longer than Options.MaxBodyBytes:
	// 413 Content Too Large.
	ErrBodyTooLarge error = &statusError{413, "httpd: body too large"}
	// ErrNotImplemented: a transfer coding other than chunked, or a
	// method name longer than any server implements: 501 Not Implemented.
	ErrNotImplemented error = &statusError{501, "httpd: not implemented"}
	// ErrVersion: a major HTTP version other than 1: 505 HTTP Version Not
	// Supported.
	ErrVersion error = &statusError{505, "httpd: http version not supported"}
	// ErrExpectation: an Expect field other than 100-continue: 417
	// Expectation Failed.
	ErrExpectation error = &statusError{417, "httpd: expectation failed"}
	// ErrHeaderTimeout: the request head did not arrive within
	// Options.ReadHeaderTimeout (or the whole request within
	// Options.ReadTimeout): 408 Request Timeout.
	ErrHeaderTimeout error = &statusError{408, "httpd: request not received in time"}
)

// Errors of the response writer and the server.
var (
	// ErrInvalidHeader is returned for a response field whose name is not
	// a token or whose value holds a control character (CR and LF
	// included, which would split the response).
	ErrInvalidHeader = errors.New("httpd: invalid response header field")
	// ErrReservedHeader is returned for a response field the server
	// writes itself: Content-Length (use SetContentLength),
	// Transfer-Encoding, Connection (use SetClose) and Date.
	ErrReservedHeader = errors.New("httpd: response header field is set by the server")
	// ErrHeadersSent is returned when the status or a header field is set
	// after Flush has sent the response head.
	ErrHeadersSent = errors.New("httpd: response head already sent")
	// ErrContentLength is returned by a write past the length declared
	// with SetContentLength.
	ErrContentLength = errors.New("httpd: wrote more than the declared Content-Length")
	// ErrBodyNotAllowed is returned by writes to a response whose status
	// has no body (1xx, 204, 304).
	ErrBodyNotAllowed = errors.New("httpd: response status does not allow a body")
	// ErrInvalidOption wraps every option validation failure.
	ErrInvalidOption = errors.New("httpd: invalid option")
	// ErrNotRunning is returned by Shutdown before the server has booted.
	ErrNotRunning = errors.New("httpd: server not running")
	// ErrAnsweredAtHead is what a BodyReceiver's AbortBody is told when
	// the ServeHead that returned it also answered the request (set a
	// status other than 200, or flushed): the answer stands, and the
	// receiver gets no body.
	ErrAnsweredAtHead = errors.New("httpd: ServeHead answered the request itself")
)

// statusError is a refusal and the status that answers it.
type statusError struct {
	code int
	text string
}

func (e *statusError) Error() string { return e.text }

// requestError is one refusal with its details; it unwraps to the
// statusError that says how to answer it.
type requestError struct {
	msg  string
	kind *statusError
}

func (e *requestError) Error() string { return e.kind.text + ": " + e.msg }
func (e *requestError) Unwrap() error { return e.kind }

func refuse(kind error, format string, args ...any) error {
	return &requestError{msg: fmt.Sprintf(format, args...), kind: kind.(*statusError)}
}

// StatusCode returns the response status that answers a request error
// (one wrapping ErrMalformed, ErrURITooLong, ...), or 0 for other errors.
func StatusCode(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.code
	}
	return 0
}
