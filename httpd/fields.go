package httpd

import (
	"bytes"
	"encoding/binary"
	"math"
)

// The header and trailer sections (RFC 9112, section 5), and what the
// header fields say about framing and the connection: Host, Content-Length,
// Transfer-Encoding, Connection and Expect. Field lines are parsed whole:
// the search for a line's LF resumes where the last read stopped (parser
// scan), and a line is examined once it is complete.

// fieldLines handles the complete field lines of a header or trailer
// section, up to the empty line that ends it. It reports true once the
// section has ended, false when it needs more bytes.
func (p *parser) fieldLines(b []byte) (bool, error) {
	trailers := p.state == stTrailers
	limit := p.start + p.opts.MaxHeaderBytes
	for {
		if p.pos+1 < len(b) && b[p.pos] == '\r' && b[p.pos+1] == '\n' {
			// The empty line that ends the section: no search.
			if p.pos+2 > limit {
				return false, p.tooLarge(trailers)
			}
			p.pos += 2
			p.scan = p.pos
			if trailers {
				p.end = p.pos
				p.state = stDone
				return true, nil
			}
			return true, p.endHead()
		}
		i := indexLF(b, p.scan)
		if i < 0 {
			p.scan = len(b)
			if len(b) > limit {
				return false, p.tooLarge(trailers)
			}
			return false, nil
		}
		if i+1 > limit {
			return false, p.tooLarge(trailers)
		}
		if err := p.fieldLine(b, i, trailers); err != nil {
			return false, err
		}
		p.pos, p.scan = i+1, i+1
	}
}

// fieldLine handles the field line b[p.pos:i+1], whose LF is at i.
func (p *parser) fieldLine(b []byte, i int, trailers bool) error {
	// A line of CR alone is the section's end, which fieldLines takes:
	// here a line holds at least one byte before its CR.
	line := b[p.pos:i]
	if len(line) < 2 || line[len(line)-1] != '\r' {
		return refuse(ErrMalformed, "field line does not end with CRLF")
	}
	line = line[:len(line)-1]
	if line[0] == ' ' || line[0] == '\t' {
		// obs-fold, or whitespace between the request line and the
		// first field: RFC 9112 sections 5.2 and 2.2 allow refusing
		// both, and a proxy that unfolds them is how smuggling starts.
		return refuse(ErrMalformed, "field line starts with whitespace (obs-fold)")
	}
	// Host, which every HTTP/1.1 request carries, is known without a scan
	// of its name.
	host := !trailers && len(line) > 4 && line[4] == ':' && isHost(line)
	n := 4
	if !host {
		n = 0
		for n < len(line) && class[line[n]]&isToken != 0 {
			n++
		}
		if n == 0 || n == len(line) || line[n] != ':' {
			if n < len(line) && (line[n] == ' ' || line[n] == '\t') {
				return refuse(ErrMalformed, "whitespace between field name and colon")
			}
			return refuse(ErrMalformed, "invalid field name")
		}
	}
	v := line[n+1:]
	vs := 0
	for vs < len(v) && (v[vs] == ' ' || v[vs] == '\t') {
		vs++
	}
	ve := len(v)
	for ve > vs && (v[ve-1] == ' ' || v[ve-1] == '\t') {
		ve--
	}
	// A Host value must hold Host bytes only, which are all field bytes:
	// one pass over the value checks either.
	ok := false
	if host {
		ok = allIn(v[vs:ve], isHostByte)
	} else {
		ok = validValue(v[vs:ve])
	}
	if !ok {
		return badValue(v[vs:ve])
	}
	count := len(p.fields)
	if trailers {
		count -= p.nHeaders
	}
	if count >= p.opts.MaxHeaderCount {
		return refuse(ErrHeaderTooLarge, "more than %d fields", p.opts.MaxHeaderCount)
	}
	base := int32(p.pos)
	valueStart := base + int32(n+1+vs)
	f := field{name: span{base, base + int32(n)}, value: span{valueStart, valueStart + int32(ve-vs)}}
	p.fields = append(p.fields, f)
	switch {
	case trailers:
		return nil
	case host:
		p.hostCount++
		p.host = f.value
		return nil
	}
	return p.known(line[:n], f, b)
}

// isHost reports whether line starts with the field name Host, in any
// case. It reads the four bytes as one word: setting bit 5 lowers a
// letter, and among token bytes only the two cases of each letter of
// "host" map to it.
func isHost(line []byte) bool {
	return binary.LittleEndian.Uint32(line)|0x20202020 == 'h'|'o'<<8|'s'<<16|'t'<<24
}

func (p *parser) tooLarge(trailers bool) error {
	if trailers {
		return refuse(ErrHeaderTooLarge, "trailer section longer than %d bytes", p.opts.MaxHeaderBytes)
	}
	return refuse(ErrHeaderTooLarge, "header section longer than %d bytes", p.opts.MaxHeaderBytes)
}

// indexLF returns the index of the first LF in b from i on, or -1.
func indexLF(b []byte, i int) int {
	j := bytes.IndexByte(b[i:], '\n')
	if j < 0 {
		return -1
	}
	return i + j
}

// badValue names what is wrong with a field value that failed
// fieldLine's check: a control byte in any field, or, in a Host, a byte
// that cannot be part of one.
func badValue(v []byte) error {
	for _, c := range v {
		if class[c]&isFieldByte == 0 {
			return refuse(ErrMalformed, "control byte %#02x in a field value", c)
		}
	}
	return refuse(ErrMalformed, "invalid Host %q", v)
}

// known acts on the header fields other than Host (which fieldLine
// records) that frame the request or steer the connection.
func (p *parser) known(name []byte, f field, b []byte) error {
	v := f.value.of(b)
	switch len(name) {
	case 6:
		if equalFold(name, "expect") {
			if !equalFold(v, "100-continue") {
				return refuse(ErrExpectation, "expectation %q", v)
			}
			p.expectContinue = p.minor >= 1 // RFC 9110 10.1.1: ignored from HTTP/1.0
		}
	case 10:
		if equalFold(name, "connection") {
			for rest := v; len(rest) > 0; {
				var opt []byte
				opt, rest = nextListElement(rest)
				switch {
				case equalFold(opt, "close"):
					p.closeToken = true
				case equalFold(opt, "keep-alive"):
					p.keepAliveToken = true
				}
			}
		}
	case 14:
		if equalFold(name, "content-length") {
			return p.contentLengthField(v)
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			p.transferEncodingField(v)
		}
	}
	return nil
}

// contentLengthField reads a Content-Length value. Repeated values, in one
// field or several, must all be equal (RFC 9110, section 8.6).
func (p *parser) contentLengthField(v []byte) error {
	for rest := v; ; {
		var elem []byte
		elem, rest = nextListElement(rest)
		if len(elem) == 0 {
			return refuse(ErrMalformed, "empty Content-Length")
		}
		var n int64
		for _, c := range elem {
			if !isDigit(c) {
				return refuse(ErrMalformed, "invalid Content-Length %q", v)
			}
			if n > (math.MaxInt64-9)/10 {
				return refuse(ErrMalformed, "Content-Length %q overflows", v)
			}
			n = n*10 + int64(c-'0')
		}
		if p.contentLength >= 0 && n != p.contentLength {
			return refuse(ErrMalformed, "differing Content-Length values")
		}
		p.contentLength = n
		if rest == nil {
			return nil
		}
	}
}

// transferEncodingField records the codings of one Transfer-Encoding
// field; endHead judges them once all fields are in.
func (p *parser) transferEncodingField(v []byte) {
	p.teSeen = true
	for rest := v; len(rest) > 0; {
		var coding []byte
		coding, rest = nextListElement(rest)
		if len(coding) == 0 {
			continue
		}
		if p.chunked {
			p.teNotLast = true // a coding after chunked, or chunked twice
		}
		if equalFold(coding, "chunked") {
			p.chunked = true
		} else {
			p.teOther = true
		}
	}
}

// endHead checks what can only be checked once the head is complete, and
// sets how the body is framed.
func (p *parser) endHead() error {
	p.headEnd = p.pos
	p.nHeaders = len(p.fields)
	switch {
	case p.hostCount > 1:
		return refuse(ErrMalformed, "%d Host fields", p.hostCount)
	case p.hostCount == 0 && p.minor >= 1:
		return refuse(ErrMalformed, "HTTP/1.1 request without Host")
	}
	if p.minor == 0 {
		p.closeAfter = p.closeToken || !p.keepAliveToken
	} else {
		p.closeAfter = p.closeToken
	}
	if p.teSeen {
		switch {
		case p.minor == 0:
			// RFC 9112 6.1: the framing of an HTTP/1.0 message with
			// Transfer-Encoding is faulty.
			return refuse(ErrMalformed, "Transfer-Encoding in an HTTP/1.0 request")
		case p.contentLength >= 0:
			return refuse(ErrMalformed, "both Content-Length and Transfer-Encoding")
		case !p.chunked || p.teNotLast:
			return refuse(ErrMalformed, "chunked is not the final transfer coding, once")
		case p.teOther:
			return refuse(ErrNotImplemented, "transfer coding other than chunked")
		}
		p.state = stChunkSize
		p.chunkLineStart = p.pos
		p.held = p.holdBody
		return nil
	}
	if p.contentLength > 0 {
		p.state = stBody
		if p.held = p.holdBody; !p.held && p.contentLength > p.opts.MaxBodyBytes {
			return refuse(ErrBodyTooLarge, "Content-Length %d exceeds %d", p.contentLength, p.opts.MaxBodyBytes)
		}
		return nil
	}
	p.contentLength = 0
	p.end = p.pos
	p.state = stDone
	return nil
}
