package httpd

// Byte classes of RFC 9110 and RFC 3986, as lookup tables: one load per
// byte on the parser's hot path instead of a chain of comparisons.
const (
	isToken     = 1 << iota // tchar: field names, methods, transfer codings
	isFieldByte             // field-vchar, SP or HTAB: field values
	isTarget                // a request-target byte: visible ASCII but '#'
	isHostByte              // reg-name, IP-literal and port bytes of a Host
	isHex                   // HEXDIG
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
	}
	return t
}()

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
