package codec

import (
	"fmt"
	"io"
)

// Reader reads frames from an io.Reader, such as a net.Conn, for programs
// that do not run netloop. It buffers what it reads and decodes frames in
// place. It is not safe for concurrent use.
type Reader struct {
	r     io.Reader
	cd    Codec
	max   int
	buf   []byte
	start int   // buf[start:end] holds the bytes read but not consumed
	end   int   //
	err   error // the error that ended reading, returned once buf is drained
}

// readerMinBuffer is the Reader's first buffer size.
const readerMinBuffer = 4 << 10

// NewReader returns a Reader of cd's frames from r. max, if positive, caps
// the bytes the Reader buffers for one frame, framing included: a frame
// that needs more fails with an error wrapping ErrFrameTooLarge. With max
// <= 0 only the codec's own limit applies, which is enough for the codecs
// of this package.
func NewReader(r io.Reader, cd Codec, max int) *Reader {
	return &Reader{r: r, cd: cd, max: max}
}

// ReadFrame returns the next frame. The frame aliases the Reader's buffer
// and is valid until the next call. At the end of the stream it returns
// io.EOF, or io.ErrUnexpectedEOF if a partial frame was left. A decode
// error (ErrFrameTooLarge, ErrMalformed) ends the stream: every later call
// returns it again.
func (r *Reader) ReadFrame() ([]byte, error) {
	for {
		if r.end > r.start {
			frame, n, err := r.cd.Decode(r.buf[r.start:r.end])
			if err != nil {
				r.start, r.end, r.err = 0, 0, err
				return nil, err
			}
			if n < 0 || n > r.end-r.start {
				panic(fmt.Sprintf("codec: %T.Decode consumed %d of %d bytes", r.cd, n, r.end-r.start))
			}
			if n > 0 {
				r.start += n
				return frame, nil
			}
		}
		if r.err != nil {
			if r.err == io.EOF && r.end > r.start {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, r.err
		}
		if err := r.fill(); err != nil {
			r.start, r.end, r.err = 0, 0, err
			return nil, err
		}
	}
}

// Buffered returns the number of bytes read but not yet returned as
// frames.
func (r *Reader) Buffered() int { return r.end - r.start }

// fill reads at least one byte, or records a read error in r.err. It
// returns an error only when the frame under way would exceed max.
func (r *Reader) fill() error {
	if r.end == len(r.buf) {
		if err := r.makeRoom(); err != nil {
			return err
		}
	}
	for range 100 {
		n, err := r.r.Read(r.buf[r.end:])
		if n < 0 || n > len(r.buf)-r.end {
			panic(fmt.Sprintf("codec: %T.Read returned %d", r.r, n))
		}
		r.end += n
		if err != nil {
			r.err = err
			return nil
		}
		if n > 0 {
			return nil
		}
	}
	r.err = io.ErrNoProgress
	return nil
}

// makeRoom moves the unconsumed bytes to the front of the buffer, or
// grows it if they fill it.
func (r *Reader) makeRoom() error {
	n := r.end - r.start
	if r.start > 0 && n < len(r.buf) {
		copy(r.buf, r.buf[r.start:r.end])
		r.start, r.end = 0, n
		return nil
	}
	if r.max > 0 && n >= r.max {
		return errorf(ErrFrameTooLarge,
			"codec: frame exceeds the reader's %d-byte buffer limit", r.max)
	}
	size := max(2*len(r.buf), readerMinBuffer)
	if r.max > 0 {
		size = min(size, r.max)
	}
	buf := make([]byte, size)
	copy(buf, r.buf[r.start:r.end])
	r.buf, r.start, r.end = buf, 0, n
	return nil
}

// Writer writes frames to an io.Writer, each with one Write call. It is
// not safe for concurrent use.
type Writer struct {
	w   io.Writer
	cd  Codec
	buf []byte
}

// NewWriter returns a Writer of cd's frames to w.
func NewWriter(w io.Writer, cd Codec) *Writer {
	return &Writer{w: w, cd: cd}
}

// writerKeepBuffer is the largest buffer a Writer keeps between frames:
// one large frame should not pin its memory for the Writer's life.
const writerKeepBuffer = 64 << 10

// WriteFrame frames p and writes it.
func (w *Writer) WriteFrame(p []byte) error {
	b, err := w.cd.Encode(w.buf[:0], p)
	if err != nil {
		return err
	}
	_, err = w.w.Write(b)
	if cap(b) <= writerKeepBuffer {
		w.buf = b[:0]
	} else {
		w.buf = nil
	}
	return err
}
