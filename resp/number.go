package resp

// ParseInt parses b as a base-10 signed 64-bit integer with the rules of
// Redis's string2ll: an optional '-', then digits without leading zeros
// ("0" alone is fine, "-0", "+1", "01", " 1" and "" are not), no overflow.
// Redis reads lengths, counts and integer arguments this way, so a server
// that uses it accepts and refuses the same numbers.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// parseLen is ParseInt for the short numbers of RESP headers; lengths past
// int64 fail like any other malformed number.
func parseLen(b []byte) (int64, bool) { return ParseInt(b) }
