//go:build !netloop_netengine

package netloop

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const emfileChildEnv = "NETLOOP_EMFILE_CHILD"

// TestAcceptSurvivesFdExhaustion runs an echo server in a child process
// with a low RLIMIT_NOFILE, fills it with connections, and checks that it
// refuses the excess ones, keeps serving the others, does not spin while
// out of descriptors, and accepts again once some are freed. A child
// process is needed because the limit is per process, and the test's own
// client sockets must not count against it.
func TestAcceptSurvivesFdExhaustion(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestEMFILEChild$", "-test.v")
	cmd.Env = append(os.Environ(), emfileChildEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	child := &emfileChild{in: stdin, out: bufio.NewScanner(stdout)}
	addr := child.expect(t, "addr ")

	var held []net.Conn
	for len(held) < 64 {
		c, err := net.DialTimeout("tcp", addr, testTimeout)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		if !echoes(c) {
			c.Close()
			break
		}
		held = append(held, c)
	}
	if len(held) == 64 {
		t.Fatal("the server never refused a connection; the fd limit did not bite")
	}
	if len(held) == 0 {
		t.Fatal("the server refused every connection")
	}
	t.Logf("server holds %d connections at its fd limit", len(held))

	// Out of descriptors, with more clients knocking: the loop must
	// wait, not spin. Each refusal costs a few wake-ups, a spin millions.
	before := child.stats(t)
	for i := 0; i < 5; i++ {
		c, err := net.DialTimeout("tcp", addr, testTimeout)
		if err == nil {
			if echoes(c) {
				t.Errorf("excess connection %d was served beyond the limit", i)
			}
			c.Close()
		}
	}
	time.Sleep(200 * time.Millisecond) // a window in which a spin would show
	after := child.stats(t)
	if after.refused <= before.refused {
		t.Errorf("refused count did not grow (%d -> %d)", before.refused, after.refused)
	}
	if polls := after.polls - before.polls; polls > 100 {
		t.Errorf("loop woke %d times while out of descriptors: spinning", polls)
	}

	for i, c := range held {
		if !echoes(c) {
			t.Fatalf("held connection %d stopped echoing", i)
		}
	}
	for _, c := range held[:3] {
		c.Close()
	}
	if !eventually(func() bool {
		c, err := net.DialTimeout("tcp", addr, testTimeout)
		if err != nil {
			return false
		}
		t.Cleanup(func() { c.Close() })
		return echoes(c)
	}) {
		t.Error("the server did not accept again after descriptors were freed")
	}
}

// eventually retries f, as a client reconnecting would, for up to 5 s.
func eventually(f func() bool) bool {
	for i := 0; i < 100; i++ {
		if f() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// echoes reports whether c echoes a message back.
func echoes(c net.Conn) bool {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		return false
	}
	b := make([]byte, 4)
	_, err := io.ReadFull(c, b)
	return err == nil && string(b) == "ping"
}

type emfileChild struct {
	in  io.Writer
	out *bufio.Scanner
}

type childStats struct{ refused, polls uint64 }

func (ch *emfileChild) expect(t *testing.T, prefix string) string {
	t.Helper()
	for ch.out.Scan() {
		if line := ch.out.Text(); strings.HasPrefix(line, prefix) {
			return strings.TrimPrefix(line, prefix)
		}
	}
	t.Fatalf("child exited before printing %q: %v", prefix, ch.out.Err())
	return ""
}

func (ch *emfileChild) stats(t *testing.T) childStats {
	t.Helper()
	fmt.Fprintln(ch.in, "stats")
	var s childStats
	line := ch.expect(t, "stats ")
	if _, err := fmt.Sscanf(line, "refused=%d polls=%d", &s.refused, &s.polls); err != nil {
		t.Fatalf("bad stats line %q: %v", line, err)
	}
	return s
}

// TestEMFILEChild is the server side of TestAcceptSurvivesFdExhaustion;
// it does nothing unless run as that test's child.
func TestEMFILEChild(t *testing.T) {
	if os.Getenv(emfileChildEnv) == "" {
		t.Skip("runs only as the child of TestAcceptSurvivesFdExhaustion")
	}
	entries, _ := os.ReadDir("/proc/self/fd")
	// Room for the engine's own descriptors and about a dozen connections.
	limit := uint64(len(entries) + 16)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: limit, Max: limit}); err != nil {
		t.Fatal(err)
	}
	eng, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0")
	fmt.Printf("addr %s\n", addr)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		l := eng.e.loops[0]
		done := make(chan string)
		l.post(task{op: opFunc, fn: func() {
			done <- fmt.Sprintf("stats refused=%d polls=%d", l.acc.refused, l.polls)
		}})
		fmt.Println(<-done)
	}
}
