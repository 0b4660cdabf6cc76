package redis

import (
	"hash/maphash"
	"strconv"
	"testing"
)

// TestScanReturnsEveryKeyAcrossResizes walks a table with its cursor while
// the table grows and shrinks between steps: every key present from start
// to end must be returned.
func TestScanReturnsEveryKeyAcrossResizes(t *testing.T) {
	seed := maphash.MakeSeed()
	var tb table
	add := func(k string) {
		tb.insert(&entry{key: k, hash: maphash.String(seed, k), vidx: -1})
	}
	for i := range 1000 {
		add("stable" + strconv.Itoa(i))
	}
	seen := map[string]bool{}
	cursor, step := uint64(0), 0
	for {
		cursor = tb.scan(cursor, func(e *entry) { seen[e.key] = true })
		step++
		switch {
		case step == 50: // grow: 3000 more keys
			for i := range 3000 {
				add("temp" + strconv.Itoa(i))
			}
		case step == 500: // shrink: remove them again
			for i := range 3000 {
				k := "temp" + strconv.Itoa(i)
				tb.remove(tb.find(maphash.String(seed, k), []byte(k)))
			}
		}
		if cursor == 0 {
			break
		}
	}
	for i := range 1000 {
		if k := "stable" + strconv.Itoa(i); !seen[k] {
			t.Fatalf("SCAN missed %s, present for the whole iteration", k)
		}
	}
}

func TestGlobMatchFollowsRedis(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "anything", true},
		{"h?llo", "hello", true},
		{"h?llo", "hllo", false},
		{"h*llo", "heeeello", true},
		{"h[ae]llo", "hallo", true},
		{"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true},
		{"h[^e]llo", "hello", false},
		{"h[a-b]llo", "hbllo", true},
		{"h[b-a]llo", "hbllo", true},
		{`h\*llo`, "h*llo", true},
		{`h\*llo`, "hallo", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"user:[0-9]*", "user:42:name", true},
		{"h[ab", "ha", true}, // an unterminated class ends at the pattern's end
		{"", "", true},
		{"a", "", false},
		{"*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	}
	for _, tt := range tests {
		if got := globMatch([]byte(tt.pattern), []byte(tt.s), false); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
	if !globMatch([]byte("MAXMEMORY*"), []byte("maxmemory-policy"), true) {
		t.Error("nocase match failed")
	}
}

func TestLRUVictimIsTheLeastRecentlyUsed(t *testing.T) {
	ks := newKeyspace(1)
	for i := range 100 {
		k := []byte("k" + strconv.Itoa(i))
		h := ks.hash(k)
		sh := ks.shardOf(h)
		sh.add(0, h, k, kindString, int64(i))
	}
	// Touch k0: k1 becomes the oldest.
	k0 := []byte("k0")
	h := ks.hash(k0)
	ks.shardOf(h).read(0, h, k0, 1000)
	if !ks.evictLRU(true) {
		t.Fatal("nothing evicted")
	}
	for _, k := range []string{"k0", "k2"} {
		h := ks.hash([]byte(k))
		if ks.shardOf(h).lookup(0, h, []byte(k), 0) == nil {
			t.Fatalf("%s was evicted", k)
		}
	}
	k1 := []byte("k1")
	h = ks.hash(k1)
	if ks.shardOf(h).lookup(0, h, k1, 0) != nil {
		t.Fatal("k1, the least recently used key, survived the eviction")
	}
}

// BenchmarkLRUTouch measures what exact LRU costs per access on a keyspace
// much larger than the caches: the relinking of an entry read at random.
func BenchmarkLRUTouch(b *testing.B) {
	ks := newKeyspace(1)
	const n = 1 << 20
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
		h := ks.hash(keys[i])
		ks.shardOf(h).add(0, h, keys[i], kindString, 0)
	}
	for _, touch := range []bool{false, true} {
		b.Run(map[bool]string{false: "lookup", true: "lookup+touch"}[touch], func(b *testing.B) {
			i := uint32(0)
			for b.Loop() {
				i = i*1664525 + 1013904223
				k := keys[i%n]
				h := ks.hash(k)
				sh := ks.shardOf(h)
				e := sh.lookup(0, h, k, 1)
				if touch {
					sh.touch(e, 1)
				}
			}
		})
	}
}
