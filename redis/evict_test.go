package redis

import (
	"strconv"
	"strings"
	"testing"
)

func TestEvictionKeepsMemoryUnderMaxmemory(t *testing.T) {
	const limit = 256 << 10
	value := strings.Repeat("x", 1000)
	for _, policy := range []Policy{AllKeysLRU, AllKeysRandom} {
		t.Run(policy.String(), func(t *testing.T) {
			s, addr := startServer(t, Config{MaxMemory: limit, Policy: policy})
			c := dial(t, addr)
			for i := range 2000 {
				if got := c.do("SET", "k"+strconv.Itoa(i), value); got != "+OK" {
					t.Fatalf("SET k%d = %s", i, got)
				}
				if policy == AllKeysLRU && i%10 == 0 {
					c.do("GET", "k0") // kept in use: LRU must not evict it
				}
			}
			// One write may overshoot by its own size before the next
			// command evicts.
			if used := s.ks.used.Load(); used > limit+2*int64(len(value))+2*entryOverhead {
				t.Fatalf("used memory %d after 2000 writes, maxmemory %d", used, limit)
			}
			_, _, _, evicted := s.ks.stats()
			if evicted < 1500 {
				t.Fatalf("evicted %d keys, want most of 2000", evicted)
			}
			if policy == AllKeysLRU {
				if got := c.do("EXISTS", "k0"); got != ":1" {
					t.Fatalf("the key read every 10 writes was evicted by LRU")
				}
				if got := c.do("EXISTS", "k1"); got != ":0" {
					t.Fatalf("the oldest untouched key survived LRU eviction")
				}
			}
		})
	}
}

func TestVolatileLRUEvictsOnlyKeysWithTTL(t *testing.T) {
	const limit = 128 << 10
	value := strings.Repeat("x", 1000)
	s, addr := startServer(t, Config{MaxMemory: limit, Policy: VolatileLRU})
	c := dial(t, addr)
	for i := range 50 {
		c.do("SET", "persistent"+strconv.Itoa(i), value)
	}
	for i := range 500 {
		c.do("SET", "volatile"+strconv.Itoa(i), value, "EX", "1000")
	}
	for i := range 50 {
		if got := c.do("EXISTS", "persistent"+strconv.Itoa(i)); got != ":1" {
			t.Fatalf("volatile-lru evicted persistent%d", i)
		}
	}
	if used := s.ks.used.Load(); used > limit+2*int64(len(value))+2*entryOverhead {
		t.Fatalf("used %d, maxmemory %d", used, limit)
	}
}

func TestNoEvictionRefusesWritesAboveMaxmemory(t *testing.T) {
	_, addr := startServer(t, Config{MaxMemory: 16 << 10})
	c := dial(t, addr)
	value := strings.Repeat("x", 1000)
	var got string
	for i := 0; i < 100 && !strings.HasPrefix(got, "-OOM"); i++ {
		got = c.do("SET", "k"+strconv.Itoa(i), value)
	}
	if got != "-OOM command not allowed when used memory > 'maxmemory'." {
		t.Fatalf("SET above maxmemory = %s, want the OOM error", got)
	}
	// Reads and deletes still work, and free room for writes.
	if got := c.do("GET", "k0"); got[0] != '"' {
		t.Fatalf("GET above maxmemory = %s", got)
	}
	c.do("FLUSHALL")
	if got := c.do("SET", "k", "v"); got != "+OK" {
		t.Fatalf("SET after FLUSHALL = %s", got)
	}
	// CONFIG SET maxmemory 0 lifts the limit.
	c.do("CONFIG", "SET", "maxmemory", "0")
	for i := range 100 {
		if got := c.do("SET", "k"+strconv.Itoa(i), value); got != "+OK" {
			t.Fatalf("SET without a limit = %s", got)
		}
	}
}
