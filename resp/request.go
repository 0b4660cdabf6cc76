package resp

import (
	"bytes"
	"math"
)

const (
	// MaxInlineSize is the longest inline request, and the longest header
	// line of a multibulk request, accepted without its line ending: 64 KiB,
	// Redis's PROTO_INLINE_MAX_SIZE. A longer one is a protocol error, so a
	// peer cannot make a server buffer an endless line.
	MaxInlineSize = 64 << 10
	// DefaultMaxBulk is the longest bulk argument a Parser accepts unless
	// told otherwise: 512 MiB, Redis's default proto-max-bulk-len.
	DefaultMaxBulk = 512 << 20
	// maxMultibulk is the most arguments a request may announce (Redis:
	// INT_MAX). Nothing is allocated for the count itself: the argument
	// list grows only as arguments actually arrive.
	maxMultibulk = math.MaxInt32
	// argsPrealloc bounds the argument slots reserved up front for a
	// multibulk request, as Redis does with argv_len.
	argsPrealloc = 1024
)

// Parser splits a stream of client requests into commands: multibulk
// ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline ("GET k\r\n"), as Redis
// reads them, pipelined or not. The arguments it returns are views of the
// caller's bytes, so parsing copies and allocates nothing once its
// argument list has grown to the longest request seen.
//
// A Parser is not safe for concurrent use; give each connection its own.
// Its zero value is ready, with a 512 MiB limit on bulk arguments.
type Parser struct {
	// MaxBulk is the longest bulk argument accepted; 0 means
	// DefaultMaxBulk. A longer one is a protocol error, reported as soon as
	// its header arrives, before any of its bytes are buffered.
	MaxBulk int64

	args    [][]byte
	quoted  []byte // unescaped quoted inline arguments
	offsets []int  // start, length of each argument of a partial request

	// A multibulk request whose bytes have not all arrived: its header and
	// first len(offsets)/2 arguments are parsed; pos is where the next
	// argument's header starts and want how many arguments remain.
	partial bool
	pos     int
	want    int
}

// Parse reads the first request in b. It returns the command's arguments
// and the number of bytes it took. With the request not all there yet it
// returns n == 0 and a nil error: call again with the same bytes and more
// (the Parser keeps its place, so a long request is not re-read from the
// start). A request with no arguments (an empty line, "*0\r\n") returns
// n > 0 and no arguments: skip it.
//
// The arguments alias b (or, for quoted inline arguments, memory the
// Parser reuses): they are valid until b changes or Parse is called again.
// An error wraps ErrProtocol and carries the text Redis replies with; the
// stream cannot be resynchronised after it.
func (p *Parser) Parse(b []byte) (args [][]byte, n int, err error) {
	if p.partial && len(b) < p.pos {
		p.Reset() // not the bytes we were given before: start over
	}
	if !p.partial {
		if len(b) == 0 {
			return nil, 0, nil
		}
		if b[0] != '*' {
			return p.parseInline(b)
		}
		return p.parseMultibulk(b)
	}
	return p.parseArgs(b)
}

// Reset forgets a partially parsed request. Call it when the next bytes
// given to Parse will not continue the ones given before.
func (p *Parser) Reset() {
	p.partial = false
	p.offsets = p.offsets[:0]
	p.pos, p.want = 0, 0
}

func (p *Parser) maxBulk() int64 {
	if p.MaxBulk > 0 {
		return p.MaxBulk
	}
	return DefaultMaxBulk
}

// parseMultibulk reads the "*<count>\r\n" header, then the arguments.
// Like Redis it finds the end of a header line by its '\r' and skips the
// byte after it.
func (p *Parser) parseMultibulk(b []byte) ([][]byte, int, error) {
	cr := bytes.IndexByte(b, '\r')
	if cr < 0 {
		if len(b) > MaxInlineSize {
			return nil, 0, errTooBigMbulkCount
		}
		return nil, 0, nil
	}
	if cr+1 >= len(b) {
		return nil, 0, nil // the '\n' has not arrived
	}
	count, ok := parseLen(b[1:cr])
	if !ok || count > maxMultibulk {
		return nil, 0, errMultibulkLength
	}
	if count <= 0 {
		return p.args[:0], cr + 2, nil
	}
	p.partial = true
	p.pos = cr + 2
	p.want = int(count)
	p.offsets = p.offsets[:0]
	if need := 2 * min(p.want, argsPrealloc); cap(p.offsets) < need {
		p.offsets = make([]int, 0, need)
	}
	return p.parseArgs(b)
}

// parseArgs reads bulk arguments "$<len>\r\n<bytes>\r\n" from p.pos on.
func (p *Parser) parseArgs(b []byte) ([][]byte, int, error) {
	limit := p.maxBulk()
	for p.want > 0 {
		rest := b[p.pos:]
		cr := bytes.IndexByte(rest, '\r')
		if cr < 0 {
			if len(rest) > MaxInlineSize {
				p.Reset()
				return nil, 0, errTooBigBulkCount
			}
			return nil, 0, nil
		}
		if cr+1 >= len(rest) {
			return nil, 0, nil
		}
		if rest[0] != '$' {
			p.Reset()
			return nil, 0, errExpectedDollar(rest[0])
		}
		size, ok := parseLen(rest[1:cr])
		if !ok || size < 0 || size > limit {
			p.Reset()
			return nil, 0, errBulkLength
		}
		start := p.pos + cr + 2
		// Redis does not check the two bytes after the data either: it
		// skips them, so this parser answers the same bytes the same way.
		end := start + int(size) + 2
		if end > len(b) {
			return nil, 0, nil
		}
		p.offsets = append(p.offsets, start, int(size))
		p.pos = end
		p.want--
	}
	args := p.args[:0]
	for i := 0; i < len(p.offsets); i += 2 {
		start, size := p.offsets[i], p.offsets[i+1]
		args = append(args, b[start:start+size:start+size])
	}
	p.args = args
	n := p.pos
	p.Reset()
	return args, n, nil
}

// parseInline reads one line of space-separated arguments, the way Redis
// reads a request that does not start with '*' (telnet, redis-benchmark's
// ping_inline, a health check's "PING\r\n").
func (p *Parser) parseInline(b []byte) ([][]byte, int, error) {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		if len(b) > MaxInlineSize {
			return nil, 0, errTooBigInline
		}
		return nil, 0, nil
	}
	if nl > MaxInlineSize {
		// Redis refuses such a line only when its end has not arrived in
		// the same read; refusing it always keeps the limit independent
		// of how the stream was split into reads.
		return nil, 0, errTooBigInline
	}
	line := b[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, err := p.splitInline(line)
	if err != nil {
		return nil, 0, err
	}
	return args, nl + 1, nil
}
