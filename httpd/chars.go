package httpd

// Byte classes of RFC 9110 and RFC 3986, as lookup tables: one load per
// byte on the parser's hot path instead of a chain of comparisons.
const (
	isToken      = 1 << iota // tchar: field names, methods, transfer codings
	isFieldByte              // field-vchar, SP or HTAB: field values
	isTarget                 // a request-target byte: visible ASCII but '#'
	isHostByte               // reg-name, IP-literal and port bytes of a Host
	isHex                    // HEXDIG
	isTargetMark             // '%' or '?': what the request-target's parse notes
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		alnum := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
		if alnum || b != 0 && indexByte("!#$%&'*+-.^_`|~", b) {
			t[c] |= isToken
		}
		if b == ' ' || b == '\t' || 0x21 <= b && b != 0x7f {
			t[c] |= isFieldByte // includes obs-text (0x80-0xff), opaque to us
		}
		if 0x21 <= b && b <= 0x7e && b != '#' {
			t[c] |= isTarget
		}
		// unreserved / pct-encoded / sub-delims, ':' for the port, and
		// '[' ']' for IPv6 literals (RFC 3986, section 3.2.2).
		if alnum || b != 0 && indexByte("-._~%!$&'()*+,;=:[]", b) {
			t[c] |= isHostByte
		}
		if '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F' {
			t[c] |= isHex
		}
		if b == '%' || b == '?' {
			t[c] |= isTargetMark
		}
	}
	return t
}()

// allIn reports whether every byte of b is in the class mask, a single
// class bit. The bytes' classes are ANDed eight at a time and tested once,
// rather than branched on byte by byte, and a last partial block is
// checked as the eight bytes that end b (overlapping the block before,
// which ANDing twice does not disturb): a valid field, the common case,
// costs about four instructions a byte.
func allIn[T string | []byte](b T, mask uint8) bool {
	if len(b) < 8 {
		acc := mask
		for i := 0; i < len(b); i++ {
			acc &= class[b[i]]
		}
		return acc != 0
	}
	acc := mask
	for i := 0; ; i += 8 {
		if len(b)-i < 8 {
			i = len(b) - 8
		}
		w := b[i : i+8]
		acc &= class[w[0]] & class[w[1]] & class[w[2]] & class[w[3]] &
			class[w[4]] & class[w[5]] & class[w[6]] & class[w[7]]
		if i+8 == len(b) {
			return acc != 0
		}
	}
}

// validValue reports whether every byte of b may appear in a field value
// (allIn(b, isFieldByte)): no control byte but HTAB, and no DEL. It tests
// eight bytes at a time with word arithmetic (SWAR), about a dozen
// instructions a block against some forty for eight table lookups. A
// block with a byte below 0x20 or a DEL, an HTAB or an error, is left to
// the table, as is a value under eight bytes.
func validValue[T string | []byte](b T) bool {
	n := len(b)
	if n < 8 {
		return allIn(b, isFieldByte)
	}
	for i := 0; ; i += 8 {
		if n-i < 8 {
			i = n - 8 // overlap the block before: testing bytes twice is harmless
		}
		w := b[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if controlOrDEL(x) {
			return allIn(b, isFieldByte)
		}
		if i+8 == n {
			return true
		}
	}
}

const (
	everyByte = 0x0101010101010101 // 0x01 in each byte
	highBits  = 0x8080808080808080 // the top bit of each byte
)

// controlOrDEL reports whether a byte of x is below 0x20 or is 0x7f. For
// a byte below n (n at most 0x80), byte-wise x - n borrows into its top
// bit while x's own top bit is clear; a borrow into a higher byte happens
// only after a byte that was below n, so the test has no false positives
// as a whole. DEL is the zero byte of x ^ 0x7f..7f.
func controlOrDEL(x uint64) bool {
	d := x ^ 0x7f*everyByte
	return ((x-0x20*everyByte)&^x|(d-everyByte)&^d)&highBits != 0
}

func indexByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

func unhex(b byte) int64 {
	switch {
	case b <= '9':
		return int64(b - '0')
	case b <= 'F':
		return int64(b - 'A' + 10)
	}
	return int64(b - 'a' + 10)
}

// lower folds an ASCII letter to lower case.
func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// equalFold reports whether b equals s, which must be lower case, ignoring
// ASCII case.
func equalFold[T string | []byte](b T, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// equalFoldAny is equalFold for a name the caller spelled in any case.
func equalFoldAny(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// trimOWS drops optional whitespace (SP, HTAB) from both ends.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// nextListElement splits a comma-separated field value (RFC 9110, section
// 5.6.1): it returns the first element without OWS and the rest after the
// comma. Empty elements come back empty; callers skip them, as the RFC
// asks recipients to.
func nextListElement(v []byte) (elem, rest []byte) {
	for i := 0; i < len(v); i++ {
		if v[i] == ',' {
			return trimOWS(v[:i]), v[i+1:]
		}
	}
	return trimOWS(v), nil
}
