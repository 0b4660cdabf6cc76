package buffer

// Linear is a contiguous byte queue: bytes are appended at the tail and
// consumed from the head, and every unread byte is visible as one slice.
// The zero value is empty and owns no memory; once drained it returns its
// memory to the pool, so an idle connection costs nothing here.
type Linear struct {
	buf  []byte
	head int
}

// Len returns the number of unread bytes.
func (l *Linear) Len() int { return len(l.buf) - l.head }

// Bytes returns the unread bytes. The slice is valid until the next call
// that changes the buffer.
func (l *Linear) Bytes() []byte { return l.buf[l.head:] }

// Write appends b, growing (or compacting) the buffer with memory from p.
func (l *Linear) Write(p *Pool, b []byte) {
	if len(b) == 0 {
		return
	}
	if l.buf == nil {
		l.buf = p.Get(len(b))
		copy(l.buf, b)
		return
	}
	n := len(l.buf)
	if n+len(b) <= cap(l.buf) {
		l.buf = append(l.buf, b...)
		return
	}
	unread := n - l.head
	if unread+len(b) <= cap(l.buf)/2 {
		// Plenty of room once the consumed head is dropped.
		copy(l.buf, l.buf[l.head:])
		l.buf = append(l.buf[:unread], b...)
		l.head = 0
		return
	}
	nb := p.Get(unread + len(b))
	copy(nb, l.buf[l.head:])
	copy(nb[unread:], b)
	p.Put(l.buf)
	l.buf, l.head = nb, 0
}

// Discard drops the first n unread bytes (all of them if n exceeds Len).
func (l *Linear) Discard(p *Pool, n int) {
	if n >= l.Len() {
		l.Reset(p)
		return
	}
	l.head += n
}

// Reset drops every byte and returns the memory to p.
func (l *Linear) Reset(p *Pool) {
	if l.buf != nil {
		p.Put(l.buf)
	}
	l.buf, l.head = nil, 0
}
