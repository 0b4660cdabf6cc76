// Package buffer holds the byte buffers of netloop's event loops: a
// size-class Pool, a contiguous Linear buffer for inbound bytes, and a Chain
// of blocks for outbound bytes that can be flushed with one writev(2).
//
// None of these types is safe for concurrent use: each belongs to one event
// loop, which is what lets them work without locks.
//
//	pool := buffer.NewPool(4 << 20)
//	var in buffer.Linear
//	in.Write(pool, []byte("hello"))
//	fmt.Printf("%s\n", in.Bytes()) // hello
//	in.Discard(pool, in.Len())     // empty: the memory goes back to pool
package buffer
