package httpd

import "math"

// The chunked transfer coding (RFC 9112, section 7.1):
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-ext    = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
//
// The chunk-size line is scanned byte by byte with its own small state
// machine (parser.sub), so that a line split across reads resumes where it
// stopped. Extensions are checked against the grammar and then ignored:
// a quoted-string that hides a CR or LF is how parsers have been made to
// disagree about where a chunk ends.

// chunkSize reads one chunk-size line.
func (p *parser) chunkSize(b []byte) (bool, error) {
	for ; p.pos < len(b); p.pos++ {
		if p.pos-p.chunkLineStart >= maxChunkLine {
			return false, refuse(ErrMalformed, "chunk-size line longer than %d bytes", maxChunkLine)
		}
		c := b[p.pos]
		bad := false
		switch p.sub {
		case csDigits:
			switch {
			case class[c]&isHex != 0:
				if p.chunkLeft > math.MaxInt64>>4 {
					return false, refuse(ErrMalformed, "chunk size overflows")
				}
				p.chunkLeft = p.chunkLeft<<4 | unhex(c)
			case p.pos == p.chunkLineStart:
				return false, refuse(ErrMalformed, "invalid chunk size")
			case c == ';':
				p.sub = csAfterSemi
			case c == ' ' || c == '\t':
				p.sub = csBeforeSemi
			case c == '\r':
				p.sub = csCR
			default:
				return false, refuse(ErrMalformed, "invalid byte %#02x after the chunk size", c)
			}
		case csBeforeSemi:
			switch c {
			case ' ', '\t':
			case ';':
				p.sub = csAfterSemi
			default:
				bad = true
			}
		case csAfterSemi:
			switch {
			case c == ' ' || c == '\t':
			case class[c]&isToken != 0:
				p.sub = csName
			default:
				bad = true
			}
		case csName, csToken:
			switch {
			case class[c]&isToken != 0:
			case c == ' ' || c == '\t':
				if p.sub == csToken {
					p.sub = csBeforeSemi
				} else {
					p.sub = csAfterName
				}
			case c == '=' && p.sub == csName:
				p.sub = csAfterEq
			case c == ';':
				p.sub = csAfterSemi
			case c == '\r':
				p.sub = csCR
			default:
				bad = true
			}
		case csAfterName:
			switch c {
			case ' ', '\t':
			case '=':
				p.sub = csAfterEq
			case ';':
				p.sub = csAfterSemi
			default:
				bad = true
			}
		case csAfterEq:
			switch {
			case c == ' ' || c == '\t':
			case c == '"':
				p.sub = csQuoted
			case class[c]&isToken != 0:
				p.sub = csToken
			default:
				bad = true
			}
		case csQuoted:
			switch {
			case c == '"':
				p.sub = csAfterQuote
			case c == '\\':
				p.sub = csQuotedPair
			case c == '\t' || c == ' ' || 0x21 <= c && c != 0x7f:
				// qdtext, obs-text included
			default:
				bad = true
			}
		case csQuotedPair:
			if c != '\t' && c != ' ' && (c < 0x21 || c == 0x7f) {
				bad = true
			}
			p.sub = csQuoted
		case csAfterQuote:
			switch c {
			case ' ', '\t':
				p.sub = csBeforeSemi
			case ';':
				p.sub = csAfterSemi
			case '\r':
				p.sub = csCR
			default:
				bad = true
			}
		case csCR:
			if c != '\n' {
				return false, refuse(ErrMalformed, "bare CR in a chunk-size line")
			}
			p.pos++
			return true, p.endChunkLine()
		}
		if bad {
			return false, refuse(ErrMalformed, "invalid chunk extension (byte %#02x)", c)
		}
	}
	return false, nil
}

// endChunkLine acts on a complete chunk-size line.
func (p *parser) endChunkLine() error {
	size := p.chunkLeft
	// Framing bytes beyond an allowance per chunk count as excess.
	p.chunkExcess += int64(p.pos - p.chunkLineStart)
	p.chunkExcess -= 16 + 2*size
	if p.chunkExcess < 0 {
		p.chunkExcess = 0
	}
	if p.chunkExcess > maxChunkExcess {
		return refuse(ErrMalformed, "chunked body has too much framing for its data")
	}
	if size > p.maxBody()-p.bodyN {
		return refuse(ErrBodyTooLarge, "chunked body exceeds %d bytes", p.maxBody())
	}
	p.sub = csDigits
	if size == 0 {
		p.start, p.scan = p.pos, p.pos
		p.state = stTrailers
		return nil
	}
	p.state = stChunkData
	return nil
}

// chunkData takes what has arrived of the current chunk's data.
func (p *parser) chunkData(b []byte) bool {
	n := min(int64(len(b)-p.pos), p.chunkLeft)
	p.body = append(p.body, b[p.pos:p.pos+int(n)]...)
	p.pos += int(n)
	p.chunkLeft -= n
	p.bodyN += n
	if p.chunkLeft > 0 {
		return false
	}
	p.state = stChunkEnd
	return true
}

// chunkEnd checks the CRLF that ends chunk data.
func (p *parser) chunkEnd(b []byte) (bool, error) {
	switch {
	case len(b)-p.pos >= 2 && b[p.pos] == '\r' && b[p.pos+1] == '\n':
	case len(b)-p.pos == 1 && b[p.pos] == '\r':
		return false, nil
	case len(b) == p.pos:
		return false, nil
	default:
		return false, refuse(ErrMalformed, "chunk data not followed by CRLF")
	}
	p.pos += 2
	p.chunkLineStart = p.pos
	p.state = stChunkSize
	return true, nil
}
