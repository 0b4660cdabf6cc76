package pool_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/netloop/netloop/pool"
)

// Run tasks on a pool, wait for them with Close, and see that a closed pool
// refuses more.
func ExampleWorkerPool() {
	workers, err := pool.NewWorkerPool(pool.WithWorkers(4), pool.WithQueueLen(16))
	if err != nil {
		log.Fatal(err)
	}
	squares := make([]int, 6)
	for i := range squares {
		// Submit waits for room; on an event loop use TrySubmit, which
		// fails with ErrQueueFull instead.
		if err := workers.Submit(context.Background(), func() { squares[i] = i * i }); err != nil {
			log.Fatal(err)
		}
	}
	// Close waits for every task it accepted, running or queued.
	if err := workers.Close(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Println(squares)

	err = workers.TrySubmit(func() {})
	fmt.Println(errors.Is(err, pool.ErrClosed), err)
	// Output:
	// [0 1 4 9 16 25]
	// true pool: worker pool closed
}

// Borrow a buffer sized by class and give it back when done with it.
func ExampleBytePool() {
	buffers := pool.NewBytePool()

	b := buffers.Get(100) // len 100, capacity rounded up to a power of two
	fmt.Println(len(b), cap(b))

	b = append(b[:0], "hello, "...)
	b = append(b, "pool"...)
	fmt.Println(string(b))

	// From here on b belongs to the pool: do not touch it again. (A
	// buffer given to Conn.AsyncWrite goes back in the write's callback.)
	buffers.Put(b)
	// Output:
	// 100 128
	// hello, pool
}
