package codec

import "bytes"

// LineConfig configures a Line codec.
type LineConfig struct {
	// MaxLength is the longest line, terminator excluded. Zero means
	// DefaultMaxFrame.
	MaxLength int
	// CRLF makes Encode end lines with "\r\n" instead of "\n". Decode
	// accepts both either way.
	CRLF bool
}

// Line frames text lines, as netty's LineBasedFrameDecoder does: a line
// ends at "\n" or "\r\n", and the frame is the line without its
// terminator. Create one with NewLine; it is safe for concurrent use.
type Line struct {
	max  int
	crlf bool
}

// NewLine returns a Line codec, or an error wrapping ErrInvalidConfig.
func NewLine(cfg LineConfig) (*Line, error) {
	switch {
	case cfg.MaxLength < 0:
		return nil, configErrorf("line MaxLength %d is negative", cfg.MaxLength)
	case cfg.MaxLength == 0:
		cfg.MaxLength = DefaultMaxFrame
	}
	return &Line{max: cfg.MaxLength, crlf: cfg.CRLF}, nil
}

// Decode returns the first line of in without its terminator.
func (l *Line) Decode(in []byte) ([]byte, int, error) {
	// A line within the limit has its '\n' at index max+1 at the latest
	// (after a '\r'), so the search never looks further than that.
	window := in
	if len(in)-2 > l.max { // (not len(in) > l.max+2, which overflows for a limit of MaxInt)
		window = in[:l.max+2]
	}
	eol := bytes.IndexByte(window, '\n')
	if eol < 0 {
		// Every byte seen belongs to the line, except a trailing '\r'
		// that may start its terminator.
		n := len(window)
		if n > 0 && window[n-1] == '\r' {
			n--
		}
		if n > l.max {
			return nil, 0, errorf(ErrFrameTooLarge,
				"codec: no newline in %d bytes: the line exceeds the %d-byte limit", n, l.max)
		}
		return nil, 0, nil
	}
	end := eol
	if end > 0 && in[end-1] == '\r' {
		end--
	}
	if end > l.max {
		return nil, 0, errorf(ErrFrameTooLarge,
			"codec: line of %d bytes exceeds the %d-byte limit", end, l.max)
	}
	return in[:end:end], eol + 1, nil
}

// Encode appends line and its terminator to dst. The line must hold no
// '\n' and, with a "\n" terminator, must not end with '\r' (the pair would
// read back as a "\r\n" terminator).
func (l *Line) Encode(dst, line []byte) ([]byte, error) {
	if len(line) > l.max {
		return dst, errorf(ErrFrameTooLarge,
			"codec: line of %d bytes exceeds the %d-byte limit", len(line), l.max)
	}
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		return dst, errorf(ErrInvalidPayload, "codec: line holds a newline at byte %d", i)
	}
	if l.crlf {
		return append(append(dst, line...), '\r', '\n'), nil
	}
	if len(line) > 0 && line[len(line)-1] == '\r' {
		return dst, errorf(ErrInvalidPayload,
			`codec: line ends with '\r', which would read back as part of its terminator`)
	}
	return append(append(dst, line...), '\n'), nil
}
