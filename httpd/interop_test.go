package httpd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
)

// TestNetHTTPClientInterop drives the native server with Go's own client:
// keep-alive reuse, bodies of known and unknown length, HEAD, and
// Expect: 100-continue.
func TestNetHTTPClientInterop(t *testing.T) {
	_, addr := newTestServer(t)
	base := "http://" + addr
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	reused := 0
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if i.Reused {
			reused++
		}
	}}
	got100 := false
	trace.Got100Continue = func() { got100 = true }
	do := func(method, path string, body io.Reader, hdr ...string) (int, string, *http.Response) {
		t.Helper()
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), method, base+path, body)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: body: %v", method, path, err)
		}
		return resp.StatusCode, string(b), resp
	}
	if code, body, _ := do("GET", "/", nil); code != 200 || body != "Hello, World!" {
		t.Errorf("GET /: %d %q", code, body)
	}
	big := strings.Repeat("0123456789", 100_000) // 1 MB, several reads
	if _, body, _ := do("POST", "/echo", strings.NewReader(big)); body != big {
		t.Errorf("POST 1 MB: echoed %d bytes", len(body))
	}
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 100; i++ {
			fmt.Fprintf(pw, "line %d\n", i)
		}
		pw.Close()
	}()
	_, body, _ := do("POST", "/echo", pr) // unknown length: chunked
	if want := strings.Count(body, "\n"); want != 100 {
		t.Errorf("chunked upload echoed %d lines", want)
	}
	if _, body, resp := do("HEAD", "/", nil); body != "" || resp.ContentLength != 13 {
		t.Errorf("HEAD: %q %d", body, resp.ContentLength)
	}
	if _, body, _ := do("POST", "/echo", strings.NewReader("continue"), "Expect", "100-continue"); body != "continue" || !got100 {
		t.Errorf("Expect: 100-continue: body %q, got 100 Continue %v", body, got100)
	}
	if _, body, resp := do("GET", "/stream", nil); body != "partpartpart" || resp.TransferEncoding == nil {
		t.Errorf("stream: %q %v", body, resp.TransferEncoding)
	}
	if reused < 4 {
		t.Errorf("only %d requests reused a connection; keep-alive is not working", reused)
	}
}

// TestCurlInterop runs curl, which is what many people test a server with.
func TestCurlInterop(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	_, addr := newTestServer(t)
	base := "http://" + addr
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"get", []string{base + "/"}, "Hello, World!"},
		{"post", []string{"--data-binary", "hello curl", base + "/echo"}, "hello curl"},
		{"chunked post", []string{"-H", "Transfer-Encoding: chunked", "--data-binary", "chunky", base + "/echo"}, "chunky"},
		{"expect 100-continue", []string{"-H", "Expect: 100-continue", "--data-binary", strings.Repeat("e", 2000), base + "/echo"}, strings.Repeat("e", 2000)},
		{"http/1.0", []string{"--http1.0", base + "/method"}, "GET"},
		{"two on one connection", []string{base + "/method", base + "/"}, "GETHello, World!"},
		{"head", []string{"-I", "-s", base + "/"}, "HTTP/1.1 200 OK"},
		{"absolute-form via proxy", []string{"-x", base, "http://example.test/target"}, "http://example.test/target example.test"},
		{"stream", []string{base + "/stream"}, "partpartpart"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			args := append([]string{"-sS", "--max-time", "10"}, tt.args...)
			out, err := exec.CommandContext(ctx, curl, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("curl %v: %v\n%s", args, err, out)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("curl %v printed %q, want %q", args, out, tt.want)
			}
		})
	}
}

// TestShutdownLetsRequestsFinish: Shutdown waits for a net/http handler
// that is still running, and its response reaches the client with
// "Connection: close".
func TestShutdownLetsRequestsFinish(t *testing.T) {
	started := make(chan struct{})
	s, _ := NewStd(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(200 * time.Millisecond)
		fmt.Fprint(w, "finished")
	}))
	runErr := make(chan error, 1)
	booted := make(chan struct{})
	go func() {
		runErr <- netloop.Run(&bootSignal{Server: s, booted: booted}, "tcp://127.0.0.1:0")
	}()
	<-booted
	c := dial(t, s.Addrs()[0].String())
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), nettest.Timeout)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}
	br := bufio.NewReader(c)
	resp, body := readResponse(t, br, "GET")
	if body != "finished" || !resp.Close {
		t.Errorf("in-flight request got %q (close %v), want its response and close", body, resp.Close)
	}
	if err := s.Shutdown(ctx); !errors.Is(err, ErrNotRunning) {
		t.Errorf("second Shutdown: %v, want ErrNotRunning", err)
	}
}

type bootSignal struct {
	*Server
	booted chan struct{}
}

func (b *bootSignal) OnBoot(eng netloop.Engine) netloop.Action {
	a := b.Server.OnBoot(eng)
	close(b.booted)
	return a
}

// TestShutdownWaitsForPartialRequests: a request being received when
// Shutdown starts is still answered.
func TestShutdownWaitsForPartialRequests(t *testing.T) {
	s, _ := New(HandlerFunc(testHandler))
	runErr := make(chan error, 1)
	booted := make(chan struct{})
	go func() { runErr <- netloop.Run(&bootSignal{Server: s, booted: booted}, "tcp://127.0.0.1:0") }()
	<-booted
	c := dial(t, s.Addrs()[0].String())
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nha")
	time.Sleep(50 * time.Millisecond)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), nettest.Timeout)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	time.Sleep(50 * time.Millisecond)
	io.WriteString(c, "lf")
	resp, body := readResponse(t, bufio.NewReader(c), "POST")
	if body != "half" || !resp.Close {
		t.Errorf("got %q close %v", body, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
}

// TestCurlUploadsThroughTheAdapter: curl uploads a 20 MiB file (-T:
// Expect: 100-continue, then the body) with Content-Length and chunked,
// to a net/http handler that hashes the streamed body.
func TestCurlUploadsThroughTheAdapter(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	file := filepath.Join(t.TempDir(), "upload")
	data := bytes.Repeat([]byte("netloop streams uploads\n"), 20<<20/24)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewStd(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %x %v", n, h.Sum(nil), err)
	}), WithMaxBodyBytes(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, s)
	want := fmt.Sprintf("%d %x <nil>", len(data), sha256.Sum256(data))
	for _, extra := range [][]string{nil, {"-H", "Transfer-Encoding: chunked"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		args := append([]string{"-sS", "--max-time", "20", "-T", file}, extra...)
		out, err := exec.CommandContext(ctx, curl, append(args, "http://"+addr+"/upload")...).CombinedOutput()
		cancel()
		if err != nil || string(out) != want {
			t.Fatalf("curl %v: %v: %q, want %q", args, err, out, want)
		}
	}
}
