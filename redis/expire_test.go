package redis

import (
	"strconv"
	"testing"
	"time"
)

// TestActiveExpiryDeletesKeysNobodyReads sets keys that expire at once and
// never reads them: the tick's sampling must delete them all.
func TestActiveExpiryDeletesKeysNobodyReads(t *testing.T) {
	s, addr := startServer(t, Config{Hz: 100})
	c := dial(t, addr)
	for i := range 500 {
		c.send("SET", "k"+strconv.Itoa(i), "v", "PX", "1")
	}
	c.send("SET", "kept", "v")
	for range 501 {
		c.read()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		keys, _ := s.ks.keyCount(0)
		if keys == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d keys left 10 s after they expired; want only the persistent one", keys)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, _, expired, _ := s.ks.stats(); expired != 500 {
		t.Fatalf("expired_keys = %d, want 500", expired)
	}
	if got := c.do("GET", "kept"); got != `"v"` {
		t.Fatalf("GET kept = %s", got)
	}
}

// TestLazyExpiryOnRead: a key read after its time is gone, even before the
// active cycle gets to it.
func TestLazyExpiryOnRead(t *testing.T) {
	_, addr := startServer(t, Config{Hz: 1})
	c := dial(t, addr)
	c.do("SET", "k", "v", "PX", "20")
	time.Sleep(30 * time.Millisecond)
	for _, cmd := range [][]string{{"GET", "k"}, {"EXISTS", "k"}, {"TTL", "k"}, {"DBSIZE"}} {
		want := map[string]string{"GET": "(nil)", "EXISTS": ":0", "TTL": ":-2", "DBSIZE": ":0"}[cmd[0]]
		if got := c.do(cmd...); got != want {
			t.Errorf("%v after expiry = %s, want %s", cmd, got, want)
		}
	}
}
