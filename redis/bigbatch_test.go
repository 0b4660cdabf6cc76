package redis

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// A pipeline whose replies outgrow the loop's buffer (16 KiB) is answered
// whole, and so are the small and large batches that follow it, in
// whichever buffer each takes.
func TestRepliesLargerThanTheLoopBufferArriveWhole(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	big := strings.Repeat("v", 40<<10)
	if got := c.do("SET", "big", big); got != "+OK" {
		t.Fatalf("SET = %q", got)
	}
	for round := 0; round < 3; round++ {
		for i := 0; i < 3; i++ { // 120 KiB of replies in one batch
			c.send("GET", "big")
		}
		c.send("PING")
		for i := 0; i < 3; i++ {
			if v := c.read(); !bytes.Equal(v.Str, []byte(big)) {
				t.Fatalf("round %d: GET %d returned %d bytes, want %d", round, i, len(v.Str), len(big))
			}
		}
		if v := c.read(); string(v.Str) != "PONG" {
			t.Fatalf("round %d: PING = %q", round, v.Str)
		}
		if got := c.do("ECHO", "small"); !strings.Contains(got, "small") { // a batch that fits again
			t.Fatalf("round %d: ECHO = %q", round, got)
		}
	}
}

// A client that pipelines GETs of a large value and reads none of the
// replies costs the server about its output high water mark, not the
// replies: the server stops executing until the client catches up, and
// then every reply arrives.
func TestPipeliningClientThatDoesNotReadIsHeldBack(t *testing.T) {
	const gets, size = 1000, 128 << 10 // 128 MiB of replies from 22 KB of requests
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	big := strings.Repeat("v", size)
	if got := c.do("SET", "big", big); got != "+OK" {
		t.Fatalf("SET = %q", got)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range gets {
		c.send("GET", "big")
	}
	if err := c.bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if v := c.read(); len(v.Str) != size { // the server has begun answering
		t.Fatalf("GET 0 returned %d bytes", len(v.Str))
	}
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 32<<20 {
		t.Errorf("the heap grew by %d bytes for a client that reads nothing", grew)
	}
	for i := 1; i < gets; i++ {
		if v := c.read(); len(v.Str) != size {
			t.Fatalf("GET %d returned %d bytes", i, len(v.Str))
		}
	}
	if got := c.do("PING"); !strings.Contains(got, "PONG") {
		t.Fatalf("PING = %q", got)
	}
}
