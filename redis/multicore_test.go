package redis

import (
	"strconv"
	"sync"
	"testing"

	"github.com/netloop/netloop"
)

// keysInDifferentShards returns two keys that hash to different shards.
func keysInDifferentShards(s *Server) (string, string) {
	a := "a"
	for i := 0; ; i++ {
		b := "b" + strconv.Itoa(i)
		if shardIndex(s.ks.hash([]byte(a))) != shardIndex(s.ks.hash([]byte(b))) {
			return a, b
		}
	}
}

// TestSingleKeyCommandsAreAtomicAcrossLoops runs INCR from connections on
// four loops at once: no increment may be lost.
func TestSingleKeyCommandsAreAtomicAcrossLoops(t *testing.T) {
	_, addr := startServer(t, Config{}, netloop.WithNumLoops(4))
	const clients, each = 8, 200
	var wg sync.WaitGroup
	for range clients {
		c := dial(t, addr)
		wg.Go(func() {
			for range each {
				c.send("INCR", "counter")
				c.send("APPEND", "log", "x")
			}
			for range 2 * each {
				c.read()
			}
		})
	}
	wg.Wait()
	c := dial(t, addr)
	if got := c.do("GET", "counter"); got != strconv.Quote(strconv.Itoa(clients*each)) {
		t.Fatalf("counter = %s after %d INCRs", got, clients*each)
	}
	if got := c.do("STRLEN", "log"); got != ":"+strconv.Itoa(clients*each) {
		t.Fatalf("STRLEN log = %s after %d APPENDs", got, clients*each)
	}
}

// TestMSetIsAtomicAcrossShards: while one client sets two keys in different
// shards to equal values with MSET, another reading them with MGET must
// never see them differ.
func TestMSetIsAtomicAcrossShards(t *testing.T) {
	s, addr := startServer(t, Config{}, netloop.WithNumLoops(2))
	a, b := keysInDifferentShards(s)
	writer, reader := dial(t, addr), dial(t, addr)
	writer.do("MSET", a, "0", b, "0")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 300 {
			v := strconv.Itoa(i)
			writer.send("MSET", a, v, b, v)
			writer.send("RENAME", a, a+"tmp")
			writer.send("RENAME", a+"tmp", a)
		}
		for range 900 {
			writer.read()
		}
	}()
	for range 300 {
		reader.send("MGET", a, b)
		v := reader.read()
		if len(v.Elems) != 2 {
			t.Fatalf("MGET = %s", v)
		}
		if x, y := v.Elems[0], v.Elems[1]; !x.Null && x.String() != y.String() {
			t.Fatalf("MGET saw %s and %s: MSET was not atomic", x, y)
		}
	}
	<-done
}
