package redis

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/netloop/netloop/resp"
)

// TestCommandCountAgreesWithTheList: COMMAND COUNT is the number of
// commands COMMAND and COMMAND LIST describe.
func TestCommandCountAgreesWithTheList(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	c.send("COMMAND", "COUNT")
	count := c.read()
	if count.Type != resp.TypeInt || count.Int < 50 {
		t.Fatalf("COMMAND COUNT = %s, want the number of commands", count.String())
	}
	for _, args := range [][]string{{"COMMAND"}, {"COMMAND", "LIST"}} {
		c.send(args...)
		if v := c.read(); v.Type != resp.TypeArray || int64(len(v.Elems)) != count.Int {
			t.Errorf("%s: %d entries, COMMAND COUNT says %d", strings.Join(args, " "), len(v.Elems), count.Int)
		}
	}
}

// TestInfoReportsEverySection: INFO has the server, clients, memory,
// stats and keyspace sections, with figures that follow what the
// connection did; INFO with a section name gives that section alone.
func TestInfoReportsEverySection(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	c.do("SET", "k", "v")
	c.do("GET", "k")
	c.do("GET", "missing")
	text := func(args ...string) string {
		t.Helper()
		c.send(args...)
		v := c.read()
		if v.Type != resp.TypeBulk {
			t.Fatalf("%s = %s, want a bulk string", strings.Join(args, " "), v.String())
		}
		return string(v.Str)
	}
	info := text("INFO")
	field := func(name string) string {
		m := regexp.MustCompile(`(?m)^` + name + `:(.*)\r$`).FindStringSubmatch(info)
		if m == nil {
			t.Fatalf("INFO has no %s:\n%s", name, info)
		}
		return m[1]
	}
	for _, sec := range []string{"# Server", "# Clients", "# Memory", "# Stats", "# Keyspace"} {
		if !strings.Contains(info, sec+"\r\n") {
			t.Errorf("INFO lacks %q", sec)
		}
	}
	for name, want := range map[string]string{
		"redis_version": RedisVersion, "connected_clients": "1",
		"keyspace_hits": "1", "keyspace_misses": "1", "maxmemory_policy": "noeviction",
	} {
		if got := field(name); got != want {
			t.Errorf("INFO %s = %q, want %q", name, got, want)
		}
	}
	if used, err := strconv.ParseInt(field("used_memory"), 10, 64); err != nil || used <= 0 {
		t.Errorf("INFO used_memory = %q, want a positive count", field("used_memory"))
	}
	if got := field("db0"); !strings.HasPrefix(got, "keys=1,") {
		t.Errorf("INFO db0 = %q, want keys=1", got)
	}
	stats := text("INFO", "stats")
	if !strings.Contains(stats, "# Stats\r\n") || strings.Contains(stats, "# Server") {
		t.Errorf("INFO stats:\n%s", stats)
	}
}
