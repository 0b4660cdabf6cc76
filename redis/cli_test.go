package redis

import (
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// redisCLI runs redis-cli (Debian package redis-tools) against addr, or
// skips the test when it is not installed.
func redisCLI(t *testing.T, addr, stdin string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli is not installed (Debian package redis-tools)")
	}
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, append([]string{"-h", host, "-p", port}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %q: %v\n%s", args, err, out)
	}
	return strings.TrimRight(string(out), "\n")
}

func TestRedisCLI(t *testing.T) {
	_, addr := startServer(t, Config{})
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"SET", "greeting", "hello world"}, "OK"},
		{[]string{"GET", "greeting"}, "hello world"},
		{[]string{"--no-raw", "GET", "nokey"}, "(nil)"},
		{[]string{"--no-raw", "INCR", "counter"}, "(integer) 1"},
		{[]string{"-3", "--no-raw", "HGETALL", "x"}, "(error) ERR unknown command 'HGETALL', with args beginning with: 'x' "},
		{[]string{"-3", "--no-raw", "CONFIG", "GET", "maxmemory"}, "1# \"maxmemory\" => \"0\""},
		{[]string{"-n", "3", "SET", "indb3", "1"}, "OK"},
		{[]string{"-n", "3", "DBSIZE"}, "1"},
	} {
		if got := redisCLI(t, addr, "", tt.args...); got != tt.want {
			t.Errorf("redis-cli %q = %q, want %q", tt.args, got, tt.want)
		}
	}

	// --pipe sends a stream of commands and checks every reply.
	var in strings.Builder
	for i := range 1000 {
		in.WriteString("SET pipe:" + string(rune('a'+i%26)) + strings.Repeat("x", i%7) + " v\r\n")
	}
	if got := redisCLI(t, addr, in.String(), "--pipe"); !strings.Contains(got, "errors: 0, replies: 1000") {
		t.Fatalf("redis-cli --pipe: %s", got)
	}

	// --scan iterates with SCAN cursors.
	keys := strings.Split(redisCLI(t, addr, "", "--scan", "--pattern", "pipe:a*"), "\n")
	slices.Sort(keys)
	want := []string{"pipe:a", "pipe:ax", "pipe:axx", "pipe:axxx", "pipe:axxxx", "pipe:axxxxx", "pipe:axxxxxx"}
	if !slices.Equal(keys, want) {
		t.Fatalf("redis-cli --scan --pattern pipe:a* = %q, want %q", keys, want)
	}

	if got := redisCLI(t, addr, "", "INFO", "server"); !strings.Contains(got, "redis_version:"+RedisVersion) {
		t.Fatalf("INFO server has no redis_version:\n%s", got)
	}
}
