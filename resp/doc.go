// Package resp reads and writes RESP, the Redis serialization protocol, in
// both its versions: RESP2 and RESP3 (HELLO 3).
//
// A server reads requests with a Parser, which takes multibulk and inline
// commands, pipelined or not, and returns arguments as views of the bytes
// it is given; it writes replies with the Append functions, which append
// to a buffer the caller reuses. Neither allocates in steady state:
//
//	var p resp.Parser
//	var out []byte
//	in := []byte("*1\r\n$4\r\nPING\r\nECHO hi\r\n")
//	for {
//		args, n, err := p.Parse(in)
//		if err != nil {
//			out = resp.AppendError(out, "ERR "+err.Error()) // then close
//			break
//		}
//		if n == 0 {
//			break // the rest has not arrived yet
//		}
//		in = in[n:]
//		// ... execute args, e.g. out = resp.AppendSimple(out, "PONG")
//	}
//
// A client reads replies with a Reader, which returns each RESP2 or RESP3
// value as a Value, and writes commands with AppendCommand.
//
// Malformed input gets the error texts Redis 7 replies with ("Protocol
// error: invalid bulk length", ...), and announced lengths are checked
// before anything is buffered or allocated for them.
package resp
