package resp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
)

// The RESP2 and RESP3 type bytes.
const (
	TypeSimple    = '+'
	TypeError     = '-'
	TypeInt       = ':'
	TypeBulk      = '$'
	TypeArray     = '*'
	TypeNull      = '_' // RESP3
	TypeBool      = '#' // RESP3
	TypeDouble    = ',' // RESP3
	TypeBigNumber = '(' // RESP3
	TypeBulkError = '!' // RESP3
	TypeVerbatim  = '=' // RESP3
	TypeMap       = '%' // RESP3
	TypeSet       = '~' // RESP3
	TypePush      = '>' // RESP3
	typeAttribute = '|' // RESP3: attaches to the value after it
)

// Value is one RESP2 or RESP3 value, as a Reader returns it.
type Value struct {
	Type  byte    // one of the Type constants
	Str   []byte  // simple and bulk strings, errors, verbatim text (with its "txt:" prefix), big numbers, doubles as sent
	Int   int64   // integers
	Float float64 // doubles
	Bool  bool    // booleans
	Null  bool    // RESP3 null, RESP2 null bulk string ($-1) and null array (*-1)
	Elems []Value // arrays, sets and pushes; maps as key, value, key, value...
	Attrs []Value // RESP3 attributes sent before the value, as key, value pairs
}

// Err returns the value as an error if it is one (simple or bulk), else nil.
func (v Value) Err() error {
	if v.Type == TypeError || v.Type == TypeBulkError {
		return errors.New(string(v.Str))
	}
	return nil
}

// String renders v on one line, for logs and test failures: "+OK",
// "-ERR ...", ":1", a quoted bulk string, "[...]" for arrays, "{k: v}"
// for maps, "~[...]" for sets, ">[...]" for pushes; "(nil)" is RESP2's
// null bulk string, "(nil array)" its null array, "(null)" RESP3's null.
func (v Value) String() string {
	var b strings.Builder
	v.render(&b)
	return b.String()
}

func (v Value) render(b *strings.Builder) {
	if v.Null {
		switch v.Type {
		case TypeBulk:
			b.WriteString("(nil)") // RESP2 null bulk string
		case TypeArray:
			b.WriteString("(nil array)") // RESP2 null array
		default:
			b.WriteString("(null)") // RESP3 null
		}
		return
	}
	switch v.Type {
	case TypeSimple, TypeError, TypeInt, TypeBool, TypeDouble, TypeBigNumber, TypeVerbatim:
		b.WriteByte(v.Type)
		switch v.Type {
		case TypeInt:
			b.WriteString(strconv.FormatInt(v.Int, 10))
		case TypeBool:
			b.WriteString(map[bool]string{true: "t", false: "f"}[v.Bool])
		default:
			b.Write(v.Str)
		}
	case TypeBulk, TypeBulkError:
		if v.Type == TypeBulkError {
			b.WriteByte('!')
		}
		b.WriteString(strconv.Quote(string(v.Str)))
	case TypeMap:
		b.WriteByte('{')
		for i := 0; i+1 < len(v.Elems); i += 2 {
			if i > 0 {
				b.WriteString(", ")
			}
			v.Elems[i].render(b)
			b.WriteString(": ")
			v.Elems[i+1].render(b)
		}
		b.WriteByte('}')
	default: // arrays, sets, pushes
		if v.Type != TypeArray {
			b.WriteByte(v.Type)
		}
		b.WriteByte('[')
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			e.render(b)
		}
		b.WriteByte(']')
	}
}

// Reader reads RESP2 and RESP3 values from a stream: what a client reads
// from a server. It is not safe for concurrent use.
type Reader struct {
	r *bufio.Reader
	// MaxBulk bounds the strings it accepts (default DefaultMaxBulk);
	// MaxElems the elements of one aggregate (default 1<<31 - 1). Neither
	// is allocated up front: a huge announced length costs only what
	// actually arrives.
	MaxBulk  int64
	MaxElems int64
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReader(r)} }

// maxDepth bounds the nesting of aggregates, so that a hostile stream of
// "*1\r\n*1\r\n..." cannot exhaust the stack.
const maxDepth = 512

// ReadValue reads the next value. A malformed value is an error wrapping
// ErrProtocol; a stream that ends inside one is io.ErrUnexpectedEOF.
func (r *Reader) ReadValue() (Value, error) { return r.read(0) }

func (r *Reader) read(depth int) (Value, error) {
	if depth > maxDepth {
		return Value{}, &ProtocolError{"Protocol error: aggregates nested too deep"}
	}
	line, err := r.line(depth == 0)
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, errBadLine("empty line", line)
	}
	v := Value{Type: line[0]}
	body := line[1:]
	switch v.Type {
	case TypeSimple, TypeError:
		v.Str = append([]byte(nil), body...)
	case TypeInt:
		n, ok := parseReplyInt(body)
		if !ok {
			return v, errBadLine("integer", body)
		}
		v.Int = n
	case TypeNull:
		v.Null = true
	case TypeBool:
		if len(body) != 1 || (body[0] != 't' && body[0] != 'f') {
			return v, errBadLine("boolean", body)
		}
		v.Bool = body[0] == 't'
	case TypeDouble:
		f, ok := parseReplyDouble(body)
		if !ok {
			return v, errBadLine("double", body)
		}
		v.Float, v.Str = f, append([]byte(nil), body...)
	case TypeBigNumber:
		v.Str = append([]byte(nil), body...)
	case TypeBulk, TypeBulkError, TypeVerbatim:
		return r.readBulk(v, body)
	case TypeArray, TypeSet, TypePush, TypeMap:
		return r.readAggregate(v, body, depth)
	case typeAttribute:
		attrs, err := r.readAggregate(Value{Type: TypeMap}, body, depth)
		if err != nil {
			return v, err
		}
		next, err := r.read(depth)
		next.Attrs = append(attrs.Elems, next.Attrs...)
		return next, err
	default:
		return v, errReplyType(v.Type)
	}
	return v, nil
}

// line reads one CRLF-terminated line without its CRLF. At the start of a
// value io.EOF stays io.EOF; inside one it becomes io.ErrUnexpectedEOF.
func (r *Reader) line(first bool) ([]byte, error) {
	line, err := r.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, &ProtocolError{"Protocol error: line too long"}
	}
	if err != nil {
		if err == io.EOF && (!first || len(line) > 0) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, errBadLine("line ending", line)
	}
	return line[:len(line)-2], nil
}

func (r *Reader) readBulk(v Value, body []byte) (Value, error) {
	n, ok := parseReplyInt(body)
	if v.Type == TypeBulk && ok && n == -1 {
		v.Null = true
		return v, nil
	}
	limit := r.MaxBulk
	if limit <= 0 {
		limit = DefaultMaxBulk
	}
	if !ok || n < 0 || n > limit {
		return v, errBadLine("bulk length", body)
	}
	// Read in pieces so that a huge announced length that never arrives
	// costs only the bytes that did.
	buf := make([]byte, 0, min(n, 64<<10)+2)
	for left := n + 2; left > 0; {
		chunk := min(left, 64<<10)
		start := len(buf)
		buf = append(buf, make([]byte, chunk)...)
		if _, err := io.ReadFull(r.r, buf[start:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return v, err
		}
		left -= chunk
	}
	if !bytes.HasSuffix(buf, []byte("\r\n")) {
		return v, errBadLine("bulk ending", buf[max(0, len(buf)-2):])
	}
	v.Str = buf[:n]
	if v.Type == TypeVerbatim && (n < 4 || buf[3] != ':') {
		return v, errBadLine("verbatim format", buf[:min(n, 4)])
	}
	return v, nil
}

func (r *Reader) readAggregate(v Value, body []byte, depth int) (Value, error) {
	n, ok := parseReplyInt(body)
	if ok && n == -1 && v.Type == TypeArray {
		v.Null = true
		return v, nil
	}
	limit := r.MaxElems
	if limit <= 0 {
		limit = math.MaxInt32
	}
	if !ok || n < 0 || n > limit {
		return v, errAggregateTooLarge
	}
	if v.Type == TypeMap {
		n *= 2
	}
	v.Elems = make([]Value, 0, min(n, argsPrealloc))
	for i := int64(0); i < n; i++ {
		e, err := r.read(depth + 1)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return v, err
		}
		v.Elems = append(v.Elems, e)
	}
	return v, nil
}

// parseReplyInt reads an integer reply, which may carry a '+' sign or a
// leading zero where request lengths may not.
func parseReplyInt(b []byte) (int64, bool) {
	if n, ok := ParseInt(b); ok {
		return n, true
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

func parseReplyDouble(b []byte) (float64, bool) {
	switch string(b) {
	case "inf", "+inf":
		return math.Inf(1), true
	case "-inf":
		return math.Inf(-1), true
	case "nan", "-nan":
		return math.NaN(), true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}
