package redis

import (
	"bytes"
	"math/big"
	"strings"
)

// INCRBYFLOAT computes in C's long double, the x87 80-bit format with a
// 64-bit mantissa, and prints the sum with "%.17Lf" less its trailing
// zeros. float64 arithmetic would print 0.1+0.2 as 0.30000000000000004
// where Redis prints 0.3, so the sum is computed here with big.Float at
// the same 64-bit precision and rounding, which gives Redis's digits.
const longDoublePrec = 64

// The x87 format's exponent range, in big.Float's MantExp convention
// (mantissa in [0.5, 1)): values past it overflow or underflow, which
// Redis's string2ld rejects.
const (
	maxLongDoubleExp = 16384
	minLongDoubleExp = -16444
)

// maxFloatChars is Redis's MAX_LONG_DOUBLE_CHARS: longer strings are not
// floats.
const maxFloatChars = 5 * 1024

// parseLongDouble reads b as Redis's string2ld does (strtold with the
// whole string consumed, no leading space, no NaN, no overflow). isInf
// reports an infinity, which Redis accepts as an operand.
func parseLongDouble(b []byte) (f *big.Float, isInf, ok bool) {
	if len(b) == 0 || len(b) >= maxFloatChars || isBlank(b[0]) {
		return nil, false, false
	}
	s := strings.ToLower(string(b))
	t := strings.TrimLeft(s, "+-")
	if len(s)-len(t) > 1 {
		return nil, false, false
	}
	switch t {
	case "inf", "infinity":
		return nil, true, true
	case "nan":
		return nil, false, false
	}
	if strings.ContainsAny(t, "_ \t\n\r\v\f") || t == "" || strings.HasPrefix(t, "0b") || strings.HasPrefix(t, "0o") {
		return nil, false, false
	}
	f = new(big.Float).SetPrec(longDoublePrec)
	if _, _, err := f.Parse(s, 0); err != nil {
		return nil, false, false
	}
	if f.Sign() != 0 {
		if exp := f.MantExp(nil); exp > maxLongDoubleExp || exp < minLongDoubleExp {
			return nil, false, false
		}
	}
	return f, false, true
}

// addLongDouble returns cur + incr formatted as Redis stores it, or the
// error reply. A missing value (nil cur) counts as 0.
func addLongDouble(cur, incr []byte) ([]byte, string) {
	a := new(big.Float).SetPrec(longDoublePrec)
	if cur != nil {
		v, inf, ok := parseLongDouble(cur)
		if !ok {
			return nil, errNotFloat
		}
		if inf {
			if _, _, ok := parseLongDouble(incr); !ok {
				return nil, errNotFloat
			}
			return nil, errNaN
		}
		a = v
	}
	b, inf, ok := parseLongDouble(incr)
	if !ok {
		return nil, errNotFloat
	}
	if inf {
		return nil, errNaN
	}
	sum := new(big.Float).SetPrec(longDoublePrec).Add(a, b)
	if sum.Sign() != 0 && sum.MantExp(nil) > maxLongDoubleExp {
		return nil, errNaN
	}
	return formatLongDouble(sum), ""
}

// formatLongDouble is Redis's ld2string in LD_STR_HUMAN mode.
func formatLongDouble(f *big.Float) []byte {
	out := []byte(f.Text('f', 17))
	if bytes.IndexByte(out, '.') >= 0 {
		out = bytes.TrimRight(out, "0")
		out = bytes.TrimSuffix(out, []byte("."))
	}
	if string(out) == "-0" {
		out = []byte("0")
	}
	return out
}

// isBlank is C's isspace.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
