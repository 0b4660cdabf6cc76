package redis

import (
	"bytes"
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
