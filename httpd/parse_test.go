package httpd

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// testOptions are the defaults with small limits, so that the limit cases
// stay short.
func testOptions() *Options {
	o := defaultOptions()
	o.MaxURIBytes = 64
	o.MaxHeaderBytes = 256
	o.MaxHeaderCount = 8
	o.MaxBodyBytes = 1000
	return &o
}

// parsed is what a test expects of a request that parses.
type parsed struct {
	method, target, path, query, host, body string
	closeAfter, expect                      bool
	headers, trailers                       map[string]string
	n                                       int // bytes the request takes; 0: all of the input
}

// parseWhole parses in as if it had arrived in one read.
func parseWhole(o *Options, in []byte) (*parser, bool, error) {
	p := newParser(o)
	done, err := p.parse(in)
	return &p, done, err
}

// parseSplit feeds in one byte more each time, as a client sending one
// byte per write would, and returns the first error or the completion.
func parseSplit(o *Options, in []byte) (*parser, bool, error) {
	p := newParser(o)
	for i := 1; i <= len(in); i++ {
		done, err := p.parse(in[:i:i])
		if err != nil || done {
			return &p, done, err
		}
	}
	return &p, false, nil
}

func (w parsed) check(t *testing.T, in []byte, p *parser) {
	t.Helper()
	r := Request{b: in, p: p}
	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("method", string(r.Method()), w.method)
	check("target", string(r.Target()), w.target)
	if w.path != "" {
		check("path", string(r.Path()), w.path)
	}
	check("query", string(r.Query()), w.query)
	check("host", string(r.Host()), w.host)
	check("body", string(r.Body()), w.body)
	if !r.KeepAlive() != w.closeAfter {
		t.Errorf("KeepAlive() = %v, want %v", r.KeepAlive(), !w.closeAfter)
	}
	if p.expectContinue != w.expect {
		t.Errorf("expect 100-continue = %v, want %v", p.expectContinue, w.expect)
	}
	for k, v := range w.headers {
		check("header "+k, string(r.Header(k)), v)
	}
	for k, v := range w.trailers {
		check("trailer "+k, string(r.Trailer(k)), v)
	}
	if len(w.trailers) != r.NumTrailers() {
		t.Errorf("%d trailers, want %d", r.NumTrailers(), len(w.trailers))
	}
	n := w.n
	if n == 0 {
		n = len(in)
	}
	if p.end != n {
		t.Errorf("request takes %d bytes, want %d", p.end, n)
	}
}

func TestParseAcceptsValidRequests(t *testing.T) {
	big := strings.Repeat("x", 64)
	tests := []struct {
		name string
		in   string
		want parsed
	}{
		{"get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "GET", target: "/", path: "/", host: "a"}},
		{"query", "GET /p/q?x=1&y=%20 HTTP/1.1\r\nHost: a:80\r\n\r\n",
			parsed{method: "GET", target: "/p/q?x=1&y=%20", path: "/p/q", query: "x=1&y=%20", host: "a:80"}},
		{"http/1.0 closes by default", "GET / HTTP/1.0\r\n\r\n",
			parsed{method: "GET", target: "/", closeAfter: true}},
		{"http/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
			parsed{method: "GET", target: "/"}},
		{"http/1.1 connection close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			parsed{method: "GET", target: "/", host: "a", closeAfter: true}},
		{"close wins over keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive, , CLOSE\r\n\r\n",
			parsed{method: "GET", target: "/", closeAfter: true}},
		{"http/1.2 is 1.x", "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
			parsed{method: "GET", target: "/", host: "a"}},
		{"content-length body", "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
			parsed{method: "POST", target: "/e", host: "a", body: "hello"}},
		{"equal content-lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 003\r\n\r\nabc",
			parsed{method: "POST", target: "/", host: "a", body: "abc"}},
		{"content-length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc",
			parsed{method: "POST", target: "/", host: "a", body: "abc"}},
		{"zero content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
			parsed{method: "POST", target: "/", host: "a"}},
		{"chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
			parsed{method: "POST", target: "/", host: "a", body: "hello world"}},
		{"chunked case and list", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , Chunked\r\n\r\nA\r\n0123456789\r\n000\r\n\r\n",
			parsed{method: "POST", target: "/", host: "a", body: "0123456789"}},
		{"chunk extensions", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"3;a=b;c\r\nabc\r\n3 ; q=\"x\\\"y;\" ;n\r\ndef\r\n0;last\r\n\r\n",
			parsed{method: "POST", target: "/", host: "a", body: "abcdef"}},
		{"trailers", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nChecksum: abc\r\nX-T:  v \r\n\r\n",
			parsed{method: "POST", target: "/", host: "a", body: "hi", trailers: map[string]string{"checksum": "abc", "x-t": "v"}}},
		{"leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "GET", target: "/", host: "a"}},
		{"query after a long path", "GET /a/long/path/to/search?q=netloop HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "GET", target: "/a/long/path/to/search?q=netloop", path: "/a/long/path/to/search", query: "q=netloop", host: "a"}},
		{"long path without a query", "GET /a/long/path/without/a/query HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "GET", target: "/a/long/path/without/a/query", path: "/a/long/path/without/a/query", host: "a"}},
		{"absolute-form", "GET http://example.com:8080/a/b?c HTTP/1.1\r\nHost: other\r\n\r\n",
			parsed{method: "GET", target: "http://example.com:8080/a/b?c", path: "/a/b", query: "c", host: "example.com:8080"}},
		{"absolute-form with a query and no path", "GET http://example.com?a=%41 HTTP/1.1\r\nHost: x\r\n\r\n",
			parsed{method: "GET", target: "http://example.com?a=%41", path: "/", query: "a=%41", host: "example.com"}},
		{"second '?' in the query", "GET /p%20q?a?b HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "GET", target: "/p%20q?a?b", path: "/p%20q", query: "a?b", host: "a"}},
		{"method that starts with GET", "GETS / HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "GETS", target: "/", host: "a"}},
		{"host in capitals, spaced", "GET / HTTP/1.1\r\nHOST:\t a:1 \r\n\r\n",
			parsed{method: "GET", target: "/", host: "a:1"}},
		{"absolute-form without path", "GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
			parsed{method: "GET", target: "https://example.com", path: "/", host: "example.com"}},
		{"asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "OPTIONS", target: "*", path: "*", host: "a"}},
		{"authority-form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
			parsed{method: "CONNECT", target: "example.com:443", host: "example.com:443"}},
		{"ipv6 host", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
			parsed{method: "GET", target: "/", host: "[::1]:80"}},
		{"empty host", "GET / HTTP/1.1\r\nHost:\r\n\r\n",
			parsed{method: "GET", target: "/"}},
		{"expect 100-continue", "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx",
			parsed{method: "PUT", target: "/", host: "a", body: "x", expect: true}},
		{"expect ignored from 1.0", "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
			parsed{method: "PUT", target: "/", body: "x", closeAfter: true}},
		{"field values trimmed, obs-text kept", "GET / HTTP/1.1\r\nHost: a\r\nX-A: \t v1 v2 \t\r\nX-B:\r\nX-C: caf\xc3\xa9\r\n\r\n",
			parsed{method: "GET", target: "/", host: "a", headers: map[string]string{"x-a": "v1 v2", "X-B": "", "x-c": "caf\xc3\xa9"}}},
		{"head", "HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "HEAD", target: "/x", host: "a"}},
		{"extension method", "PROPFIND /d HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "PROPFIND", target: "/d", host: "a"}},
		{"pipelined: the first request only", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "GET", target: "/1", host: "a", n: 28}},
		{"pipelined after a body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokGET",
			parsed{method: "POST", target: "/", host: "a", body: "ok", n: 49}},
		{"longest allowed target", "GET /" + big[:63] + " HTTP/1.1\r\nHost: a\r\n\r\n",
			parsed{method: "GET", target: "/" + big[:63], host: "a"}},
	}
	o := testOptions()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			for _, mode := range []struct {
				name  string
				parse func(*Options, []byte) (*parser, bool, error)
			}{{"whole", parseWhole}, {"byte by byte", parseSplit}} {
				p, done, err := mode.parse(o, in)
				if err != nil || !done {
					t.Fatalf("%s: parse = %v, %v; want a complete request", mode.name, done, err)
				}
				tt.want.check(t, in, p)
			}
		})
	}
}

// TestParseRefuses has one case per rule of RFC 9112 (and RFC 9110) that a
// request can break, each smuggling pattern among them, and each limit.
func TestParseRefuses(t *testing.T) {
	const host = "Host: a\r\n"
	post := func(fields, body string) string {
		return "POST / HTTP/1.1\r\n" + host + fields + "\r\n" + body
	}
	chunked := func(body string) string { return post("Transfer-Encoding: chunked\r\n", body) }
	tests := []struct {
		name string
		in   string
		want error
	}{
		// Framing: the request-smuggling patterns.
		{"content-length and transfer-encoding", post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), ErrMalformed},
		{"transfer-encoding and content-length", post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"), ErrMalformed},
		{"differing content-lengths", post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"), ErrMalformed},
		{"differing content-length list", post("Content-Length: 5, 6\r\n", "hello!"), ErrMalformed},
		{"content-length with sign", post("Content-Length: +5\r\n", "hello"), ErrMalformed},
		{"negative content-length", post("Content-Length: -1\r\n", ""), ErrMalformed},
		{"content-length not a number", post("Content-Length: 5a\r\n", "hello"), ErrMalformed},
		{"content-length with inner space", post("Content-Length: 1 2\r\n", "hello"), ErrMalformed},
		{"hex content-length", post("Content-Length: 0x5\r\n", "hello"), ErrMalformed},
		{"empty content-length", post("Content-Length:\r\n", ""), ErrMalformed},
		{"content-length list with empty element", post("Content-Length: 5,\r\n", "hello"), ErrMalformed},
		{"overflowing content-length", post("Content-Length: 99999999999999999999\r\n", ""), ErrMalformed},
		{"transfer-encoding in http/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ErrMalformed},
		{"chunked not final", post("Transfer-Encoding: chunked, gzip\r\n", ""), ErrMalformed},
		{"chunked twice", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", ""), ErrMalformed},
		{"no chunked at all", post("Transfer-Encoding: gzip\r\n", ""), ErrMalformed},
		{"identity", post("Transfer-Encoding: identity\r\n", ""), ErrMalformed},
		{"empty transfer-encoding", post("Transfer-Encoding: \r\n", ""), ErrMalformed},
		{"chunked with parameter", post("Transfer-Encoding: chunked;x=1\r\n", ""), ErrMalformed},
		{"unknown coding before chunked", post("Transfer-Encoding: gzip, chunked\r\n", ""), ErrNotImplemented},
		{"chunked misspelt", post("Transfer-Encoding: xchunked\r\n", ""), ErrMalformed},
		{"transfer-encoding with space before colon", post("Transfer-Encoding : chunked\r\n", ""), ErrMalformed},
		{"obs-fold", post("X-A: 1\r\n  folded\r\n", ""), ErrMalformed},
		{"obs-fold with tab", post("Transfer-Encoding:\r\n\tchunked\r\n", ""), ErrMalformed},
		{"whitespace before the first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", ErrMalformed},
		// Chunked bodies.
		{"chunk size not hex", chunked("zz\r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"chunk size 0x", chunked("0x5\r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"negative chunk size", chunked("-5\r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"empty chunk size", chunked("\r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"space before chunk size", chunked(" 5\r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"trailing space after chunk size", chunked("5 \r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"overflowing chunk size", chunked("10000000000000000\r\n"), ErrMalformed},
		{"chunk larger than the body limit", chunked("3e9\r\n"), ErrBodyTooLarge},
		{"chunks adding up past the limit", chunked("1f4\r\n" + strings.Repeat("a", 500) + "\r\n1f5\r\n"), ErrBodyTooLarge},
		{"chunk data too long", chunked("2\r\nabc\r\n0\r\n\r\n"), ErrMalformed},
		{"bare LF after chunk size", chunked("5\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"bare CR after chunk size", chunked("5\rhello\r\n0\r\n\r\n"), ErrMalformed},
		{"bare LF after chunk data", chunked("5\r\nhello\n0\r\n\r\n"), ErrMalformed},
		{"chunk extension without name", chunked("5;\r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"chunk extension with bad byte", chunked("5;a=b@c\r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"chunk extension with LF in quotes", chunked("5;a=\"x\ny\"\r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"chunk extension with CR in quotes", chunked("5;a=\"x\r\n\"\r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"chunk extension value missing", chunked("5;a=\r\nhello\r\n0\r\n\r\n"), ErrMalformed},
		{"chunk-size line too long", chunked("5;a=" + strings.Repeat("b", maxChunkLine) + "\r\n"), ErrMalformed},
		{"trailer with obs-fold", chunked("0\r\nX: a\r\n b\r\n\r\n"), ErrMalformed},
		{"trailer with bad name", chunked("0\r\nX Y: a\r\n\r\n"), ErrMalformed},
		{"trailer section too large", chunked("0\r\nX: " + strings.Repeat("a", 300) + "\r\n\r\n"), ErrHeaderTooLarge},
		{"bare LF ending the trailer section", chunked("0\r\n\n"), ErrMalformed},
		// Request line.
		{"bare LF after the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", ErrMalformed},
		{"bare CR before the request line", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"bare LF before the request line", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", ErrMalformed},
		{"space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"no version", "GET /\r\n\r\n", ErrMalformed},
		{"lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"version with two digits", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", ErrMalformed},
		{"http/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", ErrVersion},
		{"http/0.9", "GET / HTTP/0.9\r\n\r\n", ErrVersion},
		{"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ErrVersion},
		{"method with bad byte", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"method too long", strings.Repeat("M", maxMethod+1) + " / HTTP/1.1\r\n\r\n", ErrNotImplemented},
		{"target too long", "GET /" + strings.Repeat("a", 64) + " HTTP/1.1\r\nHost: a\r\n\r\n", ErrURITooLong},
		{"control byte in target", "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"non-ascii target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"fragment in target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"bad percent-encoding", "GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"truncated percent-encoding", "GET /a%2 HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"bad percent-encoding after a good one", "GET /%41?b=%zz HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"Hostx is not Host", "GET / HTTP/1.1\r\nHostx: a\r\n\r\n", ErrMalformed},
		{"lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"asterisk with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"relative target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"userinfo in absolute-form", "GET http://u:p@a/ HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"absolute-form without authority", "GET http:/a HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"connect with a path", "CONNECT /a HTTP/1.1\r\nHost: a\r\n\r\n", ErrMalformed},
		{"too many empty lines", strings.Repeat("\r\n", 129) + "GET / HTTP/1.1\r\n\r\n", ErrMalformed},
		// Header fields.
		{"missing host", "GET / HTTP/1.1\r\n\r\n", ErrMalformed},
		{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", ErrMalformed},
		{"host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", ErrMalformed},
		{"host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", ErrMalformed},
		{"host with path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", ErrMalformed},
		{"space in field name", "GET / HTTP/1.1\r\nHost: a\r\nX Y: 1\r\n\r\n", ErrMalformed},
		{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", ErrMalformed},
		{"empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: 1\r\n\r\n", ErrMalformed},
		{"no colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A\r\n\r\n", ErrMalformed},
		{"separator in field name", "GET / HTTP/1.1\r\nHost: a\r\nX(A): 1\r\n\r\n", ErrMalformed},
		{"non-ascii field name", "GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: 1\r\n\r\n", ErrMalformed},
		{"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", ErrMalformed},
		{"bare CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", ErrMalformed},
		{"DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", ErrMalformed},
		{"bare LF ending a field", "GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n", ErrMalformed},
		{"bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n", ErrMalformed},
		{"unknown expectation", "GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", ErrExpectation},
		// Limits.
		{"header section too large", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 256) + "\r\n\r\n", ErrHeaderTooLarge},
		{"header section too large without end", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 300), ErrHeaderTooLarge},
		{"too many fields", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: 1\r\n", 8) + "\r\n", ErrHeaderTooLarge},
		{"target too long without end", "GET /" + strings.Repeat("a", 100), ErrURITooLong},
		{"body too large", post("Content-Length: 1001\r\n", ""), ErrBodyTooLarge},
	}
	o := testOptions()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			for _, mode := range []struct {
				name  string
				parse func(*Options, []byte) (*parser, bool, error)
			}{{"whole", parseWhole}, {"byte by byte", parseSplit}} {
				_, done, err := mode.parse(o, in)
				if !errors.Is(err, tt.want) {
					t.Errorf("%s: parse = %v, %v; want an error matching %v", mode.name, done, err, tt.want)
				}
			}
		})
	}
}

// TestParseWaitsForTheRest checks that every proper prefix of a valid
// request asks for more bytes rather than completing or failing.
func TestParseWaitsForTheRest(t *testing.T) {
	in := []byte("POST /u?q HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"4;x=\"y\"\r\nwiki\r\n5\r\npedia\r\n0\r\nT: 1\r\n\r\n")
	o := testOptions()
	for i := 0; i < len(in); i++ {
		p := newParser(o)
		if done, err := p.parse(in[:i:i]); done || err != nil {
			t.Fatalf("prefix of %d bytes: parse = %v, %v; want false, nil", i, done, err)
		}
	}
}

func TestParseResetKeepsBuffers(t *testing.T) {
	o := testOptions()
	p := newParser(o)
	in := []byte("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n")
	if done, err := p.parse(in); !done || err != nil {
		t.Fatal(done, err)
	}
	p.reset()
	if p.pending() || cap(p.fields) == 0 || cap(p.body) == 0 {
		t.Errorf("after reset: pending %v, cap(fields) %d, cap(body) %d", p.pending(), cap(p.fields), cap(p.body))
	}
	in2 := []byte("GET /2 HTTP/1.0\r\n\r\n")
	if done, err := p.parse(in2); !done || err != nil || !bytes.Equal((&Request{b: in2, p: &p}).Target(), []byte("/2")) {
		t.Errorf("second request: %v %v", done, err)
	}
}

func TestStatusCodeOfErrors(t *testing.T) {
	for err, want := range map[error]int{
		ErrMalformed: 400, ErrURITooLong: 414, ErrHeaderTooLarge: 431, ErrBodyTooLarge: 413,
		ErrNotImplemented: 501, ErrVersion: 505, ErrExpectation: 417, ErrHeaderTimeout: 408,
		refuse(ErrBodyTooLarge, "x"): 413, errors.New("other"): 0,
	} {
		if got := StatusCode(err); got != want {
			t.Errorf("StatusCode(%v) = %d, want %d", err, got, want)
		}
	}
}
