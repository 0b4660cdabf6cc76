package httpd

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/netloop/netloop"
)

// NewStd returns a server that serves h, any net/http Handler (a mux, a
// router, middleware, http.FileServer), on netloop. Handlers may block, so
// they run on a worker pool (Options.Workers), never on the event loops;
// their responses travel back through Conn.AsyncWrite.
//
// What h sees is what net/http would give it, with these differences:
//
//   - A body that arrives with its head (most small ones) has been read
//     whole when h runs, a chunked body's trailers already in
//     Request.Trailer. Otherwise h runs once the head is in and reads
//     the body as it arrives: the server holds at most
//     Options.StreamWindow (256 KiB) of it ahead of h and then stops
//     reading, so that TCP slows the client
//     down, and a body's size costs no memory (Options.MaxBodyBytes
//     still bounds it; raise it for large uploads). Its trailers are in
//     Request.Trailer once the body has been read to io.EOF, as in
//     net/http. A body that fails midway (the client leaves, a chunk is
//     malformed, it grows past MaxBodyBytes, Options.ReadTimeout runs
//     out) fails h's reads with an error that says why:
//     io.ErrUnexpectedEOF, or one wrapping ErrMalformed, ErrBodyTooLarge
//     or ErrHeaderTimeout.
//   - "Expect: 100-continue" is answered by the server once the head is
//     in; h may read the body after it has begun writing its response.
//   - If h returns before the whole body has arrived, the connection
//     closes after its response: the server half-closes it and drops
//     what the client still sends for up to half a second (RFC 9112's
//     staged close), so that the client is not reset before it reads
//     the answer.
//   - Requests on one connection are served one at a time, in order;
//     pipelined requests wait in the connection's buffer.
//   - The ResponseWriter implements http.Flusher and http.Hijacker, so
//     WebSocket libraries work. A hijacked connection's reads come from
//     the loop with a streamed body's backpressure; its writes go out
//     behind the writer, which waits once Options.StreamWindow bytes
//     are on their way (the client not reading); read and write
//     deadlines work. Shutdown does not wait for hijacked connections.
//   - http.ResponseController's Flush, EnableFullDuplex, SetReadDeadline
//     (which bounds a streamed body's reads) and SetWriteDeadline work. A
//     write that misses its deadline fails with os.ErrDeadlineExceeded
//     and closes the connection, the response being incomplete.
//   - The request's context ends when h returns or the connection closes.
//     It carries http.LocalAddrContextKey but not http.ServerContextKey.
func NewStd(h http.Handler, opts ...Option) (*Server, error) {
	if h == nil {
		return nil, ErrInvalidOption
	}
	return newServer(nil, h, opts)
}

// exchange is one request handed to a net/http handler and its response.
// The worker goroutine owns it until its last AsyncWrite; the loop then
// finishes it. Fields marked "loop" are touched only on the loop.
type exchange struct {
	s  *Server
	ss *session // loop
	c  netloop.Conn

	raw    []byte      // a copy of the request's bytes (its head alone if streamed)
	p      parser      // the parser's findings, fields and body copied
	stream *bodyStream // the body, if streamed

	ctx    context.Context // the request's; set on the loop before the worker starts
	remote string          // the client's address
	cancel context.CancelFunc
	rw     stdResponse

	fieldBuf [8]field // the fields of most requests, saving an allocation

	ack             chan error // a write's callback tells the worker to go on (made on the first write that waits)
	waitingWritable bool       // loop: a write waits for the connection to drain
	closed          bool       // loop: the connection has closed
}

// dispatch hands a request to the worker pool: a complete one, or, with
// st, its head, the body to follow through st. It runs on the loop; req
// is valid only during the call, so the exchange copies it. It reports
// false if no worker could take the request, which has then been
// answered with 503.
func (ss *session) dispatch(c netloop.Conn, req []byte, st *bodyStream) bool {
	s := ss.srv
	ex := &exchange{s: s, ss: ss, c: c, raw: bytes.Clone(req), p: ss.p, stream: st}
	ex.p.fields = append(ex.fieldBuf[:0], ss.p.fields...)
	ex.p.body = nil
	if ss.p.chunked && st == nil {
		ex.p.body = bytes.Clone(ss.p.body)
	}
	if s.draining.Load() {
		ex.p.closeAfter = true
	}
	// The context is made here, on the loop, so that OnClose can end it
	// whatever the worker is doing. What every request of the connection
	// shares is made once, as net/http does.
	if ss.base == nil {
		ss.base = context.WithValue(context.Background(), http.LocalAddrContextKey, c.LocalAddr())
		ss.remote = c.RemoteAddr().String()
	}
	ex.remote = ss.remote
	ex.ctx, ex.cancel = context.WithCancel(ss.base)
	// Busy and counted before the worker can start, so that Shutdown
	// never sees a running handler as idle.
	ss.busy, ss.ex = true, ex
	ss.setActive(true)
	if err := s.workers.TrySubmit(ex.run); err != nil {
		ex.cancel()
		ss.busy, ss.ex = false, nil
		// Every worker busy and the queue full (or the pool closing):
		// shed the request rather than block the loop.
		c.Write(s.appendUnavailable(nil))
		return false
	}
	if s.opts.IdleTimeout > 0 {
		c.SetIdleTimeout(0) // a slow handler is not an idle client
	}
	ss.since = 0
	if ss.armed {
		ss.armed = false
		c.SetReadTimeout(0)
	}
	return true
}

func (s *Server) appendUnavailable(out []byte) []byte {
	const msg = "503 Service Unavailable: every worker is busy\n"
	out = appendStatusLine(out, 503)
	out = append(out, s.date.line()...)
	out = append(out, "Content-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\nContent-Length: "...)
	out = append(out, itoa(len(msg))...)
	out = append(out, "\r\n\r\n"...)
	return append(out, msg...)
}

// run serves the request on a worker goroutine.
func (ex *exchange) run() {
	if ex.stream != nil {
		defer ex.stream.Close() // what the handler left unread is dropped
	}
	req, err := ex.request()
	if err != nil {
		// A target net/http would refuse: answer as it would, 400.
		ex.rw.init(ex, false)
		ex.rw.closeAfter = true
		ex.rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ex.rw.WriteHeader(http.StatusBadRequest)
		ex.rw.Write([]byte("400 Bad Request: " + err.Error() + "\n"))
		ex.rw.finish()
		ex.cancel()
		return
	}
	ex.rw.init(ex, req.Method == "HEAD")
	if ex.serve(req) {
		// net/http's answer to a panic: no response, close the
		// connection.
		ex.cancel()
		ex.c.Close()
		return
	}
	ex.rw.finish()
	ex.cancel()
}

// serve runs the handler and reports whether it panicked.
func (ex *exchange) serve(req *http.Request) (panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			panicked = true
			if v != http.ErrAbortHandler {
				ex.s.opts.Logger.Error("httpd: net/http handler panicked",
					"remote", req.RemoteAddr, "uri", req.RequestURI, "panic", v, "stack", string(debug.Stack()))
			}
		}
	}()
	ex.s.std.ServeHTTP(&ex.rw, req)
	return false
}

// request builds the *http.Request that net/http's server would.
func (ex *exchange) request() (*http.Request, error) {
	r := Request{b: ex.raw, p: &ex.p, c: ex.c}
	p := &ex.p
	// One string holds every string the request needs (target, header
	// values): one allocation, not one per field.
	text := string(ex.raw[:p.headEnd])
	target := p.target.in(text)
	var u *url.URL
	switch p.form {
	case authorityForm:
		u = &url.URL{Host: target}
	case asteriskForm:
		u = &url.URL{Path: "*"}
	default:
		var err error
		if u, err = url.ParseRequestURI(target); err != nil {
			return nil, err
		}
	}
	// Host goes to Request.Host and not into the map, as net/http does;
	// it is left out while the map is built rather than deleted after.
	header := make(http.Header, p.nHeaders)
	values := make([]string, p.nHeaders) // one block for every value, as net/http does
	var canon [64]byte
	hostField := ""
	for i, f := range p.fields[:p.nHeaders] {
		key := canonicalKey(canon[:0], f.name.of(ex.raw))
		values[i] = f.value.in(text)
		if key == "Host" {
			if hostField == "" {
				hostField = values[i]
			}
			continue
		}
		if old, ok := header[key]; ok {
			header[key] = append(old, values[i])
		} else {
			header[key] = values[i : i+1 : i+1]
		}
	}
	host := u.Host
	if host == "" {
		host = hostField
	}

	req := (&http.Request{}).WithContext(ex.ctx)
	req.Method = method(r.Method())
	req.URL = u
	switch proto := r.Proto(); string(proto) {
	case "HTTP/1.1":
		req.Proto = "HTTP/1.1"
	case "HTTP/1.0":
		req.Proto = "HTTP/1.0"
	default:
		req.Proto = string(proto)
	}
	req.ProtoMajor, req.ProtoMinor = 1, int(p.minor)
	req.Header = header
	req.Host = host
	req.Close = p.closeAfter
	req.RemoteAddr = ex.remote
	req.RequestURI = target
	if ex.stream != nil {
		ex.stream.req = req
		req.Body = ex.stream
		req.ContentLength = p.contentLength
		if p.chunked {
			req.ContentLength = -1
			req.TransferEncoding = []string{"chunked"}
			req.Trailer = declaredTrailers(header)
		}
		return req, nil
	}
	body := r.Body()
	req.ContentLength = int64(len(body))
	if p.chunked {
		req.ContentLength = -1
		req.TransferEncoding = []string{"chunked"}
		if n := r.NumTrailers(); n > 0 {
			req.Trailer = make(http.Header, n)
			for i := 0; i < n; i++ {
				name, value := r.TrailerAt(i)
				req.Trailer.Add(string(name), string(value))
			}
		}
	}
	req.Body = http.NoBody
	if len(body) > 0 || p.chunked {
		req.Body = nopCloser{bytes.NewReader(body)}
	}
	return req, nil
}

// declaredTrailers is the Trailer map of a request whose body is still to
// come: the fields its Trailer header announces, without values yet, as
// net/http gives it.
func declaredTrailers(h http.Header) http.Header {
	var t http.Header
	for _, v := range h["Trailer"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				if t == nil {
					t = make(http.Header)
				}
				t[http.CanonicalHeaderKey(name)] = nil
			}
		}
	}
	return t
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// method returns the method as a string, without allocating for the
// common ones.
func method(m []byte) string {
	switch string(m) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "OPTIONS":
		return "OPTIONS"
	case "PATCH":
		return "PATCH"
	case "CONNECT":
		return "CONNECT"
	case "TRACE":
		return "TRACE"
	}
	return string(m)
}

// commonKeys are the canonical header keys most requests use: looking
// them up spares an allocation per field.
var commonKeys = func() map[string]string {
	m := make(map[string]string)
	for _, k := range []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Authorization",
		"Cache-Control", "Connection", "Content-Length", "Content-Type", "Cookie", "Date",
		"Expect", "Host", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
		"If-Unmodified-Since", "Origin", "Pragma", "Range", "Referer", "Te", "Trailer",
		"Transfer-Encoding", "Upgrade", "User-Agent", "Via", "X-Forwarded-For",
		"X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip", "X-Request-Id",
	} {
		m[k] = k
	}
	return m
}()

// canonicalKey returns name in net/http's canonical form ("content-type"
// becomes "Content-Type"); buf is scratch for the conversion.
func canonicalKey(buf, name []byte) string {
	upper := true
	for _, c := range name {
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
		upper = c == '-'
	}
	if k, ok := commonKeys[string(buf)]; ok {
		return k
	}
	return string(buf)
}
