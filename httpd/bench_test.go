package httpd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop"
)

var wrkRequest = []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")

func BenchmarkParse(b *testing.B) {
	o := defaultOptions()
	for _, bc := range []struct {
		name string
		in   []byte
	}{{"wrk", wrkRequest}, {"browser", browserRequest}, {"chunked", chunkedRequest}} {
		b.Run(bc.name, func(b *testing.B) {
			p := newParser(&o)
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				if done, err := p.parse(bc.in); !done || err != nil {
					b.Fatal(done, err)
				}
				p.reset()
			}
		})
	}
}

// BenchmarkParseNetHTTP is the baseline: net/http's own request reader on
// the same bytes.
func BenchmarkParseNetHTTP(b *testing.B) {
	for _, bc := range []struct {
		name string
		in   []byte
	}{{"wrk", wrkRequest}, {"browser", browserRequest}} {
		b.Run(bc.name, func(b *testing.B) {
			r := bytes.NewReader(bc.in)
			br := bufio.NewReader(r)
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(bc.in)
				br.Reset(r)
				if _, err := http.ReadRequest(br); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServePipelined measures the server's work per request over
// loopback: 16 pipelined requests per write, so the syscalls are shared.
func BenchmarkServePipelined(b *testing.B) {
	_, addr := newTestServer(b)
	c := dial(b, addr)
	req := []byte(strings.Repeat(string(wrkRequest), 16))
	c.Write(req)
	resp := make([]byte, 0, 64<<10)
	buf := make([]byte, 64<<10)
	for bytes.Count(resp, []byte("Hello, World!")) < 16 {
		n, err := c.Read(buf)
		if err != nil {
			b.Fatal(err)
		}
		resp = append(resp, buf[:n]...)
	}
	got := make([]byte, len(resp))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 16 {
		c.Write(req)
		if _, err := io.ReadFull(c, got); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdPlain is one request at a time through the net/http adapter
// over loopback, with a client of raw writes and reads (which allocate
// nothing), so allocs/op counts the adapter's and net/http's allocations
// per request. BenchmarkNetHTTPPlain is the same against net/http's own
// server, for comparison.
func BenchmarkStdPlain(b *testing.B) {
	s, err := NewStd(helloHandler)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkPlain(b, startServer(b, s))
}

func BenchmarkNetHTTPPlain(b *testing.B) {
	srv := httptest.NewServer(helloHandler)
	b.Cleanup(srv.Close)
	benchmarkPlain(b, srv.Listener.Addr().String())
}

var helloHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("Hello, World!"))
})

func benchmarkPlain(b *testing.B, addr string) {
	c := dial(b, addr)
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.Write(req)
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil || !complete(buf[:n], 1) {
		b.Fatalf("first response: %q %v", buf[:n], err)
	}
	resp := buf[:n]
	b.ReportAllocs()
	for b.Loop() {
		c.Write(req)
		if _, err := io.ReadFull(c, resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdUpload measures uploads through the adapter, whose handler
// reads the body as a stream, against net/http's server, one 16 MiB
// Content-Length body per iteration on a kept-alive connection.
func BenchmarkStdUpload(b *testing.B) {
	drain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil || n != r.ContentLength {
			http.Error(w, "short body", http.StatusBadRequest)
			return
		}
		io.WriteString(w, "ok")
	})
	againstNetHTTP(b, drain, upload)
}

// BenchmarkNativeUpload is BenchmarkStdUpload's load against a native
// StreamHandler whose receiver drops the body, on one loop.
func BenchmarkNativeUpload(b *testing.B) {
	s, err := New(dropUploads{})
	if err != nil {
		b.Fatal(err)
	}
	upload(b, startServer(b, s, netloop.WithNumLoops(1)))
}

// dropUploads takes every body as a stream and drops it.
type dropUploads struct{}

func (dropUploads) Serve(w *ResponseWriter, r *Request) {}

func (dropUploads) ServeHead(w *ResponseWriter, r *Request) BodyReceiver { return &dropBody{} }

type dropBody struct{ n int64 }

func (d *dropBody) ReceiveBody(p []byte) error { d.n += int64(len(p)); return nil }

func (d *dropBody) EndBody(w *ResponseWriter, r *Request, err error) {
	if d.n != r.ContentLength() {
		w.SetStatus(400)
		return
	}
	w.WriteString("ok")
}

func (d *dropBody) AbortBody(err error) {}

// upload sends 16 MiB uploads to the server at addr, one after another,
// each in writes of 256 KiB, and checks each answer is a 200.
func upload(b *testing.B, addr string) {
	const size = 16 << 20
	c := dial(b, addr)
	c.SetDeadline(time.Time{})
	br := bufio.NewReader(c)
	head := []byte(fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size))
	chunk := make([]byte, 256<<10)
	b.SetBytes(size)
	for b.Loop() {
		c.Write(head)
		for n := 0; n < size; n += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				b.Fatal(err)
			}
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkStdFlushedEvents measures a handler that writes small events
// and flushes each, as a server-sent-events stream does: 1,000 events of
// 100 bytes per response, against net/http's server.
func BenchmarkStdFlushedEvents(b *testing.B) {
	const events = 1000
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		msg := []byte("data: " + strings.Repeat("e", 92) + "\n\n")
		f := w.(http.Flusher)
		for range events {
			if _, err := w.Write(msg); err != nil {
				return
			}
			f.Flush()
		}
	})
	againstNetHTTP(b, stream, func(b *testing.B, addr string) {
		c := dial(b, addr)
		c.SetDeadline(time.Time{})
		br := bufio.NewReader(c)
		b.SetBytes(events * 100)
		for b.Loop() {
			io.WriteString(c, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if n != events*100 {
				b.Fatalf("%d bytes", n)
			}
		}
	})
}

// againstNetHTTP runs bench as two sub-benchmarks, on h served by the
// adapter (with opts) and by net/http's own server. The adapter gets one
// loop: the client runs in this process, and a loop blocked in
// epoll_wait holds its P.
func againstNetHTTP(b *testing.B, h http.Handler, bench func(b *testing.B, addr string), opts ...Option) {
	s, err := NewStd(h, append([]Option{WithMaxBodyBytes(1 << 30)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	addr := startServer(b, s, netloop.WithNumLoops(1))
	ts := httptest.NewServer(h)
	defer ts.Close()
	b.Run("netloop", func(b *testing.B) { bench(b, addr) })
	b.Run("nethttp", func(b *testing.B) { bench(b, strings.TrimPrefix(ts.URL, "http://")) })
}
