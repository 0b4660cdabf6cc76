package codec

// Fixed frames a stream into frames of one length, as netty's
// FixedLengthFrameDecoder does. Create one with NewFixed; it is safe for
// concurrent use.
type Fixed struct {
	n int
}

// NewFixed returns a codec of frames of n bytes, or an error wrapping
// ErrInvalidConfig if n is not positive.
func NewFixed(n int) (*Fixed, error) {
	if n <= 0 {
		return nil, configErrorf("fixed frame length %d is not positive", n)
	}
	return &Fixed{n: n}, nil
}

// Decode returns the first n bytes of in once they have arrived.
func (f *Fixed) Decode(in []byte) ([]byte, int, error) {
	if len(in) < f.n {
		return nil, 0, nil
	}
	return in[:f.n:f.n], f.n, nil
}

// Encode appends payload, which must be exactly n bytes long, to dst.
func (f *Fixed) Encode(dst, payload []byte) ([]byte, error) {
	if len(payload) != f.n {
		return dst, errorf(ErrInvalidPayload,
			"codec: payload of %d bytes, but fixed frames are %d bytes", len(payload), f.n)
	}
	return append(dst, payload...), nil
}
