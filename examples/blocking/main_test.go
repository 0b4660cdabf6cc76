package main

import (
	"bufio"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
)

// gatedLookup blocks the lookup of "slow" until release is closed, and
// reports every other key on looked (if not nil) once its lookup is done,
// so the tests control which lookup finishes first without timing anything.
func gatedLookup(release <-chan struct{}, looked chan<- string) func(string) string {
	return func(key string) string {
		if key == "slow" {
			<-release
		} else if looked != nil {
			defer func() { looked <- key }()
		}
		return "v-" + key
	}
}

func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, line)
	}
	return line
}

// While one connection's lookup is blocked, the single event loop keeps
// serving: another connection gets its reply.
func TestBlockedLookupDoesNotStallTheLoop(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	// One loop: both connections share it, so a blocked loop would
	// block both.
	eng := nettest.Serve(t, &lookupServer{lookup: gatedLookup(release, nil)}, "tcp://127.0.0.1:0", netloop.WithNumLoops(1))

	a := nettest.Dial(t, eng.Addrs()[0])
	if _, err := a.Write([]byte("slow\n")); err != nil {
		t.Fatal(err)
	}
	b := nettest.Dial(t, eng.Addrs()[0])
	if _, err := b.Write([]byte("fast\n")); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, bufio.NewReader(b)); got != "fast=v-fast\n" {
		t.Fatalf("reply to fast = %q, want %q", got, "fast=v-fast\n")
	}
}

// A quick lookup that finishes before a slow one sent earlier on the same
// connection still replies after it; a request split over two writes is
// answered once complete.
func TestRepliesKeepRequestOrder(t *testing.T) {
	release, looked := make(chan struct{}), make(chan string, 2)
	eng := nettest.Serve(t, &lookupServer{lookup: gatedLookup(release, looked)}, "tcp://127.0.0.1:0")
	c := nettest.Dial(t, eng.Addrs()[0])
	r := bufio.NewReader(c)

	if _, err := c.Write([]byte("slow\nfast\r\npart")); err != nil {
		t.Fatal(err)
	}
	// Let fast's lookup finish while slow's is still blocked.
	select {
	case <-looked:
	case <-time.After(nettest.Timeout):
		t.Fatal("the lookup of fast did not run")
	}
	close(release)
	if _, err := c.Write([]byte("ial\n")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"slow=v-slow\n", "fast=v-fast\n", "partial=v-partial\n"} {
		if got := readLine(t, r); got != want {
			t.Fatalf("reply = %q, want %q", got, want)
		}
	}
}

func TestOverlongLineClosesConnection(t *testing.T) {
	eng := nettest.Serve(t, &lookupServer{lookup: gatedLookup(nil, nil)}, "tcp://127.0.0.1:0")
	c := nettest.Dial(t, eng.Addrs()[0])
	line := make([]byte, maxLine+1)
	for i := range line {
		line[i] = 'x'
	}
	c.Write(line)
	if _, err := bufio.NewReader(c).ReadString('\n'); err == nil {
		t.Fatal("server answered an overlong line instead of closing")
	}
}
