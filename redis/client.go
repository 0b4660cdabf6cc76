package redis

import (
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/resp"
)

// client is one connection's state. Only the connection's event loop
// touches it.
type client struct {
	id      int64
	conn    netloop.Conn
	parser  resp.Parser
	created time.Time

	db    int
	proto int // 2, or 3 after HELLO 3
	name  string
	lib   [2]string // CLIENT SETINFO LIB-NAME, LIB-VER
	quit  bool      // QUIT: close after this batch's replies

	// During a batch: the replies so far and the batch's clock (Unix
	// milliseconds), which expiry and LRU use for every command in it.
	out []byte
	now int64
	// The last batch's replies outgrew the loop's buffer.
	bigBatches bool
	// The client is not reading its replies fast enough: the requests
	// behind them wait in the buffer until it does.
	stalled bool

	hashes []uint64 // scratch for multi-key commands
	last   *command // the last command looked up
}

func (cl *client) reply(msg string) { cl.out = resp.AppendSimple(cl.out, msg) }
func (cl *client) ok()              { cl.out = resp.AppendOK(cl.out) }
func (cl *client) err(msg string)   { cl.out = resp.AppendError(cl.out, msg) }
func (cl *client) int(n int64)      { cl.out = resp.AppendInt(cl.out, n) }
func (cl *client) bulk(b []byte)    { cl.out = resp.AppendBulk(cl.out, b) }
func (cl *client) bulkString(s string) {
	cl.out = resp.AppendBulkString(cl.out, s)
}
func (cl *client) null()       { cl.out = resp.AppendNull(cl.out, cl.proto) }
func (cl *client) array(n int) { cl.out = resp.AppendArray(cl.out, n) }
func (cl *client) mapHeader(n int) {
	cl.out = resp.AppendMap(cl.out, cl.proto, n)
}

// Redis 7's error replies, word for word.
const (
	errSyntax     = "ERR syntax error"
	errNotInt     = "ERR value is not an integer or out of range"
	errNotFloat   = "ERR value is not a valid float"
	errWrongType  = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errOverflow   = "ERR increment or decrement would overflow"
	errNoKey      = "ERR no such key"
	errOOM        = "OOM command not allowed when used memory > 'maxmemory'."
	errDBIndex    = "ERR DB index is out of range"
	errTooBig     = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errNaN        = "ERR increment would produce NaN or Infinity"
	errOffset     = "ERR offset is out of range"
	errCursor     = "ERR invalid cursor"
	errClientName = "ERR Client names cannot contain spaces, newlines or special characters."
)
