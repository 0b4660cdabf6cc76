package redis

import (
	"strconv"
	"testing"
	"time"

	"github.com/netloop/netloop/resp"
)

// TestTimeReportsTheClock: TIME answers the server's clock as two bulk
// strings, seconds and microseconds, as Redis does; the reply lies
// between readings of the clock taken before and after it.
func TestTimeReportsTheClock(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	before := time.Now().Truncate(time.Microsecond)
	c.send("TIME")
	v := c.read()
	after := time.Now()
	if v.Type != resp.TypeArray || len(v.Elems) != 2 {
		t.Fatalf("TIME = %s, want two elements", v.String())
	}
	var parts [2]int64
	for i, e := range v.Elems {
		n, err := strconv.ParseInt(string(e.Str), 10, 64)
		if e.Type != resp.TypeBulk || err != nil {
			t.Fatalf("TIME element %d = %s, want a bulk integer", i, e.String())
		}
		parts[i] = n
	}
	if parts[1] < 0 || parts[1] >= 1e6 {
		t.Fatalf("TIME microseconds %d out of range", parts[1])
	}
	got := time.Unix(parts[0], parts[1]*1000)
	if got.Before(before) || got.After(after) {
		t.Errorf("TIME = %v, outside [%v, %v]", got, before, after)
	}
	if got, want := c.do("TIME", "x"), "-ERR wrong number of arguments for 'time' command"; got != want {
		t.Errorf("TIME x = %q, want %q", got, want)
	}
}
