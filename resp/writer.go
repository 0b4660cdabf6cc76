package resp

import (
	"math"
	"strconv"
)

// The Append functions write one RESP reply, or the header of one, at the
// end of dst and return the extended slice, like strconv's. They never
// allocate when dst has room, so a server can write every reply of a
// pipelined batch into one reused buffer and send it with one write.
//
// Functions taking proto write RESP3 when proto is 3 and the nearest RESP2
// form otherwise, as Redis does for a client that has not sent HELLO 3.

// AppendOK appends "+OK\r\n".
func AppendOK(dst []byte) []byte { return append(dst, "+OK\r\n"...) }

// AppendSimple appends a simple string, "+s\r\n". s must not hold CR or LF.
func AppendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendError appends an error, "-msg\r\n". msg starts with its code
// ("ERR", "WRONGTYPE", ...); any CR or LF in it is written as a space, as
// Redis does, so that the reply stays one line.
func AppendError(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	start := len(dst)
	dst = append(dst, msg...)
	for i := start; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return append(dst, '\r', '\n')
}

// AppendInt appends an integer, ":n\r\n".
func AppendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends a bulk string, "$len\r\nb\r\n".
func AppendBulk(dst, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString is AppendBulk for a string.
func AppendBulkString(dst []byte, s string) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendBulkInt appends n in decimal as a bulk string.
func AppendBulkInt(dst []byte, n int64) []byte {
	var num [20]byte
	return AppendBulk(dst, strconv.AppendInt(num[:0], n, 10))
}

// AppendArray appends an array header, "*n\r\n"; n elements follow.
func AppendArray(dst []byte, n int) []byte { return appendHeader(dst, '*', n) }

// AppendNull appends the null reply: "_\r\n" in RESP3, the null bulk
// string "$-1\r\n" in RESP2.
func AppendNull(dst []byte, proto int) []byte {
	if proto == 3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "$-1\r\n"...)
}

// AppendNullArray appends the null array: "_\r\n" in RESP3, "*-1\r\n" in
// RESP2.
func AppendNullArray(dst []byte, proto int) []byte {
	if proto == 3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "*-1\r\n"...)
}

// AppendMap appends a map header for n key-value pairs: "%n\r\n" in RESP3,
// an array of 2n elements in RESP2.
func AppendMap(dst []byte, proto, n int) []byte {
	if proto == 3 {
		return appendHeader(dst, '%', n)
	}
	return appendHeader(dst, '*', 2*n)
}

// AppendSet appends a set header: "~n\r\n" in RESP3, an array in RESP2.
func AppendSet(dst []byte, proto, n int) []byte {
	if proto == 3 {
		return appendHeader(dst, '~', n)
	}
	return appendHeader(dst, '*', n)
}

// AppendPush appends a push header, ">n\r\n" (RESP3 only; RESP2 has
// arrays).
func AppendPush(dst []byte, proto, n int) []byte {
	if proto == 3 {
		return appendHeader(dst, '>', n)
	}
	return appendHeader(dst, '*', n)
}

// AppendBool appends a boolean: "#t\r\n" or "#f\r\n" in RESP3, the
// integer 1 or 0 in RESP2.
func AppendBool(dst []byte, proto int, b bool) []byte {
	switch {
	case proto == 3 && b:
		return append(dst, "#t\r\n"...)
	case proto == 3:
		return append(dst, "#f\r\n"...)
	case b:
		return append(dst, ":1\r\n"...)
	}
	return append(dst, ":0\r\n"...)
}

// AppendDouble appends a double: ",f\r\n" in RESP3, a bulk string in
// RESP2. Like Redis it writes %.17g, and inf, -inf and nan.
func AppendDouble(dst []byte, proto int, f float64) []byte {
	var num [32]byte
	text := appendDoubleText(num[:0], f)
	if proto == 3 {
		dst = append(dst, ',')
		dst = append(dst, text...)
		return append(dst, '\r', '\n')
	}
	return AppendBulk(dst, text)
}

func appendDoubleText(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return appendG17(dst, f)
}

// appendG17 formats f as C's printf("%.17g"): %e's exponent at 16
// digits of precision decides between %e and %f, and trailing zeros go.
func appendG17(dst []byte, f float64) []byte {
	var num [32]byte
	e := strconv.AppendFloat(num[:0], f, 'e', 16, 64)
	i := lastByte(e, 'e')
	exp, _ := strconv.Atoi(string(e[i+1:])) // no allocation: the compiler sees string() is temporary
	if exp < -4 || exp >= 17 {
		mant := trimFracZeros(e[:i], 0)
		dst = append(dst, mant...)
		return append(dst, e[i:]...)
	}
	b := strconv.AppendFloat(dst, f, 'f', 16-exp, 64)
	return trimFracZeros(b, len(dst))
}

func lastByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// trimFracZeros drops trailing zeros after a decimal point, and the point
// if nothing is left after it, as %g does.
func trimFracZeros(b []byte, from int) []byte {
	dot := -1
	for i := from; i < len(b); i++ {
		if b[i] == '.' {
			dot = i
		}
	}
	if dot < 0 {
		return b
	}
	for len(b) > dot+1 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) == dot+1 {
		b = b[:dot]
	}
	return b
}

// AppendVerbatim appends a verbatim string with a three-letter format
// ("txt", "mkd"): "=len\r\nfmt:text\r\n" in RESP3, a bulk string of text
// in RESP2.
func AppendVerbatim(dst []byte, proto int, format string, text []byte) []byte {
	if proto != 3 {
		return AppendBulk(dst, text)
	}
	dst = append(dst, '=')
	dst = strconv.AppendInt(dst, int64(len(text)+len(format)+1), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, format...)
	dst = append(dst, ':')
	dst = append(dst, text...)
	return append(dst, '\r', '\n')
}

// AppendBigNumber appends a big number, "(digits\r\n" in RESP3, a bulk
// string in RESP2.
func AppendBigNumber(dst []byte, proto int, digits string) []byte {
	if proto != 3 {
		return AppendBulkString(dst, digits)
	}
	dst = append(dst, '(')
	dst = append(dst, digits...)
	return append(dst, '\r', '\n')
}

// AppendCommand appends a request in multibulk form, as a client sends it.
func AppendCommand(dst []byte, args ...[]byte) []byte {
	dst = AppendArray(dst, len(args))
	for _, a := range args {
		dst = AppendBulk(dst, a)
	}
	return dst
}

func appendHeader(dst []byte, kind byte, n int) []byte {
	dst = append(dst, kind)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}
