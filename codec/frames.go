package codec

import (
	"fmt"

	"github.com/netloop/netloop"
)

// Frames calls fn with every complete frame among the bytes c has read so
// far, in order, then consumes them; a partial frame stays buffered in c
// until more bytes arrive and OnTraffic runs again. Call it only on the
// connection's event loop, typically from OnTraffic.
//
// Frames do not copy: each aliases c's buffer and is valid only until fn
// returns. fn may write to c but must not read from it.
//
// If Decode fails (a frame too long or malformed), Frames returns its
// error, which wraps ErrFrameTooLarge or ErrMalformed; if fn fails, Frames
// returns fn's error and stops. Either way the frames before, and the one
// fn failed on, are consumed. The usual answer to an error is for
// OnTraffic to return netloop.Close.
func Frames(c netloop.Conn, cd Codec, fn func(frame []byte) error) error {
	in, _ := c.Peek(-1)
	off := 0
	var err error
	for off < len(in) {
		var frame []byte
		var n int
		frame, n, err = cd.Decode(in[off:])
		if err != nil || n == 0 {
			break
		}
		if n < 0 || n > len(in)-off {
			panic(fmt.Sprintf("codec: %T.Decode consumed %d of %d bytes", cd, n, len(in)-off))
		}
		off += n
		if err = fn(frame); err != nil {
			break
		}
	}
	if off > 0 {
		c.Discard(off)
	}
	return err
}
