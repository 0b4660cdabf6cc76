package httpd

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netloop/netloop"
)

// stdChunk is how much response body a net/http handler's writes gather
// before they go to the connection: a response that fits is sent whole
// with a Content-Length, one that does not is streamed in chunks of this
// size, each waiting for the previous to be taken (backpressure).
const stdChunk = 32 << 10

// stdResponse is the http.ResponseWriter of one exchange. It runs on the
// handler's goroutine and reaches the connection only through AsyncWritev,
// whose callbacks run on the loop.
type stdResponse struct {
	ex     *exchange
	header http.Header // what the handler sees
	// The header as of WriteHeader (net/http's snapshot), kept as the
	// fields it will be sent with plus the facts framing needs: cheaper
	// than a copy of the map.
	fields     []byte   // the status line and the fields, serialized, without the framing fields (from Server.stdBufs)
	connection []string // Connection values other than "close"
	te         string   // the Transfer-Encoding the handler set
	hasType    bool     // Content-Type is set
	hasDate    bool
	hasServer  bool

	status      int
	wroteHeader bool // the final status is decided
	headSent    bool // the head has gone out
	finished    bool
	hijacked    bool      // Hijack has taken the connection over
	wdeadline   time.Time // SetWriteDeadline's; zero: none
	head        bool      // answering HEAD: the body is counted, not sent
	chunked     bool
	closeAfter  bool
	declared    int64 // Content-Length the handler set, or -1
	written     int64
	err         error // the connection failed; writes fail with it

	headBuf  []byte   // the framed head, fields grown into it (from Server.stdBufs)
	body     []byte   // body bytes not yet sent (from Server.stdBufs)
	prefix   [20]byte // a chunk-size line
	vecs     [5][]byte
	trailers []string // declared trailer keys
}

func (w *stdResponse) init(ex *exchange, head bool) {
	*w = stdResponse{ex: ex, header: make(http.Header), head: head, declared: -1,
		closeAfter: ex.p.closeAfter, body: ex.s.stdBufs.Get(4096)[:0]}
}

// Header returns the header map the response will be sent with.
func (w *stdResponse) Header() http.Header { return w.header }

// WriteHeader sends (1xx) or decides (others) the status.
func (w *stdResponse) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.hijacked {
		w.ex.s.opts.Logger.Warn("httpd: WriteHeader on a hijacked connection", "code", code)
		return
	}
	if w.wroteHeader || w.finished {
		w.ex.s.opts.Logger.Warn("httpd: superfluous WriteHeader call", "code", code)
		return
	}
	if code >= 100 && code <= 199 && code != 101 {
		// An interim response (103 Early Hints, say) goes out at once.
		if code == 100 || w.err != nil {
			return // the server has answered Expect: 100-continue itself
		}
		h := appendStatusLine(nil, code)
		h = appendFields(h, w.header)
		h = append(h, "\r\n"...)
		w.err = w.ex.write([][]byte{h}, false, w.wdeadline)
		return
	}
	w.wroteHeader = true
	w.status = code
	w.snapshot()
}

// snapshot takes from the header what the response will be sent with:
// later changes to the map have no effect (but trailers), as in net/http.
// One pass over the map both picks out the fields that matter to framing
// and collects the names to send; a lookup per field would cost more.
func (w *stdResponse) snapshot() {
	h := w.header
	var small [16]string
	keys := small[:0]
	for k, vs := range h {
		switch k {
		case "Content-Length":
			if cl := firstOf(vs); cl != "" {
				n, err := strconv.ParseInt(cl, 10, 64)
				if err != nil || n < 0 {
					w.ex.s.opts.Logger.Warn("httpd: invalid Content-Length from handler", "value", cl)
				} else {
					w.declared = n
				}
			}
			continue // framing: written by frame
		case "Transfer-Encoding":
			w.te = firstOf(vs)
			continue
		case "Connection":
			for _, v := range vs {
				if hasToken([]string{v}, "close") {
					w.closeAfter = true
				} else {
					w.connection = append(w.connection, sanitize(v))
				}
			}
			continue
		case "Content-Type":
			w.hasType = true
		case "Date":
			w.hasDate = true
		case "Server":
			w.hasServer = firstOf(vs) != ""
		case "Trailer":
			for _, v := range vs {
				for k := range strings.SplitSeq(v, ",") {
					if k = strings.TrimSpace(k); k != "" {
						w.trailers = append(w.trailers, http.CanonicalHeaderKey(k))
					}
				}
			}
		}
		if sendable(k) {
			keys = append(keys, k)
		}
	}
	// The head is built in one pooled buffer: the status line now, the
	// framing fields once frame knows them.
	w.fields = appendSorted(appendStatusLine(w.ex.s.stdBufs.Get(512)[:0], w.status), h, keys)
}

// Write buffers p, sending the buffer when it is full.
func (w *stdResponse) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if w.finished {
		return 0, http.ErrHandlerTimeout
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if w.head {
		if !w.headSent && len(w.body) < 512 {
			w.body = append(w.body, p[:min(len(p), 512-len(w.body))]...) // for sniffing only
		}
		return len(p), nil
	}
	n := len(p)
	for len(p) > 0 {
		room := stdChunk - len(w.body)
		if room == 0 {
			if err := w.send(false); err != nil {
				return n - len(p), err
			}
			continue
		}
		k := min(room, len(p))
		w.body = append(w.body, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

// WriteString is Write for strings, as io.WriteString looks for.
func (w *stdResponse) WriteString(s string) (int, error) {
	return w.Write([]byte(s))
}

// Flush sends what is buffered (http.Flusher).
func (w *stdResponse) Flush() { w.FlushError() }

// FlushError is Flush reporting failure (what http.ResponseController
// looks for).
func (w *stdResponse) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if w.finished {
		return http.ErrHandlerTimeout
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return w.err
	}
	return w.send(false)
}

// SetReadDeadline bounds the handler's reads of a streamed request body
// (what http.ResponseController looks for): a read still waiting for
// bytes then fails with os.ErrDeadlineExceeded. A body that came whole
// with its head is read from memory, and no deadline applies.
func (w *stdResponse) SetReadDeadline(t time.Time) error {
	if st := w.ex.stream; st != nil {
		st.setDeadline(t)
	}
	return nil
}

// SetWriteDeadline bounds the response's writes (what
// http.ResponseController looks for): a write or flush still waiting at
// t for the client to take earlier bytes fails with
// os.ErrDeadlineExceeded, and the connection closes, since the response
// cannot be completed.
func (w *stdResponse) SetWriteDeadline(t time.Time) error {
	w.wdeadline = t
	return nil
}

// EnableFullDuplex is what http.ResponseController looks for: the
// adapter always lets a handler read the body after it has begun to
// write its response.
func (w *stdResponse) EnableFullDuplex() error { return nil }

// finish completes the response after the handler has returned; its
// write's callback resumes the connection on the loop.
func (w *stdResponse) finish() {
	if w.hijacked {
		// The connection is the handler's: the exchange stays open,
		// the session busy, until it closes.
		w.finished = true
		w.release()
		return
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		w.finished = true
		w.release()
		w.ex.done(w.err)
		return
	}
	if st := w.ex.stream; st != nil && !st.ended() {
		// The rest of the body is still to come, and the next request
		// behind it: the connection closes after this response.
		w.closeAfter = true
	}
	w.send(true)
	w.finished = true
}

// send frames the head (once) and the buffered body, and writes them;
// unless last, it waits until the loop has taken them and the
// connection is writable again.
func (w *stdResponse) send(last bool) error {
	vecs := w.vecs[:0]
	if !w.headSent {
		w.headSent = true
		w.frame(last)
		vecs = append(vecs, w.headBuf)
	}
	body := w.body
	if w.head || !bodyAllowed(w.status) {
		body = nil
	}
	switch {
	case w.chunked && len(body) > 0:
		vecs = append(vecs, strconv.AppendInt(w.prefix[:0], int64(len(body)), 16), crlf, body, crlf)
	case len(body) > 0:
		vecs = append(vecs, body)
	}
	if last {
		if w.chunked {
			vecs = append(vecs, w.lastChunk())
		}
		if w.declared >= 0 && w.written < w.declared && !w.head {
			w.closeAfter = true // the client cannot tell the body is short
		}
		return w.ex.write(vecs, true, time.Time{})
	}
	if len(vecs) == 0 {
		return nil
	}
	err := w.ex.write(vecs, false, w.wdeadline)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The loop may not have taken the bytes yet: until it has, the
		// buffers are its, not the pool's.
		w.body, w.headBuf = nil, nil
	} else {
		w.body = w.body[:0] // the write has been taken: the buffer is free
	}
	if err != nil {
		w.err = err
	}
	return err
}

var crlf = []byte("\r\n")

// frame builds the head, deciding the framing as net/http's chunkWriter
// does: a Content-Length when the handler has finished (or declared one),
// else chunked for HTTP/1.1, else the end of the connection.
func (w *stdResponse) frame(handlerDone bool) {
	ex := w.ex
	te := w.te
	trailers := len(w.trailers) > 0
	for k := range w.header {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			trailers = true
		}
	}
	var length int64 = -1
	allowed := bodyAllowed(w.status)
	switch {
	case !allowed || w.head:
		if w.declared >= 0 {
			length = w.declared
		} else if handlerDone && allowed && w.written > 0 && !trailers {
			length = w.written
		}
	case w.declared >= 0:
		length = w.declared
	case te == "identity":
		w.closeAfter = true
	case handlerDone && !trailers && te == "":
		length = w.written
	case ex.p.minor >= 1:
		w.chunked = true
	default:
		w.closeAfter = true // HTTP/1.0: the body ends with the connection
	}
	if ex.s.draining.Load() {
		w.closeAfter = true
	}
	b := w.fields
	w.fields = nil
	if ex.s.opts.ServerName != "" && !w.hasServer {
		b = append(b, "Server: "...)
		b = append(b, ex.s.opts.ServerName...)
		b = append(b, "\r\n"...)
	}
	if !w.hasDate {
		b = append(b, ex.s.date.line()...)
	}
	if length >= 0 && w.status != 204 && w.status >= 200 {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, length, 10)
		b = append(b, "\r\n"...)
	}
	if !w.hasType && allowed && len(w.body) > 0 {
		b = append(b, "Content-Type: "...)
		b = append(b, http.DetectContentType(w.body)...)
		b = append(b, "\r\n"...)
	}
	for _, v := range w.connection {
		b = append(b, "Connection: "...)
		b = append(b, v...)
		b = append(b, "\r\n"...)
	}
	switch {
	case w.closeAfter:
		b = append(b, "Connection: close\r\n"...)
	case ex.p.minor == 0:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	if w.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	w.headBuf = append(b, "\r\n"...)
}

// lastChunk is the last-chunk and trailer section.
func (w *stdResponse) lastChunk() []byte {
	t := http.Header{}
	for _, k := range w.trailers {
		if vs, ok := w.header[k]; ok {
			t[k] = vs
		}
	}
	for k, vs := range w.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			t[http.CanonicalHeaderKey(name)] = vs
		}
	}
	b := append([]byte(nil), "0\r\n"...)
	b = appendFields(b, t)
	return append(b, "\r\n"...)
}

// firstOf is the first of a field's values, or "".
func firstOf(vs []string) string {
	if len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// appendFields writes h's fields sorted by key, as net/http does: fields
// with invalid names are dropped and CR, LF and other controls in values
// become spaces, so no value can split the response.
func appendFields(b []byte, h http.Header) []byte {
	var small [16]string
	keys := small[:0]
	for k := range h {
		if sendable(k) {
			keys = append(keys, k)
		}
	}
	return appendSorted(b, h, keys)
}

// sendable reports whether a field called k may be written: a valid name
// and not a trailer announced with http.TrailerPrefix.
func sendable(k string) bool {
	return !strings.HasPrefix(k, http.TrailerPrefix) && validName(k)
}

// appendSorted writes the fields of h named in keys, sorted by key.
func appendSorted(b []byte, h http.Header, keys []string) []byte {
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, sanitize(v)...)
			b = append(b, "\r\n"...)
		}
	}
	return b
}

func validName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if class[k[i]]&isToken == 0 {
			return false
		}
	}
	return true
}

func sanitize(v string) string {
	for i := 0; i < len(v); i++ {
		if class[v[i]]&isFieldByte == 0 {
			b := []byte(v)
			for j := range b {
				if class[b[j]]&isFieldByte == 0 {
					b[j] = ' '
				}
			}
			v = string(b)
			break
		}
	}
	return strings.TrimSpace(v)
}

// hasToken reports whether a comma-separated field holds tok (any case).
func hasToken(values []string, tok string) bool {
	for _, v := range values {
		for e := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(e), tok) {
				return true
			}
		}
	}
	return false
}

// write sends vecs from the handler's goroutine. Unless last, it waits for
// the loop to take them (the slices are then free again) and for the
// connection to be writable: a client that reads slowly slows the handler
// down instead of growing the server's buffers. A wait still going on at
// deadline (if not zero) fails with os.ErrDeadlineExceeded, and the
// connection is closed: the response cannot be completed. The last
// write's callback finishes the exchange on the loop.
func (ex *exchange) write(vecs [][]byte, last bool, deadline time.Time) error {
	if last {
		err := ex.c.AsyncWritev(vecs, lastWritten)
		if err != nil {
			ex.rw.release()
		}
		return err
	}
	if ex.ack == nil {
		ex.ack = make(chan error, 1)
	}
	if err := ex.c.AsyncWritev(vecs, ex.taken); err != nil {
		return err
	}
	if deadline.IsZero() {
		return <-ex.ack
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case err := <-ex.ack:
		return err
	case <-t.C:
		ex.c.Wake(abandon)
		return os.ErrDeadlineExceeded
	}
}

// abandonAfter is how long a connection whose response missed its write
// deadline may take to send what it had taken before it is dropped.
const abandonAfter = 10 * time.Millisecond

// abandon closes, on the loop, a connection whose response cannot be
// completed: its pending output gets abandonAfter to make progress.
func abandon(c netloop.Conn, err error) {
	if err == nil {
		c.SetWriteTimeout(abandonAfter)
		c.Close()
	}
}

// taken is the callback of a write that waits: it runs on the loop once
// the loop has taken the bytes, and acknowledges the write once the
// connection is writable.
func (ex *exchange) taken(c netloop.Conn, err error) {
	switch {
	case err != nil:
		ex.ack <- err
	case !c.Writable() && !ex.closed:
		ex.waitingWritable = true // OnWritabilityChanged or OnClose acks
		return
	default:
		ex.ack <- nil
	}
	// The writer goes on once this batch is served, rather than when the
	// runtime next takes the P from the polling loop.
	c.Yield()
}

// lastWritten is the callback of an exchange's last write: it runs on the
// loop once the loop has taken the bytes, and finishes the exchange. One
// function for all exchanges, found through the connection, rather than
// a closure allocated per request.
func lastWritten(c netloop.Conn, err error) {
	ss, _ := c.Context().(*session)
	if ss == nil || ss.ex == nil {
		return // closed meanwhile: OnClose has ended the exchange
	}
	ex := ss.ex
	ex.rw.release()
	ex.done(err)
}

// release returns the response's pooled buffers once nothing refers to
// them any more.
func (w *stdResponse) release() {
	bufs := w.ex.s.stdBufs
	bufs.Put(w.body)
	if w.headBuf != nil {
		bufs.Put(w.headBuf)
	}
	if w.fields != nil {
		bufs.Put(w.fields)
	}
	w.body, w.headBuf, w.fields = nil, nil, nil
}

// writable runs on the loop when the connection has drained.
func (ex *exchange) writable() {
	if ex.waitingWritable {
		ex.waitingWritable = false
		ex.ack <- nil
		ex.c.Yield() // as in taken
	}
}

// abort runs on the loop when the connection closes mid-exchange.
func (ex *exchange) abort() {
	ex.closed = true
	ex.cancel()
	if ex.stream != nil {
		ex.stream.end(io.ErrUnexpectedEOF, nil) // a body cut short, if it was not whole
	}
	if ex.waitingWritable {
		ex.waitingWritable = false
		ex.ack <- netloop.ErrClosed
	}
}

// done ends the exchange. From the last write's callback it runs on the
// loop; after a failed write it runs on the worker, where it does
// nothing, since the connection has closed and OnClose has cleaned up.
func (ex *exchange) done(err error) {
	if err != nil || ex.closed {
		return
	}
	ss, c := ex.ss, ex.c
	ss.ex, ss.busy = nil, false
	ss.bodyDeadline = 0
	if ss.stream != nil || ss.bodyCut {
		ss.linger(c)
		return
	}
	if ex.rw.closeAfter {
		ss.setActive(false)
		c.Close()
		return
	}
	if ex.s.opts.IdleTimeout > 0 {
		c.SetIdleTimeout(ex.s.opts.IdleTimeout)
	}
	ss.release(c)
	if !c.Writable() {
		ss.stalled = true // the next pipelined request waits until the client reads
		return
	}
	ss.serveNext(c)
}

// serveNext serves the requests pipelined behind the one just answered,
// and closes the connection once everything is answered if the client
// has half-closed.
func (ss *session) serveNext(c netloop.Conn) {
	if ss.serve(c) == netloop.Close || (ss.eof && !ss.answering()) {
		c.Close() // (after an EOF: the last request has been answered)
	}
	ss.yieldToWorker(c) // the next pipelined request, if serve handed one over
}
