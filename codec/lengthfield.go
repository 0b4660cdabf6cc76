package codec

import "math"

// LengthFieldConfig configures a LengthField codec. The fields are netty's
// LengthFieldBasedFrameDecoder parameters, with the same meaning.
type LengthFieldConfig struct {
	// LittleEndian reads and writes the length field least significant
	// byte first. Default big-endian (network order).
	LittleEndian bool
	// LengthFieldOffset is where the length field starts in a frame.
	LengthFieldOffset int
	// LengthFieldLength is the length field's size: 1, 2, 3, 4 or 8 bytes.
	LengthFieldLength int
	// LengthAdjustment is added to the length field's value to give the
	// number of bytes that follow the length field. For a length that
	// counts the whole frame, it is -(LengthFieldOffset+LengthFieldLength).
	LengthAdjustment int
	// LengthIncludesLengthField says the length field's value counts the
	// field's own bytes too: a shorthand for LengthAdjustment -=
	// LengthFieldLength, as netty's LengthFieldPrepender with
	// lengthIncludesLengthFieldLength pairs with a decoder whose
	// lengthAdjustment is -lengthFieldLength.
	LengthIncludesLengthField bool
	// InitialBytesToStrip is how many bytes of the frame Decode drops
	// from its front: LengthFieldOffset+LengthFieldLength strips the
	// header up to the end of the length field, 0 keeps it.
	InitialBytesToStrip int
	// MaxFrameLength is the longest frame, header included and before
	// stripping. Zero means DefaultMaxFrame.
	MaxFrameLength int
}

// limitConfig bounds every size in a LengthFieldConfig, so that frame
// lengths computed from a 64-bit length field cannot overflow.
const limitConfig = 1 << 40

// LengthField frames a stream by a length field in each frame's header,
// as netty's LengthFieldBasedFrameDecoder does, and frames payloads as
// the matching LengthFieldPrepender does. Create one with NewLengthField;
// it is safe for concurrent use.
//
// A frame on the wire is header, then body: the length field sits at
// LengthFieldOffset in the header, the header ends with it, and its value
// plus LengthAdjustment is the body's length. Decode returns the frame
// less its first InitialBytesToStrip bytes, and rejects a frame longer
// than MaxFrameLength as soon as its length field has arrived.
//
// Encode is Decode's inverse, so LengthAdjustment has the decoder's
// meaning: netty's LengthFieldPrepender(lengthAdjustment = a) matches a
// LengthField with LengthAdjustment -a. Encode writes zeros for the
// InitialBytesToStrip bytes that Decode drops; when it keeps part of the
// header, the payload must carry that part, and Encode overwrites the
// length field in it.
type LengthField struct {
	little bool
	offset int64 // LengthFieldOffset
	size   int   // LengthFieldLength
	end    int64 // header length: LengthFieldOffset+LengthFieldLength
	adjust int64 // LengthAdjustment, LengthIncludesLengthField applied
	strip  int64
	max    int64
	// fieldMax is the largest value the length field holds.
	fieldMax uint64
}

// NewLengthField returns a LengthField codec, or an error wrapping
// ErrInvalidConfig.
func NewLengthField(cfg LengthFieldConfig) (*LengthField, error) {
	if cfg.MaxFrameLength == 0 {
		cfg.MaxFrameLength = DefaultMaxFrame
	}
	switch cfg.LengthFieldLength {
	case 1, 2, 3, 4, 8:
	default:
		return nil, configErrorf("LengthFieldLength %d is not 1, 2, 3, 4 or 8", cfg.LengthFieldLength)
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"LengthFieldOffset", cfg.LengthFieldOffset},
		{"InitialBytesToStrip", cfg.InitialBytesToStrip},
		{"MaxFrameLength", cfg.MaxFrameLength},
	} {
		if f.v < 0 {
			return nil, configErrorf("%s %d is negative", f.name, f.v)
		}
		if int64(f.v) > limitConfig {
			return nil, configErrorf("%s %d is more than 1 TiB", f.name, f.v)
		}
	}
	if a := int64(cfg.LengthAdjustment); a > limitConfig || a < -limitConfig {
		return nil, configErrorf("LengthAdjustment %d is more than 1 TiB either way", a)
	}
	l := &LengthField{
		little: cfg.LittleEndian,
		offset: int64(cfg.LengthFieldOffset),
		size:   cfg.LengthFieldLength,
		end:    int64(cfg.LengthFieldOffset) + int64(cfg.LengthFieldLength),
		adjust: int64(cfg.LengthAdjustment),
		strip:  int64(cfg.InitialBytesToStrip),
		max:    int64(cfg.MaxFrameLength),
	}
	if cfg.LengthIncludesLengthField {
		l.adjust -= int64(cfg.LengthFieldLength)
	}
	if l.max < l.end {
		return nil, configErrorf("MaxFrameLength %d is shorter than the %d-byte header up to the end of the length field",
			l.max, l.end)
	}
	l.fieldMax = math.MaxInt64 // netty reads an 8-byte length as a signed long
	if l.size < 8 {
		l.fieldMax = 1<<(8*l.size) - 1
	}
	return l, nil
}

// Decode returns the first frame of in, less its first
// InitialBytesToStrip bytes.
func (l *LengthField) Decode(in []byte) ([]byte, int, error) {
	if int64(len(in)) < l.end {
		return nil, 0, nil
	}
	v := l.field(in[l.offset:l.end])
	if v > l.fieldMax {
		return nil, 0, errorf(ErrMalformed, "codec: negative length field %d", int64(v))
	}
	if v > limitConfig*4 {
		// No adjustment brings such a frame under the limit, and
		// adding to it could overflow.
		return nil, 0, errorf(ErrFrameTooLarge,
			"codec: length field %d exceeds the %d-byte frame limit", v, l.max)
	}
	n := int64(v) + l.adjust + l.end // the frame's length on the wire
	switch {
	case n < l.end:
		return nil, 0, errorf(ErrMalformed,
			"codec: length field %d adjusted by %d gives a frame of %d bytes, shorter than its %d-byte header",
			v, l.adjust, n, l.end)
	case n > l.max:
		return nil, 0, tooLarge(n, l.max)
	case n < l.strip:
		return nil, 0, errorf(ErrMalformed,
			"codec: frame of %d bytes is shorter than the %d bytes to strip", n, l.strip)
	case int64(len(in)) < n:
		return nil, 0, nil
	}
	return in[l.strip:n:n], int(n), nil
}

// Encode appends a frame whose body, after the first InitialBytesToStrip
// bytes Decode drops, is payload.
func (l *LengthField) Encode(dst, payload []byte) ([]byte, error) {
	n := l.strip + int64(len(payload)) // the frame's length on the wire
	if n < l.end {
		return dst, errorf(ErrInvalidPayload,
			"codec: payload of %d bytes is too short to carry the frame header up to byte %d",
			len(payload), l.end-l.strip)
	}
	if n > l.max {
		return dst, tooLarge(n, l.max)
	}
	v := n - l.end - l.adjust
	if v < 0 {
		return dst, errorf(ErrInvalidPayload,
			"codec: a frame of %d bytes needs a negative length field (%d)", n, v)
	}
	if uint64(v) > l.fieldMax {
		return dst, errorf(ErrFrameTooLarge,
			"codec: length %d does not fit a %d-byte length field", v, l.size)
	}
	start := len(dst)
	dst = append(dst, make([]byte, l.strip)...)
	dst = append(dst, payload...)
	l.putField(dst[int64(start)+l.offset:int64(start)+l.end], uint64(v))
	return dst, nil
}

// field reads the length field b.
func (l *LengthField) field(b []byte) uint64 {
	var v uint64
	if l.little {
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// putField writes v into the length field b.
func (l *LengthField) putField(b []byte, v uint64) {
	if l.little {
		for i := range b {
			b[i] = byte(v)
			v >>= 8
		}
		return
	}
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}
