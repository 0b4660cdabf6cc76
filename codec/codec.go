// Package codec cuts a byte stream into frames and frames payloads for
// writing. It has netty's four framings, with netty's semantics — text
// lines (Line), frames ended by delimiters (Delimiter), frames of one fixed
// length (Fixed) and frames led by a length field (LengthField) — and takes
// any other framing that implements Codec.
//
// Inside a netloop handler, Frames hands over every complete frame read so
// far, without copying, and leaves a partial frame buffered in the
// connection for the next call. This server answers each line with the
// line itself:
//
//	var lines, _ = codec.NewLine(codec.LineConfig{MaxLength: 4096})
//
//	type echo struct{ netloop.BuiltinHandler }
//
//	func (echo) OnTraffic(c netloop.Conn) netloop.Action {
//		err := codec.Frames(c, lines, func(line []byte) error {
//			out, err := lines.Encode(nil, line)
//			if err == nil {
//				_, err = c.Write(out)
//			}
//			return err
//		})
//		if err != nil {
//			return netloop.Close // too long or malformed: no way to resynchronise
//		}
//		return netloop.None
//	}
//
// (Conn.Write copies what it keeps, so a buffer kept in the connection's
// context can take the place of nil and save the allocation.)
//
// A Go program without netloop speaks the same framing over any
// io.Reader and io.Writer, a net.Conn for instance:
//
//	w := codec.NewWriter(conn, lines)
//	r := codec.NewReader(conn, lines, 0)
//	err := w.WriteFrame([]byte("hello"))
//	line, err := r.ReadFrame() // "hello"
//
// # Limits
//
// Every codec has a maximum frame length and rejects a frame as soon as
// the bytes it has seen prove the frame too long: a length field is
// checked when the header arrives, a line when more than the limit has
// arrived without a newline. A peer therefore cannot make a connection
// buffer more than the limit (plus one read). Errors wrap ErrFrameTooLarge
// or ErrMalformed; after one, the stream cannot be resynchronised and the
// connection should be closed.
//
// # Custom framing
//
// A Codec is two functions with no state of their own. This one frames a
// type-length-value record — a type byte, a 2-byte big-endian value
// length, the value — followed by a CRC-32 of the record. Decode hands
// back the record without its CRC; Encode fills in the length and appends
// the CRC (the full program is the Codec example):
//
//	type TLV struct{ MaxValue int }
//
//	func (t TLV) Decode(in []byte) (frame []byte, consumed int, err error) {
//		if len(in) < 3 {
//			return nil, 0, nil // the header is not all here yet
//		}
//		n := int(binary.BigEndian.Uint16(in[1:3]))
//		if n > t.MaxValue {
//			return nil, 0, fmt.Errorf("tlv: value of %d bytes exceeds the %d-byte limit: %w",
//				n, t.MaxValue, codec.ErrFrameTooLarge)
//		}
//		end := 3 + n
//		if len(in) < end+4 {
//			return nil, 0, nil
//		}
//		if sum := crc32.ChecksumIEEE(in[:end]); binary.BigEndian.Uint32(in[end:]) != sum {
//			return nil, 0, fmt.Errorf("tlv: checksum mismatch in a record of type %d: %w",
//				in[0], codec.ErrMalformed)
//		}
//		return in[:end:end], end + 4, nil
//	}
//
//	func (t TLV) Encode(dst, record []byte) ([]byte, error) {
//		if len(record) < 3 || len(record)-3 > t.MaxValue {
//			return dst, fmt.Errorf("tlv: record of %d bytes does not fit 3 header bytes and %d value bytes: %w",
//				len(record), t.MaxValue, codec.ErrInvalidPayload)
//		}
//		start := len(dst)
//		dst = append(dst, record...)
//		binary.BigEndian.PutUint16(dst[start+1:], uint16(len(record)-3))
//		return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:])), nil
//	}
package codec

// DefaultMaxFrame is the frame length limit of a codec configured with a
// zero limit: 64 KiB.
const DefaultMaxFrame = 64 << 10

// Codec is a framing: it finds frames in the bytes read from a stream and
// frames payloads to be written to one. The codecs of this package hold no
// state between calls, so one value serves any number of connections at
// once.
type Codec interface {
	// Decode looks for one frame at the start of in, the bytes read so far.
	//
	//   - A whole frame: it returns the frame and consumed > 0, the number
	//     of bytes the frame takes in the stream (framing included). The
	//     frame may be empty, and may alias in (no copy): it is valid as
	//     long as in is.
	//   - Not enough bytes yet: it returns nil, 0, nil. It is called again
	//     when more have arrived, with in starting at the same byte.
	//   - Bytes that cannot be a valid frame: a non-nil error, wrapping
	//     ErrFrameTooLarge or ErrMalformed. The stream is then lost.
	//
	// Decode must not modify or keep in, and must reject a frame as soon
	// as in proves it longer than the codec's limit, so that nothing past
	// the limit is ever buffered. It should not allocate.
	Decode(in []byte) (frame []byte, consumed int, err error)
	// Encode appends payload, framed, to dst and returns the extended
	// slice; on error it returns dst unchanged. It must not allocate when
	// dst has room. Decoding what Encode appended yields payload again
	// (where a frame carries its own header, as a LengthField frame that
	// keeps its length field does, Encode fills the header in).
	Encode(dst, payload []byte) ([]byte, error)
}
