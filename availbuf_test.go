package netloop

import (
	"bufio"
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// shouter answers every complete line with the line in upper case, all
// replies of one OnTraffic built in the loop's AvailableBuffer and sent
// with one Write.
type shouter struct{ BuiltinHandler }

func (shouter) OnTraffic(c Conn) Action {
	in, _ := c.Peek(-1)
	out := c.AvailableBuffer()
	used := 0
	for {
		i := bytes.IndexByte(in[used:], '\n')
		if i < 0 {
			break
		}
		for _, b := range in[used : used+i+1] {
			if 'a' <= b && b <= 'z' {
				b -= 'a' - 'A'
			}
			out = append(out, b)
		}
		used += i + 1
	}
	c.Discard(used)
	if len(out) > 0 {
		c.Write(out)
	}
	return None
}

// Replies built in the shared buffer reach each client whole and in
// order, with many connections on one loop, pipelined lines, and replies
// larger than the buffer (append then grows a copy).
func TestAvailableBufferRepliesStayWhole(t *testing.T) {
	_, addr := serveOne(t, shouter{}, "tcp://127.0.0.1:0", WithNumLoops(1))
	const clients, rounds = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		c := dial(t, addr)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := bufio.NewReader(c)
			for round := 0; round < rounds; round++ {
				size := 1 + (i*rounds+round)*37%300
				if round == rounds-1 {
					size = outScratchSize + 1000 // past the buffer's capacity
				}
				line := append(bytes.Repeat([]byte{byte('a' + i)}, size), '\n')
				two := append(append([]byte{}, line...), line...) // pipelined
				if _, err := c.Write(two); err != nil {
					errs <- err
					return
				}
				want := bytes.ToUpper(line)
				for k := 0; k < 2; k++ {
					got, err := r.ReadBytes('\n')
					if err != nil {
						errs <- err
						return
					}
					if !bytes.Equal(got, want) {
						errs <- fmt.Errorf("client %d round %d: got %d bytes %.20q..., want %d bytes %.20q...",
							i, round, len(got), got, len(want), want)
						return
					}
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
