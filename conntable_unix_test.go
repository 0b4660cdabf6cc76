//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import "testing"

func TestConnTableFilesFindsAndForgets(t *testing.T) {
	var tab connTable
	a, b := &conn{fd: 3}, &conn{fd: 700}
	if tab.get(3) != nil || tab.get(-1) != nil || tab.len() != 0 {
		t.Fatal("an empty table found something")
	}
	tab.put(3, a)
	tab.put(700, b) // grows past the first size
	tab.put(3, a)   // filing again does not count twice
	if tab.get(3) != a || tab.get(700) != b || tab.get(4) != nil || tab.get(10000) != nil {
		t.Fatal("get does not return what put filed")
	}
	if tab.len() != 2 {
		t.Fatalf("len = %d, want 2", tab.len())
	}
	var seen []*conn
	tab.each(func(c *conn) {
		seen = append(seen, c)
		tab.remove(c.fd) // removing while walking is allowed
	})
	if len(seen) != 2 || seen[0] != a || seen[1] != b {
		t.Fatalf("each visited %v, want a then b", seen)
	}
	tab.remove(3) // already gone: no effect
	if tab.len() != 0 || tab.get(3) != nil || tab.get(700) != nil {
		t.Fatal("remove left something behind")
	}
}
