package redis

import (
	"testing"
)

// FuzzServer feeds arbitrary bytes to a server's OnTraffic, as a hostile
// client would: it must never panic, and must consume what it answers.
func FuzzServer(f *testing.F) {
	for _, s := range []string{
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "GET k\r\n", "SET k v EX 10 GET\r\n", "INCRBYFLOAT k 1e308\r\n",
		"SETRANGE k 100 x\r\n", "SCAN 0 MATCH * COUNT 5 TYPE string\r\n", "KEYS [a-\r\n", "HELLO 3\r\nMGET a b\r\n",
		"*1\r\n$-1\r\n", "LPUSH l a b\r\nRPOP l 5\r\n", "CONFIG SET maxmemory 1\r\nSET a b\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := New(Config{Databases: 2})
		if err != nil {
			t.Fatal(err)
		}
		fc := newFake(t, s)
		fc.in = in
		s.OnTraffic(fc)
		// A second batch on the same connection after the first.
		fc.in = append(fc.in, "PING\r\n"...)
		s.OnTraffic(fc)
	})
}
