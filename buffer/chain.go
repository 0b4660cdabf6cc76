package buffer

// BlockSize is the capacity of a Chain block for small writes; larger
// writes get one block of their own size class.
const BlockSize = 16 << 10

// Chain is a queue of byte blocks for outbound data. Appends copy into the
// last block's spare room or a new block; Vectors exposes the unread bytes as
// a list of slices for writev(2). The zero value is empty and owns no memory.
type Chain struct {
	blocks [][]byte // blocks[first][head:] is the next unread byte
	first  int
	head   int
	size   int
}

// Len returns the number of unread bytes.
func (c *Chain) Len() int { return c.size }

// Write appends a copy of b.
func (c *Chain) Write(p *Pool, b []byte) {
	c.size += len(b)
	if n := len(c.blocks); n > c.first {
		last := c.blocks[n-1]
		k := copy(last[len(last):cap(last)], b)
		c.blocks[n-1] = last[:len(last)+k]
		b = b[k:]
	}
	for len(b) > 0 {
		size := BlockSize
		if len(b) > size {
			size = len(b)
		}
		blk := p.Get(size)[:0]
		k := min(len(b), cap(blk))
		blk = append(blk, b[:k]...)
		c.blocks = append(c.blocks, blk)
		b = b[k:]
	}
}

// Vectors appends the unread bytes, block by block, to dst (at most max
// slices) and returns it.
func (c *Chain) Vectors(dst [][]byte, max int) [][]byte {
	for i, blk := range c.blocks[c.first:] {
		if len(dst) == max {
			break
		}
		if i == 0 {
			blk = blk[c.head:]
		}
		dst = append(dst, blk)
	}
	return dst
}

// Discard drops the first n unread bytes, returning emptied blocks to p.
func (c *Chain) Discard(p *Pool, n int) {
	if n > c.size {
		n = c.size
	}
	c.size -= n
	for n > 0 {
		blk := c.blocks[c.first]
		left := len(blk) - c.head
		if n < left {
			c.head += n
			return
		}
		n -= left
		p.Put(blk)
		c.blocks[c.first] = nil
		c.first++
		c.head = 0
	}
	if c.first == len(c.blocks) {
		// Keep the (small) slice of block headers for reuse, so a
		// connection that often has a little pending does not allocate.
		c.blocks, c.first = c.blocks[:0], 0
	}
}

// Reset drops everything and returns the blocks to p.
func (c *Chain) Reset(p *Pool) { c.Discard(p, c.size) }
