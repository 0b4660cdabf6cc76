package httpd

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/netloop/netloop/internal/nettest"
)

var browserRequest = []byte("GET /search?q=netloop&lang=en HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=0123456789abcdef; theme=dark\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n\r\n")

var chunkedRequest = []byte("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
	"10;ext=\"v\"\r\n0123456789abcdef\r\n8\r\nghijklmn\r\n0\r\nX-Sum: 1\r\n\r\n")

func TestParserAllocatesNothing(t *testing.T) {
	o := defaultOptions()
	for _, in := range [][]byte{browserRequest, chunkedRequest} {
		p := newParser(&o)
		parse := func() {
			if done, err := p.parse(in); !done || err != nil {
				t.Fatalf("parse: %v %v", done, err)
			}
			r := Request{b: in, p: &p}
			if r.Header("HOST") == nil || len(r.Path()) == 0 {
				t.Fatal("lookups failed")
			}
			p.reset()
		}
		parse() // grow the field table and body buffer once
		if a := testing.AllocsPerRun(1000, parse); a != 0 {
			t.Errorf("parsing %q: %v allocations per request, want 0", in[:20], a)
		}
		// Byte by byte, too: resuming allocates nothing either.
		split := func() {
			for i := 1; i <= len(in); i++ {
				if done, err := p.parse(in[:i]); err != nil || done != (i == len(in)) {
					t.Fatalf("prefix %d: %v %v", i, done, err)
				}
			}
			p.reset()
		}
		if a := testing.AllocsPerRun(100, split); a != 0 {
			t.Errorf("parsing %q byte by byte: %v allocations per request, want 0", in[:20], a)
		}
	}
}

// TestRequestResponseAllocatesNothing proves the native API's steady
// state over loopback: a client of fixed bytes (raw writes and reads,
// which allocate nothing) against the server, whose allocations
// AllocsPerRun counts too, since it runs in this process.
func TestRequestResponseAllocatesNothing(t *testing.T) {
	if nettest.RaceEnabled() {
		t.Skip("sync.Pool drops items under the race detector")
	}
	if nettest.PortableEngine {
		t.Skip("the portable engine's reads allocate; the guarantee is epoll's and kqueue's")
	}
	_, addr := newTestServer(t)
	for _, tc := range []struct {
		name  string
		req   string
		count int
	}{
		{"plain", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1},
		{"post", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 1},
		{"chunked", string(chunkedRequest[:len("POST ")]) + "/echo" + string(chunkedRequest[len("POST /upload"):]), 1},
		{"pipelined 16", strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 16), 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			req := []byte(tc.req)
			// Learn the response's length once.
			c.Write(req)
			var resp []byte
			buf := make([]byte, 64<<10)
			for bytes.Count(resp, []byte("HTTP/1.1 200")) < tc.count || !complete(resp, tc.count) {
				n, err := c.Read(buf)
				if err != nil {
					t.Fatal(err)
				}
				resp = append(resp, buf[:n]...)
			}
			got := make([]byte, len(resp))
			roundTrip := func() {
				if _, err := c.Write(req); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, got); err != nil {
					t.Fatal(err)
				}
			}
			for range 100 {
				roundTrip()
			}
			if a := testing.AllocsPerRun(1000, roundTrip); a != 0 {
				t.Errorf("%v allocations per round trip, want 0", a)
			}
			if !bytes.Equal(got[:12], resp[:12]) {
				t.Errorf("response changed: %q", got)
			}
		})
	}
}

// complete reports whether resp holds count whole responses (each with a
// Content-Length).
func complete(resp []byte, count int) bool {
	for range count {
		i := bytes.Index(resp, []byte("\r\n\r\n"))
		if i < 0 {
			return false
		}
		j := bytes.Index(resp, []byte("Content-Length: "))
		if j < 0 || j > i {
			return false
		}
		var n int
		for _, c := range resp[j+16:] {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		if len(resp) < i+4+n {
			return false
		}
		resp = resp[i+4+n:]
	}
	return len(resp) == 0
}
