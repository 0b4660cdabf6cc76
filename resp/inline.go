package resp

import "bytes"

// splitInline splits an inline request line into arguments with the rules
// of Redis's sdssplitargs: blanks separate arguments; "double quotes" take
// \n \r \t \b \a \xHH and \<any> escapes; 'single quotes' take only \';
// a closing quote must be followed by a blank or the end of the line; a
// NUL byte ends the line. Arguments without quotes are views of line.
func (p *Parser) splitInline(line []byte) ([][]byte, error) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	if bytes.IndexByte(line, '"') < 0 && bytes.IndexByte(line, '\'') < 0 {
		return p.splitPlain(line), nil
	}
	return p.splitQuoted(line)
}

// isBlank is C's isspace, which sdssplitargs skips between arguments.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// endsPlain is what ends an unquoted argument in sdssplitargs: fewer bytes
// than isBlank (a \v or \f inside an argument belongs to it).
func endsPlain(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *Parser) splitPlain(line []byte) [][]byte {
	args := p.args[:0]
	i := 0
	for {
		for i < len(line) && isBlank(line[i]) {
			i++
		}
		if i == len(line) {
			break
		}
		start := i
		for i < len(line) && !endsPlain(line[i]) {
			i++
		}
		args = append(args, line[start:i:i])
	}
	p.args = args
	return args
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// splitQuoted is sdssplitargs in full. Arguments are unescaped into
// p.quoted; their bounds are kept as offsets until the line is done, since
// appending may move p.quoted.
func (p *Parser) splitQuoted(line []byte) ([][]byte, error) {
	buf := p.quoted[:0]
	bounds := p.offsets[:0]
	at := func(i int) byte { // the byte at i, or 0 past the end, as in C
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	i := 0
	for {
		for i < len(line) && isBlank(line[i]) {
			i++
		}
		if i == len(line) {
			break
		}
		start := len(buf)
		inDouble, inSingle := false, false
		for done := false; !done; i++ {
			c := at(i)
			switch {
			case inDouble:
				switch {
				case c == '\\' && at(i+1) == 'x' && isHex(at(i+2)) && isHex(at(i+3)):
					buf = append(buf, unhex(at(i+2))<<4|unhex(at(i+3)))
					i += 3
				case c == '\\' && at(i+1) != 0:
					i++
					switch e := line[i]; e {
					case 'n':
						buf = append(buf, '\n')
					case 'r':
						buf = append(buf, '\r')
					case 't':
						buf = append(buf, '\t')
					case 'b':
						buf = append(buf, '\b')
					case 'a':
						buf = append(buf, '\a')
					default:
						buf = append(buf, e)
					}
				case c == '"':
					if n := at(i + 1); n != 0 && !isBlank(n) {
						p.quoted, p.offsets = buf, bounds[:0]
						return nil, errUnbalancedQuotes
					}
					done = true
				case c == 0:
					p.quoted, p.offsets = buf, bounds[:0]
					return nil, errUnbalancedQuotes
				default:
					buf = append(buf, c)
				}
			case inSingle:
				switch {
				case c == '\\' && at(i+1) == '\'':
					i++
					buf = append(buf, '\'')
				case c == '\'':
					if n := at(i + 1); n != 0 && !isBlank(n) {
						p.quoted, p.offsets = buf, bounds[:0]
						return nil, errUnbalancedQuotes
					}
					done = true
				case c == 0:
					p.quoted, p.offsets = buf, bounds[:0]
					return nil, errUnbalancedQuotes
				default:
					buf = append(buf, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					buf = append(buf, c)
				}
			}
			if c == 0 {
				i-- // C does not step past the terminating NUL
			}
		}
		bounds = append(bounds, start, len(buf)-start)
	}
	args := p.args[:0]
	for j := 0; j < len(bounds); j += 2 {
		s, n := bounds[j], bounds[j+1]
		args = append(args, buf[s:s+n:s+n])
	}
	p.args, p.quoted, p.offsets = args, buf, bounds[:0]
	return args, nil
}
