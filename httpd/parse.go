package httpd

import (
	"math"
)

// The request parser: a resumable state machine over the bytes of one
// request as they arrive. The bytes of a request stay where they are (in
// the connection's buffer, which netloop keeps contiguous) until the whole
// request is there, so the parser records only offsets from the request's
// first byte: when more bytes come, it resumes where it stopped, and every
// byte is examined once however the request was split into reads. Nothing
// is allocated once the field table (and, for chunked bodies, the body
// buffer) has grown to the connection's largest request.
//
// Strictness is the point (RFC 9112): a lenient parser behind a proxy that
// frames a request differently is a request-smuggling hole. So lines end
// with CRLF only (no bare LF or CR anywhere), separators are single spaces,
// obs-fold is refused, and framing is refused unless it is unambiguous: a
// request with both Content-Length and Transfer-Encoding, with differing
// Content-Lengths, with a transfer coding other than a final chunked, or
// with any number too large to represent.

// parseState is where in a request the parser is.
type parseState uint8

const (
	stBlank     parseState = iota // empty lines before the request line
	stMethod                      // in the method
	stTarget                      // in the request-target
	stVersion                     // in the HTTP-version and its CRLF
	stFields                      // in the header section
	stBody                        // in a Content-Length body
	stChunkSize                   // in a chunk-size line
	stChunkData                   // in chunk data
	stChunkEnd                    // at the CRLF after chunk data
	stTrailers                    // in the trailer section
	stDone                        // the request is complete
)

// chunk-size line states: where in "1a;name=value\r\n" the scan is.
const (
	csDigits     uint8 = iota // hex digits
	csBeforeSemi              // BWS before ";" (or the CR)
	csAfterSemi               // BWS after ";"
	csName                    // ext-name
	csAfterName               // BWS after ext-name: "=", ";" or CR
	csAfterEq                 // BWS after "="
	csToken                   // a token ext-val
	csQuoted                  // a quoted-string ext-val
	csQuotedPair              // after a backslash in it
	csAfterQuote              // after the closing quote
	csCR                      // after CR: LF must follow
)

const (
	// maxChunkLine bounds a chunk-size line with its extensions.
	maxChunkLine = 4096
	// maxChunkExcess is how far a chunked body's framing may exceed the
	// allowance of 16 bytes plus twice the data per chunk (the rule Go's
	// net/http applies): it stops a body of tiny chunks with long
	// extensions from costing far more than its data.
	maxChunkExcess = 16 << 10
)

// span is a byte range [s, e) of a request, counted from its first byte.
type span struct{ s, e int32 }

func (sp span) len() int { return int(sp.e - sp.s) }

// of returns the bytes sp covers in b, the request's bytes.
func (sp span) of(b []byte) []byte { return b[sp.s:sp.e:sp.e] }

// in returns the text sp covers in s, the request's bytes as a string.
func (sp span) in(s string) string { return s[sp.s:sp.e] }

// field is one header or trailer field line.
type field struct{ name, value span }

// Target forms of RFC 9112, section 3.2.
const (
	originForm uint8 = iota
	absoluteForm
	authorityForm
	asteriskForm
)

// parser holds what is known about the request being received. Its zero
// value is not ready: newParser sets the limits.
type parser struct {
	opts   *Options
	fields []field // header fields, then trailer fields
	body   []byte  // a chunked body, decoded
	// holdBody: stop at the end of a head announcing a body (held), so
	// that a StreamHandler decides how the body is taken before any of it
	// is parsed or its size checked.
	holdBody bool
	progress
}

// progress is the parser's state for one request. It holds no pointers,
// so that reset clears it with a few wide stores rather than field by
// field with write barriers.
type progress struct {
	state parseState
	sub   uint8 // chunk-size line state
	pos   int   // the next byte to examine
	scan  int   // where the search for the current line's LF resumes
	start int   // where the current line (or section) starts

	method, target, path, query, authority span
	percent, question                      int32 // the target's first '%' and '?'; 0 if none
	form                                   uint8
	minor                                  uint8 // HTTP/1.minor
	headEnd                                int   // first byte after the head

	nHeaders int // how many of fields are header fields

	host                          span
	hostCount                     int
	contentLength                 int64 // -1: no Content-Length field
	teSeen, chunked, teNotLast    bool
	teOther                       bool
	closeToken, keepAliveToken    bool
	expectContinue, sentContinue  bool
	closeAfter                    bool // the connection closes after this request
	held                          bool // holdBody: the head is done, its body waits for release
	streamed                      bool // the body goes to a BodyReceiver
	chunkLeft, chunkExcess, bodyN int64
	chunkLineStart                int
	end                           int // first byte after the request
}

func newParser(o *Options) parser {
	return parser{opts: o, progress: progress{contentLength: -1}}
}

// reset readies p for the connection's next request, keeping its buffers.
func (p *parser) reset() {
	p.fields = p.fields[:0]
	if cap(p.body) > 64<<10 {
		p.body = nil // a rare large body is not worth keeping per connection
	} else {
		p.body = p.body[:0]
	}
	p.progress = progress{contentLength: -1}
}

// pending reports whether part of a request has been received.
func (p *parser) pending() bool { return p.state != stBlank || p.pos > 0 }

// headDone reports whether the whole head has been received.
func (p *parser) headDone() bool { return p.state >= stBody }

// maxBody is the bound on the body of the request being parsed.
func (p *parser) maxBody() int64 {
	if p.streamed {
		return p.opts.MaxStreamedBodyBytes
	}
	return p.opts.MaxBodyBytes
}

// release lets the parse of a held body go on: buffered whole, or, with
// streamed, passed on as it is decoded, under the bound of its kind.
func (p *parser) release(streamed bool) error {
	p.held, p.streamed = false, streamed
	if p.contentLength > p.maxBody() {
		return refuse(ErrBodyTooLarge, "Content-Length %d exceeds %d", p.contentLength, p.maxBody())
	}
	return nil
}

// parse examines b, the request's bytes received so far (b[0] is its first
// byte; b may run on into the requests pipelined after it). It returns
// true once the request is complete, with p.end its length; false when it
// needs more bytes; or an error wrapping one of ErrMalformed,
// ErrURITooLong, ... that says how to refuse the request.
func (p *parser) parse(b []byte) (bool, error) {
	if len(b) > math.MaxInt32 {
		b = b[:math.MaxInt32] // offsets are int32; the limits are far below
	}
	for {
		var ok bool
		var err error
		switch p.state {
		case stBlank:
			ok, err = p.blank(b)
		case stMethod:
			ok, err = p.methodBytes(b)
		case stTarget:
			ok, err = p.targetBytes(b)
		case stVersion:
			ok, err = p.version(b)
		case stFields, stTrailers:
			ok, err = p.fieldLines(b)
		case stBody:
			if p.held || int64(len(b)-p.headEnd) < p.contentLength {
				return false, nil
			}
			p.end = p.headEnd + int(p.contentLength)
			p.state = stDone
			ok = true
		case stChunkSize:
			if p.held {
				return false, nil
			}
			ok, err = p.chunkSize(b)
		case stChunkData:
			ok = p.chunkData(b)
		case stChunkEnd:
			ok, err = p.chunkEnd(b)
		case stDone:
			return true, nil
		}
		if err != nil || !ok {
			return false, err
		}
	}
}

// blank skips the empty lines a server should ignore before a request
// (RFC 9112, section 2.2), and finds where the method starts.
func (p *parser) blank(b []byte) (bool, error) {
	for p.pos < len(b) {
		switch b[p.pos] {
		case '\r':
			if p.pos+1 == len(b) {
				return false, nil
			}
			if b[p.pos+1] != '\n' {
				return false, refuse(ErrMalformed, "bare CR before the request line")
			}
			p.pos += 2
			if p.pos > p.opts.MaxHeaderBytes {
				return false, refuse(ErrMalformed, "%d bytes of empty lines before the request line", p.pos)
			}
		case '\n':
			return false, refuse(ErrMalformed, "bare LF before the request line")
		default:
			p.method.s = int32(p.pos)
			p.state = stMethod
			return true, nil
		}
	}
	return false, nil
}

func (p *parser) methodBytes(b []byte) (bool, error) {
	// The scan runs on a local index, stored back once: p.pos in the loop
	// would be loaded and stored on every byte.
	i, start := p.pos, int(p.method.s)
	if i == start && len(b)-i >= 4 && string(b[i:i+4]) == "GET " {
		i += 3 // the most common method, known in one comparison
	}
	for ; i < len(b); i++ {
		c := b[i]
		if class[c]&isToken != 0 {
			if i-start >= maxMethod {
				p.pos = i
				return false, refuse(ErrNotImplemented, "method longer than %d bytes", maxMethod)
			}
			continue
		}
		p.pos = i
		if c != ' ' || i == start {
			return false, refuse(ErrMalformed, "invalid byte %#02x in the method", c)
		}
		p.method.e = int32(i)
		p.pos++
		p.target.s = int32(p.pos)
		p.state = stTarget
		return true, nil
	}
	p.pos = i
	return false, nil
}

func (p *parser) targetBytes(b []byte) (bool, error) {
	i, start := p.pos, int(p.target.s)
	max := start + p.opts.MaxURIBytes
	for ; i < len(b); i++ {
		c := b[i]
		if k := class[c]; k&isTarget != 0 {
			if i >= max {
				p.pos = i
				return false, refuse(ErrURITooLong, "request-target longer than %d bytes", p.opts.MaxURIBytes)
			}
			if k&isTargetMark != 0 {
				p.mark(c, i)
			}
			continue
		}
		p.pos = i
		if c != ' ' || i == start {
			return false, refuse(ErrMalformed, "invalid byte %#02x in the request-target", c)
		}
		p.target.e = int32(i)
		p.pos++
		p.state = stVersion
		return true, nil
	}
	p.pos = i
	return false, nil
}

// version reads "HTTP/1.x" CRLF: eight bytes, then the line end.
func (p *parser) version(b []byte) (bool, error) {
	if len(b)-p.pos < 10 {
		// Refuse early what cannot become a version, so that a client
		// speaking something else is not left waiting.
		for i, c := range b[p.pos:] {
			if !versionPrefixOK(i, c) {
				return false, refuse(ErrMalformed, "invalid HTTP-version")
			}
		}
		return false, nil
	}
	v := b[p.pos : p.pos+10]
	if string(v) == "HTTP/1.1\r\n" {
		p.minor = 1 // the common case, in two comparisons
	} else {
		if string(v[:5]) != "HTTP/" || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7]) ||
			v[8] != '\r' || v[9] != '\n' {
			return false, refuse(ErrMalformed, "invalid HTTP-version or line end %q", v)
		}
		if v[5] != '1' {
			return false, refuse(ErrVersion, "HTTP/%c.%c", v[5], v[7])
		}
		p.minor = v[7] - '0'
	}
	p.pos += 10
	p.start, p.scan = p.pos, p.pos
	p.state = stFields
	return true, p.targetForm(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// versionPrefixOK reports whether c can be byte i of "HTTP/d.d\r\n".
func versionPrefixOK(i int, c byte) bool {
	switch {
	case i < 5:
		return c == "HTTP/"[i]
	case i == 5 || i == 7:
		return isDigit(c)
	case i == 6:
		return c == '.'
	case i == 8:
		return c == '\r'
	}
	return c == '\n'
}

// targetForm classifies the request-target and splits it into path,
// query and authority (RFC 9112, section 3.2).
func (p *parser) targetForm(b []byte) error {
	t := p.target.of(b)
	for i := int(p.percent - p.target.s); p.percent > 0 && i < len(t); i++ {
		if t[i] == '%' && (i+2 >= len(t) || class[t[i+1]]&isHex == 0 || class[t[i+2]]&isHex == 0) {
			return refuse(ErrMalformed, "invalid percent-encoding in the request-target")
		}
	}
	method := p.method.of(b)
	switch {
	case string(method) == "CONNECT":
		if err := validAuthority(t); err != nil {
			return err
		}
		p.form = authorityForm
		p.authority = p.target
		return nil
	case t[0] == '/':
		p.form = originForm
		p.splitPath(p.target.s)
		return nil
	case len(t) == 1 && t[0] == '*':
		if string(method) != "OPTIONS" {
			return refuse(ErrMalformed, "asterisk-form request-target with method %q", method)
		}
		p.form = asteriskForm
		p.path = p.target
		return nil
	}
	// absolute-form: scheme "://" authority path-abempty [ "?" query ]
	i := 0
	for i < len(t) && (lower(t[i]) >= 'a' && lower(t[i]) <= 'z' || i > 0 && (isDigit(t[i]) || t[i] == '+' || t[i] == '-' || t[i] == '.')) {
		i++
	}
	if i == 0 || len(t)-i < 3 || string(t[i:i+3]) != "://" {
		return refuse(ErrMalformed, "request-target %q is in no known form", t)
	}
	a := i + 3
	e := a
	for e < len(t) && t[e] != '/' && t[e] != '?' {
		e++
	}
	if err := validAuthority(t[a:e]); err != nil {
		return err
	}
	p.form = absoluteForm
	p.authority = span{p.target.s + int32(a), p.target.s + int32(e)}
	p.splitPath(p.target.s + int32(e))
	return nil
}

// splitPath sets path and query from the target's bytes from s on. The
// query starts at the target's first '?' (targetBytes noted it): an
// authority before s ends at a '?' if it holds one.
func (p *parser) splitPath(s int32) {
	end := p.target.e
	if q := p.question; q > 0 {
		p.path = span{s, q}
		p.query = span{q + 1, end}
		return
	}
	p.path = span{s, end}
	p.query = span{end, end}
}

// mark notes where in the request-target the first '%' and the first
// '?' are, so that targetForm need not search for them.
func (p *parser) mark(c byte, i int) {
	switch {
	case c == '%' && p.percent == 0:
		p.percent = int32(i)
	case c == '?' && p.question == 0:
		p.question = int32(i)
	}
}

// validAuthority checks uri-host [":" port] without userinfo (RFC 9110,
// section 4.2.4: a recipient should treat userinfo as an error).
func validAuthority(a []byte) error {
	if len(a) == 0 {
		return refuse(ErrMalformed, "empty authority in the request-target")
	}
	for _, c := range a {
		if class[c]&isHostByte == 0 {
			return refuse(ErrMalformed, "invalid byte %#02x in the authority %q", c, a)
		}
	}
	return nil
}
