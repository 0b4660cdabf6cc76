package codec

import "bytes"

// DelimiterConfig configures a Delimiter codec.
type DelimiterConfig struct {
	// Delimiters end frames; at least one, none empty. Encode ends frames
	// with the first.
	Delimiters [][]byte
	// MaxLength is the longest frame, delimiter excluded. Zero means
	// DefaultMaxFrame.
	MaxLength int
	// KeepDelimiter leaves the delimiter at the end of each frame
	// Decode returns; Encode then takes frames that end with one.
	KeepDelimiter bool
}

// Delimiter frames a stream at delimiters, as netty's
// DelimiterBasedFrameDecoder does: a frame ends at the earliest delimiter
// found (at equal positions, the one listed first), which is stripped
// unless KeepDelimiter is set. Create one with NewDelimiter; it is safe
// for concurrent use.
//
// Unlike netty, Decode waits for more bytes when the end of what has
// arrived could still complete a delimiter that would win over the one
// found, so that how the stream was split into reads never changes the
// frames. Only delimiter sets where one delimiter holds another, such as
// "\r\n\r\n" listed before "\r\n", ever wait.
type Delimiter struct {
	delims  [][]byte
	longest int
	max     int
	keep    bool
}

// NewDelimiter returns a Delimiter codec, or an error wrapping
// ErrInvalidConfig. It copies the delimiters.
func NewDelimiter(cfg DelimiterConfig) (*Delimiter, error) {
	switch {
	case len(cfg.Delimiters) == 0:
		return nil, configErrorf("no delimiters")
	case cfg.MaxLength < 0:
		return nil, configErrorf("delimiter MaxLength %d is negative", cfg.MaxLength)
	case cfg.MaxLength == 0:
		cfg.MaxLength = DefaultMaxFrame
	}
	d := &Delimiter{max: cfg.MaxLength, keep: cfg.KeepDelimiter}
	for i, delim := range cfg.Delimiters {
		if len(delim) == 0 {
			return nil, configErrorf("delimiter %d is empty", i)
		}
		d.delims = append(d.delims, bytes.Clone(delim))
		d.longest = max(d.longest, len(delim))
	}
	return d, nil
}

// Decode returns the first frame of in.
func (d *Delimiter) Decode(in []byte) ([]byte, int, error) {
	// A frame within the limit has its delimiter start at index max at
	// the latest: later matches are not worth looking for.
	limit := len(in)
	if d.max < limit {
		limit = d.max + 1
	}
	i, k := d.index(in, limit)
	// Bytes at the end of in may still grow into a delimiter that starts
	// at p: the frame cannot end before min(i, p).
	p := d.partial(in, i, k)
	if i < 0 || p <= i {
		if p > d.max {
			return nil, 0, errorf(ErrFrameTooLarge,
				"codec: frame of at least %d bytes exceeds the %d-byte limit", min(p, limit), d.max)
		}
		return nil, 0, nil
	}
	end := i // i <= max: index looked no further
	if d.keep {
		end += len(d.delims[k])
	}
	return in[:end:end], i + len(d.delims[k]), nil
}

// index returns the start of the earliest delimiter in in that starts
// before limit, and which delimiter it is; -1 if there is none.
func (d *Delimiter) index(in []byte, limit int) (at, which int) {
	// Search a window that doubles, so that a delimiter absent from a
	// long buffer of short frames is not looked for across the whole
	// buffer for every frame.
	for w := 256; ; w *= 2 {
		w = min(w, limit)
		at, which = -1, -1
		for k, delim := range d.delims {
			// Matches starting before w; once one is known, only
			// matches starting strictly before it can win.
			end := w
			if at >= 0 {
				end = at
			}
			hay := in[:min(len(in), end+len(delim)-1)]
			if j := bytes.Index(hay, delim); j >= 0 {
				at, which = j, k
			}
		}
		if at >= 0 || w == limit {
			return at, which
		}
	}
}

// partial returns the earliest position p from which the tail of in is a
// proper prefix of a delimiter that would win over delimiter k at i (any
// delimiter, if p < i; one listed before k, if p == i); len(in) if none.
func (d *Delimiter) partial(in []byte, i, k int) int {
	for p := max(0, len(in)-d.longest+1); p < len(in); p++ {
		if i >= 0 && p > i {
			break
		}
		tail := in[p:]
		for j, delim := range d.delims {
			if p == i && j >= k {
				break
			}
			if len(delim) > len(tail) && bytes.HasPrefix(delim, tail) {
				return p
			}
		}
	}
	return len(in)
}

// Encode appends frame and the first delimiter to dst, or, with
// KeepDelimiter, frame alone, which must end with a delimiter. Either
// way the bytes must decode back to frame: a frame holding a delimiter
// is refused.
func (d *Delimiter) Encode(dst, frame []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, frame...)
	if !d.keep {
		dst = append(dst, d.delims[0]...)
	}
	wire := dst[start:]
	got, n, err := d.Decode(wire)
	switch {
	case err != nil:
		return dst[:start], err
	case n == len(wire) && len(got) == len(frame):
		return dst, nil
	case n > 0:
		return dst[:start], errorf(ErrInvalidPayload,
			"codec: frame holds a delimiter: it would read back as a frame of %d bytes", len(got))
	case d.keep:
		return dst[:start], errorf(ErrInvalidPayload,
			"codec: frame does not end with a delimiter it would read back with")
	default:
		return dst[:start], errorf(ErrInvalidPayload,
			"codec: frame ends with bytes that would read back as the start of a longer delimiter")
	}
}
