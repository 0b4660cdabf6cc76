package httpd

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
)

// FuzzParse checks the parser on arbitrary bytes:
//
//   - it never panics, and what it reports lies within the input;
//   - the outcome does not depend on how the bytes were split into reads
//     (whole, at two points, byte by byte), nor on whether a chunked body
//     is read as a stream (the net/http adapter's way), nor on whether
//     the parse holds at the end of the head (a StreamHandler's way);
//   - when it accepts a request that net/http also accepts, both agree on
//     the method, the target, the body and where the request ends, since a
//     disagreement about framing between two parsers is request
//     smuggling.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=\"q\"\r\nhello\r\n0\r\nT: v\r\n\r\n",
		"GET http://h/p?q HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n",
		string(browserRequest),
	} {
		f.Add([]byte(s), uint16(3), uint16(20))
	}
	o := testOptions()
	f.Fuzz(func(t *testing.T, in []byte, cut1, cut2 uint16) {
		p, done, err := parseWhole(o, in)
		if done && err != nil {
			t.Fatalf("done with an error: %v", err)
		}
		if err != nil && StatusCode(err) == 0 {
			t.Fatalf("error %v carries no status", err)
		}
		if done {
			checkSpans(t, in, p)
		}
		// The same bytes split into three reads, and one byte at a time.
		a, b := int(cut1)%(len(in)+1), int(cut2)%(len(in)+1)
		a, b = min(a, b), max(a, b)
		q := newParser(o)
		var qdone bool
		var qerr error
		for _, end := range []int{a, b, len(in)} {
			if qdone, qerr = q.parse(in[:end:end]); qdone || qerr != nil {
				break
			}
		}
		same(t, "three reads", p, done, err, &q, qdone, qerr)
		// A chunked body read as a stream, the bytes consumed dropped
		// after each read, decodes the same.
		checkStreamed(t, o, in, []int{a, b}, p, done, err)
		// So does a parse held at the end of the head for a
		// StreamHandler, its body then buffered or streamed.
		checkHeld(t, o, in, []int{a, b}, p, done, err)
		if len(in) < 2000 {
			r, rdone, rerr := parseSplit(o, in)
			same(t, "byte by byte", p, done, err, r, rdone, rerr)
			checkStreamed(t, o, in, byteCuts(len(in)), p, done, err)
			checkHeld(t, o, in, byteCuts(len(in)), p, done, err)
		}
		if done {
			compareNetHTTP(t, in, p)
		}
	})
}

func same(t *testing.T, how string, p *parser, done bool, err error, q *parser, qdone bool, qerr error) {
	t.Helper()
	if done != qdone || StatusCode(err) != StatusCode(qerr) {
		t.Fatalf("%s: (%v, %v), whole: (%v, %v)", how, qdone, qerr, done, err)
	}
	if done && (p.end != q.end || !bytes.Equal(p.body, q.body) || p.headEnd != q.headEnd) {
		t.Fatalf("%s: request of %d bytes, whole: %d", how, q.end, p.end)
	}
	// What the request line and Host were found to say, too: the parser
	// notes some of it (the target's '%' and '?') as bytes arrive.
	if done {
		ps := []span{p.method, p.target, p.path, p.query, p.authority, p.host}
		qs := []span{q.method, q.target, q.path, q.query, q.authority, q.host}
		for i := range ps {
			if ps[i] != qs[i] || p.form != q.form || p.minor != q.minor {
				t.Fatalf("%s: spans %v form %d minor %d, whole: %v %d %d", how, qs, q.form, q.minor, ps, p.form, p.minor)
			}
		}
	}
}

func checkSpans(t *testing.T, in []byte, p *parser) {
	t.Helper()
	if p.end > len(in) || p.headEnd > p.end {
		t.Fatalf("end %d, head end %d, input %d", p.end, p.headEnd, len(in))
	}
	for _, sp := range []span{p.method, p.target, p.path, p.query, p.authority, p.host} {
		if sp.s < 0 || sp.s > sp.e || int(sp.e) > p.headEnd {
			t.Fatalf("span %v outside the head (%d bytes)", sp, p.headEnd)
		}
	}
	for _, f := range p.fields {
		if int(f.value.e) > p.end || f.name.s > f.name.e {
			t.Fatalf("field %v outside the request", f)
		}
	}
	r := Request{b: in, p: p}
	if int64(len(r.Body())) > p.opts.MaxBodyBytes {
		t.Fatalf("body of %d bytes past the limit", len(r.Body()))
	}
}

// compareNetHTTP parses the accepted request with net/http and compares
// the framing.
func compareNetHTTP(t *testing.T, in []byte, p *parser) {
	br := bufio.NewReader(bytes.NewReader(in))
	req, err := http.ReadRequest(br)
	if err != nil {
		return // net/http is stricter here (a URL it cannot parse, say): not a framing split
	}
	body, berr := io.ReadAll(req.Body)
	if berr != nil {
		var mbe *http.MaxBytesError
		if errors.As(berr, &mbe) {
			return
		}
		if len(p.fields)-p.nHeaders > 0 {
			return // net/http is stricter about some trailers
		}
		t.Fatalf("net/http could not read the body we accepted (%q): %v", (&Request{b: in, p: p}).Body(), berr)
	}
	r := Request{b: in, p: p}
	consumed := len(in) - br.Buffered()
	switch {
	case req.Method != string(r.Method()):
		t.Fatalf("method: net/http %q, ours %q", req.Method, r.Method())
	case req.RequestURI != string(r.Target()):
		t.Fatalf("target: net/http %q, ours %q", req.RequestURI, r.Target())
	case !bytes.Equal(body, r.Body()):
		t.Fatalf("body: net/http %q, ours %q", body, r.Body())
	case consumed != p.end:
		t.Fatalf("request length: net/http %d, ours %d", consumed, p.end)
	case req.Method != "CONNECT" && req.URL.RawQuery != string(r.Query()):
		t.Fatalf("query: net/http %q, ours %q", req.URL.RawQuery, r.Query())
	}
}
