package redis

// globMatch is Redis's stringmatchlen: * ? [abc] [^a-z] [!a] and \x
// escapes, case-sensitive unless nocase. KEYS, SCAN MATCH and CONFIG GET
// use it, so patterns select what they select in Redis.
func globMatch(pattern, s []byte, nocase bool) bool {
	skip := false
	return globMatchDepth(pattern, s, nocase, &skip, 0)
}

// maxGlobDepth bounds the recursion that '*' causes, as Redis does since
// a pattern of many stars made matching exponential.
const maxGlobDepth = 1000

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// skipLonger is set once the part after a '*' matched nowhere in the rest
// of the string: then no earlier '*' can help by matching more, which
// keeps patterns like "a*a*a*a*b" linear.
func globMatchDepth(p, s []byte, nocase bool, skipLonger *bool, depth int) bool {
	if depth > maxGlobDepth {
		return false
	}
	eq := func(a, b byte) bool {
		if nocase {
			return lowerASCII(a) == lowerASCII(b)
		}
		return a == b
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if globMatchDepth(p[1:], s, nocase, skipLonger, depth+1) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			match := false
			for {
				if len(p) == 0 {
					break // an unterminated class: Redis treats the end as ']'
				}
				if p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] { // Redis compares escaped bytes exactly, even with nocase
						match = true
					}
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					lo, hi := p[0], p[2]
					c := s[0]
					if lo > hi {
						lo, hi = hi, lo
					}
					if nocase {
						lo, hi, c = lowerASCII(lo), lowerASCII(hi), lowerASCII(c)
					}
					p = p[2:]
					if c >= lo && c <= hi {
						match = true
					}
				} else if eq(p[0], s[0]) {
					match = true
				}
				p = p[1:]
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
			if len(p) == 0 {
				// Redis steps back onto the last byte so that its loop's
				// p++ lands on the end; the class consumed the pattern.
				return len(s) == 0
			}
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if !eq(p[0], s[0]) {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
