package httpd

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
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
