package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the netloop command: run with
// NETLOOP_TEST_RUN_MAIN=1 it is main, so the tests can start the real
// command as a subprocess (and signal it) without a separate go build.
func TestMain(m *testing.M) {
	if os.Getenv("NETLOOP_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const testTimeout = 30 * time.Second

// command is a running netloop subprocess and the lines it logs.
type command struct {
	cmd   *exec.Cmd
	lines chan string // stderr, one log line each; closed at EOF
	seen  []string
}

func startCommand(t *testing.T, args ...string) *command {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "NETLOOP_TEST_RUN_MAIN=1")
	if os.Getenv("GORACE") == "" {
		// A -race binary otherwise sleeps a second before exiting.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", args, err)
	}
	c := &command{cmd: cmd, lines: make(chan string, 1024)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil { // still running: the test failed early
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return c
}

// waitLine returns the first logged line that matches re, or fails the
// test once the command exits or testTimeout passes.
func (c *command) waitLine(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(testTimeout)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("command exited before logging a line matching %q; it logged:\n%s", re, c.log())
			}
			c.seen = append(c.seen, line)
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("no line matching %q within %v; logged so far:\n%s", re, testTimeout, c.log())
		}
	}
}

// stop sends SIGTERM to the subprocess and returns its exit code once its
// log is read to the end.
func (c *command) stop(t *testing.T) int {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal pid %d: %v", c.cmd.Process.Pid, err)
	}
	timeout := time.After(testTimeout)
	for done := false; !done; {
		select {
		case line, ok := <-c.lines:
			if !ok {
				done = true
				break
			}
			c.seen = append(c.seen, line)
		case <-timeout:
			t.Fatalf("command did not exit within %v of SIGTERM; logged:\n%s", testTimeout, c.log())
		}
	}
	err := c.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatalf("wait: %v", err)
	}
	return 0
}

func (c *command) log() string { return strings.Join(c.seen, "\n") }

var listeningLine = regexp.MustCompile(`level=INFO msg=listening network=(\S+) addr=(\S+)`)

func TestEchoCommandEchoesAndStopsOnSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM cannot be sent on Windows")
	}
	tests := []struct {
		network string
		addr    string
	}{
		{"tcp", "127.0.0.1:0"},
		{"udp", "127.0.0.1:0"},
		{"unix", filepath.Join(t.TempDir(), "echo.sock")},
	}
	for _, tt := range tests {
		t.Run(tt.network, func(t *testing.T) {
			c := startCommand(t, "echo", "--network", tt.network, "--addr", tt.addr, "--loops", "2")
			m := c.waitLine(t, listeningLine)
			network, addr := m[1], m[2]
			if network != tt.network {
				t.Errorf("logged network %q, want %q", network, tt.network)
			}

			conn, err := net.DialTimeout(network, addr, testTimeout)
			if err != nil {
				t.Fatalf("dial the logged address %s %s: %v", network, addr, err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(testTimeout))
			msg := []byte("hello, netloop echo")
			if _, err := conn.Write(msg); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(conn, got); err != nil {
				t.Fatalf("read echo: %v", err)
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("echo = %q, want %q", got, msg)
			}

			if code := c.stop(t); code != 0 {
				t.Fatalf("exit code after SIGTERM = %d, want 0; log:\n%s", code, c.log())
			}
			log := c.log()
			for _, want := range []string{`msg=stopping reason="terminated signal received"`, "msg=stopped", "bytes_echoed=19"} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q; log:\n%s", want, log)
				}
			}
			if tt.network == "unix" {
				if _, err := os.Stat(tt.addr); !os.IsNotExist(err) {
					t.Errorf("socket file %s left behind after stop (stat: %v)", tt.addr, err)
				}
			}
		})
	}
}

func TestEchoCommandFailsOnBusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out, err := execute("echo", "--addr", ln.Addr().String(), "--loops", "1")
	if err == nil {
		t.Fatalf("echo on a busy address succeeded; output:\n%s", out)
	}
	if !strings.Contains(out, "address already in use") {
		t.Errorf("output does not say the address is in use:\n%s", out)
	}
}

// execute runs the command in-process with args and returns what it wrote
// to stdout and stderr.
func execute(args ...string) (string, error) {
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestCommandsHaveHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"echo", "version", "--log-level"}},
		{[]string{"echo", "--help"}, []string{"--addr", "--loops", "--reuseport", "--network", "--edge-triggered", "--lb", "--log-level", "127.0.0.1:9000"}},
		{[]string{"version", "--help"}, []string{"Print the version"}},
	}
	for _, tt := range tests {
		out, err := execute(tt.args...)
		if err != nil {
			t.Errorf("netloop %s: %v", strings.Join(tt.args, " "), err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("netloop %s does not mention %q:\n%s", strings.Join(tt.args, " "), w, out)
			}
		}
	}
}

func TestEchoCommandRejectsBadFlags(t *testing.T) {
	tests := [][]string{
		{"echo", "--network", "sctp"},
		{"echo", "--lb", "random"},
		{"echo", "--log-level", "loud"},
		{"echo", "--addr", ""},
		{"echo", "--quiet-wait", "2s"},
		{"echo", "--quiet-wait", "soon"},
		{"echo", "--coalesce", "2ms"},
		{"echo", "--coalesce", "-1us"},
		{"echo", "extra-argument"},
	}
	for _, args := range tests {
		out, err := execute(args...)
		if err == nil {
			t.Errorf("netloop %s succeeded, want an error", strings.Join(args, " "))
		}
		if !strings.Contains(out, "Error:") {
			t.Errorf("netloop %s did not print an error:\n%s", strings.Join(args, " "), out)
		}
	}
}

func TestVersionPrintsPlatform(t *testing.T) {
	out, err := execute("version")
	if err != nil {
		t.Fatal(err)
	}
	if want := runtime.GOOS + "/" + runtime.GOARCH; !strings.Contains(out, want) {
		t.Errorf("version output %q lacks %q", out, want)
	}
}
