package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop"
)

func TestHTTPCommandServesHelloAndEcho(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM cannot be sent on Windows")
	}
	c := startCommand(t, "http", "--addr", "127.0.0.1:0", "--loops", "2")
	addr := c.waitLine(t, listeningLine)[2]
	client := &http.Client{Timeout: testTimeout}
	tests := []struct {
		method, path, body string
		status             int
		want, allow        string
	}{
		{"GET", "/", "", 200, "Hello, World!", ""},
		{"HEAD", "/", "", 200, "", ""},
		{"POST", "/echo", "echo this", 200, "echo this", ""},
		{"PUT", "/", "", 405, "405 method not allowed\n", "GET, HEAD"},
		{"GET", "/echo", "", 405, "405 method not allowed\n", "POST"},
		{"GET", "/elsewhere", "", 404, "404 page not found\n", ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, "http://"+addr+tt.path, strings.NewReader(tt.body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || string(body) != tt.want || resp.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d %q Allow %q, want %d %q Allow %q", tt.method, tt.path,
				resp.StatusCode, body, resp.Header.Get("Allow"), tt.status, tt.want, tt.allow)
		}
		if tt.path == "/" && tt.status == 200 {
			if ct := resp.Header.Get("Content-Type"); ct != "text/plain" || resp.ContentLength != 13 {
				t.Errorf("%s /: Content-Type %q, Content-Length %d", tt.method, ct, resp.ContentLength)
			}
		}
	}
	client.CloseIdleConnections()
	if code := c.stop(t); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0; log:\n%s", code, c.log())
	}
	log := c.log()
	for _, want := range []string{"msg=\"starting http server\"", `msg=stopping reason="terminated signal received"`, "msg=stopped", "requests=6"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q; log:\n%s", want, log)
		}
	}
}

func TestHTTPCommandServesStaticDirectory(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM cannot be sent on Windows")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "page.html"), []byte("<p>static</p>"), 0o644)
	c := startCommand(t, "http", "--addr", "127.0.0.1:0", "--loops", "1", "--static", dir)
	addr := c.waitLine(t, listeningLine)[2]
	resp, err := http.Get("http://" + addr + "/page.html")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "<p>static</p>" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("got %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	if resp, err := http.Get("http://" + addr + "/missing"); err != nil || resp.StatusCode != 404 {
		t.Errorf("missing file: %v %v", resp, err)
	}
	if code := c.stop(t); code != 0 {
		t.Fatalf("exit code %d; log:\n%s", code, c.log())
	}
}

// TestHTTPCommandReadHeaderTimeoutIsTotal trickles a request head one byte
// every 50 ms at a server with a 300 ms bound: it must end the connection
// (408 or close) long before the head is complete.
func TestHTTPCommandReadHeaderTimeoutIsTotal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM cannot be sent on Windows")
	}
	c := startCommand(t, "http", "--addr", "127.0.0.1:0", "--loops", "1", "--read-header-timeout", "300ms")
	addr := c.waitLine(t, listeningLine)[2]
	conn, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("s", 100) + "\r\n\r\n"
	ended := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(bufio.NewReader(conn))
		ended <- string(b)
	}()
	for i := 0; i < len(head); i++ {
		select {
		case got := <-ended:
			if got != "" && !strings.HasPrefix(got, "HTTP/1.1 408 ") {
				t.Errorf("server answered %q, want 408 or nothing", got)
			}
			c.stop(t)
			return
		case <-time.After(50 * time.Millisecond):
		}
		conn.Write([]byte{head[i]})
	}
	t.Fatal("the whole head trickled in without the server ending the connection")
}

func TestHTTPCommandRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"http", "--static", "/nonexistent/dir"},
		{"http", "--addr", ""},
		{"http", "--read-header-timeout", "soon"},
		{"http", "--quiet-wait", "-1ms"},
		{"http", "extra"},
	} {
		out, err := execute(args...)
		if err == nil || !strings.Contains(out, "Error:") {
			t.Errorf("netloop %s: err %v, output:\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestHTTPCommandPollsEdgeTriggered checks the polling defaults: netloop
// http polls edge-triggered unless told otherwise, echo level-triggered.
func TestHTTPCommandPollsEdgeTriggered(t *testing.T) {
	edgeDefault := regexp.MustCompile(`--edge-triggered +poll edge-triggered[^\n]*\(default true\)`)
	if out, err := execute("http", "--help"); err != nil || !edgeDefault.MatchString(out) {
		t.Errorf("netloop http --help does not show --edge-triggered on by default: %v\n%s", err, out)
	}
	if out, _ := execute("echo", "--help"); edgeDefault.MatchString(out) {
		t.Errorf("netloop echo --help shows --edge-triggered on by default:\n%s", out)
	}
	var cfg httpConfig
	cfg.edgeTriggered = httpEdgeTriggered
	var o netloop.Options
	for _, opt := range cfg.options() {
		opt(&o)
	}
	if !o.EdgeTriggered {
		t.Error("netloop http's engine options are level-triggered")
	}
}
