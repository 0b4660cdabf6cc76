package netloop

// outScratchSize is the capacity of a loop's output scratch, the buffer
// AvailableBuffer lends: room for a batch of pipelined replies.
const outScratchSize = 16 << 10

// outScratch is the buffer a loop lends through Conn.AvailableBuffer.
// It is allocated on first use, so loops whose handlers never ask hold
// none.
type outScratch []byte

func (s *outScratch) lend() []byte {
	if *s == nil {
		*s = make([]byte, 0, outScratchSize)
	}
	return (*s)[:0]
}
