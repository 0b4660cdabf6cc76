package redis

import (
	"testing"
)

// step is one command of a script and the reply expected, rendered by
// resp.Value.String.
type step struct {
	args   []string
	want   string
	sorted bool // the reply is an array in no particular order
	own    bool // this server's reply differs from Redis's on purpose (see the comment)
}

func q(want string, args ...string) step { return step{args: args, want: want} }

type script struct {
	name  string
	steps []step
}

// scripts are the replies netloop's server must give, word for word
// Redis 7's: TestRepliesMatchRedisServer checks the same table against a
// real redis-server.
var scripts = []script{
	{"connection", []step{
		q("+PONG", "PING"),
		q(`"hello"`, "PING", "hello"),
		q("-ERR wrong number of arguments for 'ping' command", "PING", "a", "b"),
		q(`"x y"`, "ECHO", "x y"),
		q("-ERR wrong number of arguments for 'echo' command", "ECHO"),
		q("-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b c' ", "NOSUCH", "a", "b c"),
		q("-ERR unknown command 'nosuch', with args beginning with: ", "nosuch"),
		q("-ERR DB index is out of range", "SELECT", "16"),
		q("-ERR DB index is out of range", "SELECT", "-1"),
		q("-ERR value is not an integer or out of range", "SELECT", "x"),
		q("+OK", "SELECT", "1"),
		q("+OK", "SET", "k", "one"),
		q("+OK", "SELECT", "0"),
		q("(nil)", "GET", "k"),
		q("-NOPROTO unsupported protocol version", "HELLO", "4"),
		q("-ERR Protocol version is not an integer or out of range", "HELLO", "x"),
		q("-ERR Syntax error in HELLO option 'FOO'", "HELLO", "2", "FOO"),
		q("(nil)", "CLIENT", "GETNAME"),
		q("-ERR Client names cannot contain spaces, newlines or special characters.", "CLIENT", "SETNAME", "a b"),
		q("+OK", "CLIENT", "SETNAME", "conn1"),
		q(`"conn1"`, "CLIENT", "GETNAME"),
		q("-ERR unknown subcommand 'FOO'. Try CLIENT HELP.", "CLIENT", "FOO"),
		q("-ERR wrong number of arguments for 'client' command", "CLIENT"),
		q("-ERR wrong number of arguments for 'client|setname' command", "CLIENT", "SETNAME"),
		q("-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?", "AUTH", "pw"),
		q("+OK", "AUTH", "default", "pw"),
		q("-WRONGPASS invalid username-password pair or user is disabled.", "AUTH", "bob", "pw"),
	}},
	{"set options", []step{
		q("+OK", "SET", "k", "v"),
		q(`"v"`, "GET", "k"),
		q("(nil)", "SET", "k", "v2", "NX"),
		q(`"v"`, "SET", "k", "v2", "XX", "GET"),
		q(`"v2"`, "GET", "k"),
		q("(nil)", "SET", "new", "v", "XX"),
		q("-ERR syntax error", "SET", "k", "v", "NX", "XX"),
		q("-ERR syntax error", "SET", "k", "v", "KEEPTTL", "EX", "10"),
		q("-ERR syntax error", "SET", "k", "v", "EX", "10", "PX", "10"),
		q("-ERR syntax error", "SET", "k", "v", "EX"),
		q("-ERR syntax error", "SET", "k", "v", "PERSIST"),
		q("-ERR invalid expire time in 'set' command", "SET", "k", "v", "EX", "0"),
		q("-ERR invalid expire time in 'set' command", "SET", "k", "v", "PX", "-5"),
		q("-ERR invalid expire time in 'set' command", "SET", "k", "v", "EX", "9223372036854775807"),
		q("-ERR value is not an integer or out of range", "SET", "k", "v", "EX", "1.5"),
		q("+OK", "SET", "k", "v", "EX", "100"),
		q(":100", "TTL", "k"),
		q("+OK", "SET", "k", "v3", "KEEPTTL"),
		q(":100", "TTL", "k"),
		q("+OK", "SET", "k", "v4"),
		q(":-1", "TTL", "k"),
		q(":-2", "TTL", "nokey"),
		q("+OK", "SET", "k", "v", "ex", "100", "ex", "200"),
		q(":200", "TTL", "k"),
		q("+OK", "SET", "k", "v", "EXAT", "99999999999"),
		q(":99999999999", "EXPIRETIME", "k"),
		q("+OK", "SET", "k", "v", "PXAT", "1"),
		q("(nil)", "GET", "k"),
		q("(nil)", "SET", "k", "a", "NX", "GET"),
		q(`"a"`, "SET", "k", "b", "NX", "GET"),
		q(":1", "SETNX", "n", "1"),
		q(":0", "SETNX", "n", "2"),
		q("+OK", "SETEX", "e", "100", "v"),
		q(":100", "TTL", "e"),
		q("-ERR invalid expire time in 'setex' command", "SETEX", "e", "0", "v"),
		q("-ERR invalid expire time in 'psetex' command", "PSETEX", "e", "-1", "v"),
		q("-ERR wrong number of arguments for 'setex' command", "SETEX", "e", "1"),
	}},
	{"get family", []step{
		q("+OK", "SET", "k", "v"),
		q(`"v"`, "GETSET", "k", "w"),
		q("(nil)", "GETSET", "new", "x"),
		q(`"w"`, "GETDEL", "k"),
		q("(nil)", "GETDEL", "k"),
		q("+OK", "SET", "k", "v"),
		q(`"v"`, "GETEX", "k", "EX", "100"),
		q(":100", "TTL", "k"),
		q(`"v"`, "GETEX", "k", "PERSIST"),
		q(":-1", "TTL", "k"),
		q("-ERR syntax error", "GETEX", "k", "NX"),
		q("-ERR syntax error", "GETEX", "k", "EX", "10", "PERSIST"),
		q("-ERR invalid expire time in 'getex' command", "GETEX", "k", "EX", "0"),
		q("(nil)", "GETEX", "nokey", "EX", "10"),
		q(`"v"`, "GETEX", "k", "PXAT", "1"),
		q(":0", "EXISTS", "k"),
		q("+OK", "MSET", "a", "1", "b", "2"),
		q(`["1", (nil), "2"]`, "MGET", "a", "nokey", "b"),
		q("-ERR wrong number of arguments for 'mset' command", "MSET", "a", "1", "b"),
		q("-ERR wrong number of arguments for 'msetnx' command", "MSETNX", "a"),
		q(":0", "MSETNX", "a", "9", "c", "3"),
		q("(nil)", "GET", "c"),
		q(":1", "MSETNX", "c", "3", "d", "4"),
		q(`["3", "4"]`, "MGET", "c", "d"),
	}},
	{"counters", []step{
		q(":1", "INCR", "n"),
		q(":0", "DECR", "n"),
		q(":10", "INCRBY", "n", "10"),
		q(":7", "DECRBY", "n", "3"),
		q("-ERR value is not an integer or out of range", "INCRBY", "n", "1.5"),
		q("-ERR value is not an integer or out of range", "INCRBY", "n", "+1"),
		q("-ERR decrement would overflow", "DECRBY", "n", "-9223372036854775808"),
		q("+OK", "SET", "n", "9223372036854775807"),
		q("-ERR increment or decrement would overflow", "INCR", "n"),
		q("+OK", "SET", "n", "abc"),
		q("-ERR value is not an integer or out of range", "INCR", "n"),
		q("+OK", "SET", "n", " 1"),
		q("-ERR value is not an integer or out of range", "INCR", "n"),
		q("+OK", "SET", "n", "5"),
		q(":1", "EXPIRE", "n", "100"),
		q(":6", "INCR", "n"),
		q(":100", "TTL", "n"), // INCR keeps the expire time
		q("+OK", "SET", "f", "10.50"),
		q(`"10.6"`, "INCRBYFLOAT", "f", "0.1"),
		q(`"5.6"`, "INCRBYFLOAT", "f", "-5"),
		q("+OK", "SET", "f", "5.0e3"),
		q(`"5200"`, "INCRBYFLOAT", "f", "2.0e2"),
		q(`"0.1"`, "INCRBYFLOAT", "g", "0.1"),
		q(`"0.3"`, "INCRBYFLOAT", "g", "0.2"),
		q(`"3"`, "INCRBYFLOAT", "h", "3.0"),
		q(`"-0.25"`, "INCRBYFLOAT", "i", "-.25"),
		q(`"1234567.89012345678895599"`, "INCRBYFLOAT", "j", "1234567.890123456789"),
		q("-ERR value is not a valid float", "INCRBYFLOAT", "f", "abc"),
		q("-ERR value is not a valid float", "INCRBYFLOAT", "f", " 1"),
		q("-ERR value is not a valid float", "INCRBYFLOAT", "f", "nan"),
		q("-ERR increment would produce NaN or Infinity", "INCRBYFLOAT", "f", "inf"),
		q("-ERR value is not a valid float", "INCRBYFLOAT", "f", "1e5000"),
		q("+OK", "SET", "s", "x"),
		q("-ERR value is not a valid float", "INCRBYFLOAT", "s", "1"),
	}},
	{"string ranges", []step{
		q(":5", "APPEND", "k", "Hello"),
		q(":11", "APPEND", "k", " World"),
		q(":11", "STRLEN", "k"),
		q(":0", "STRLEN", "nokey"),
		q("+OK", "SET", "s", "This is a string"),
		q(`"This"`, "GETRANGE", "s", "0", "3"),
		q(`"ing"`, "GETRANGE", "s", "-3", "-1"),
		q(`"This is a string"`, "GETRANGE", "s", "0", "-1"),
		q(`"string"`, "GETRANGE", "s", "10", "100"),
		q(`""`, "GETRANGE", "s", "5", "3"),
		q(`""`, "GETRANGE", "s", "-1", "-5"),
		q(`""`, "GETRANGE", "nokey", "0", "-1"),
		q("-ERR value is not an integer or out of range", "GETRANGE", "s", "a", "1"),
		q(":11", "SETRANGE", "k", "6", "Redis"),
		q(`"Hello Redis"`, "GET", "k"),
		q(":8", "SETRANGE", "z", "5", "abc"),
		q(`"\x00\x00\x00\x00\x00abc"`, "GET", "z"),
		q(":0", "SETRANGE", "empty", "5", ""),
		q(":0", "EXISTS", "empty"),
		q(":8", "SETRANGE", "z", "100", ""),
		q("-ERR offset is out of range", "SETRANGE", "k", "-1", "x"),
		q("-ERR string exceeds maximum allowed size (proto-max-bulk-len)", "SETRANGE", "k", "536870911", "xx"),
	}},
	{"types", []step{
		q(":2", "LPUSH", "l", "a", "b"),
		q(":3", "RPUSH", "l", "c"),
		q(`["b", "a", "c"]`, "LRANGE", "l", "0", "-1"),
		q(":3", "LLEN", "l"),
		q(`"c"`, "LINDEX", "l", "-1"),
		q("+list", "TYPE", "l"),
		q("-WRONGTYPE Operation against a key holding the wrong kind of value", "GET", "l"),
		q("-WRONGTYPE Operation against a key holding the wrong kind of value", "INCR", "l"),
		q("-WRONGTYPE Operation against a key holding the wrong kind of value", "APPEND", "l", "x"),
		q("-WRONGTYPE Operation against a key holding the wrong kind of value", "STRLEN", "l"),
		q("-WRONGTYPE Operation against a key holding the wrong kind of value", "SET", "l", "x", "GET"),
		q("-WRONGTYPE Operation against a key holding the wrong kind of value", "GETRANGE", "l", "0", "1"),
		q(`[(nil)]`, "MGET", "l"),
		q("+OK", "SET", "s", "v"),
		q("-WRONGTYPE Operation against a key holding the wrong kind of value", "LPUSH", "s", "x"),
		q(`"b"`, "LPOP", "l"),
		q(`["c", "a"]`, "RPOP", "l", "5"),
		q(":0", "EXISTS", "l"),
		q("(nil array)", "LPOP", "l", "2"),
		q("+OK", "SET", "l", "x"),
		q("+string", "TYPE", "l"),
		q("+none", "TYPE", "nokey"),
	}},
	{"keys", []step{
		q("+OK", "MSET", "a", "1", "b", "2", "c", "3", "hello", "x", "hallo", "y", "hxllo", "z"),
		q(":2", "DEL", "a", "b", "nokey"),
		q(":1", "UNLINK", "c"),
		q(":3", "EXISTS", "hello", "hello", "hallo", "nokey"),
		step{args: []string{"KEYS", "h?llo"}, want: `["hallo", "hello", "hxllo"]`, sorted: true},
		step{args: []string{"KEYS", "h[ae]llo"}, want: `["hallo", "hello"]`, sorted: true},
		step{args: []string{"KEYS", "h[^e]llo"}, want: `["hallo", "hxllo"]`, sorted: true},
		step{args: []string{"KEYS", "h*o"}, want: `["hallo", "hello", "hxllo"]`, sorted: true},
		step{args: []string{"KEYS", "nothing*"}, want: `[]`, sorted: true},
		q(":3", "DBSIZE"),
		q("-ERR no such key", "RENAME", "nokey", "x"),
		q("+OK", "RENAME", "hello", "hello"),
		q("+OK", "RENAME", "hello", "greeting"),
		q(":0", "EXISTS", "hello"),
		q(`"x"`, "GET", "greeting"),
		q(":0", "RENAMENX", "greeting", "hallo"),
		q(":1", "RENAMENX", "greeting", "hey"),
		q(":0", "RENAMENX", "hey", "hey"),
		q(":1", "EXPIRE", "hey", "100"),
		q("+OK", "RENAME", "hey", "hi"),
		q(":100", "TTL", "hi"),
		q("+OK", "RENAME", "hi", "hallo"),
		q(`"x"`, "GET", "hallo"),
		q("-ERR invalid cursor", "SCAN", "x"),
		q("-ERR syntax error", "SCAN", "0", "COUNT", "0"),
		q("-ERR syntax error", "SCAN", "0", "FOO", "1"),
		q("-ERR value is not an integer or out of range", "SCAN", "0", "COUNT", "x"),
		q("+OK", "FLUSHDB", "ASYNC"),
		q("-ERR syntax error", "FLUSHDB", "NOW"),
		q(":0", "DBSIZE"),
		q("(nil)", "RANDOMKEY"),
		q("+OK", "SET", "only", "1"),
		q(`"only"`, "RANDOMKEY"),
		q(`["0", ["only"]]`, "SCAN", "0", "COUNT", "1000"),
	}},
	{"expire", []step{
		q("+OK", "SET", "k", "v"),
		q(":0", "EXPIRE", "nokey", "10"),
		q(":1", "EXPIRE", "k", "100", "NX"),
		q(":0", "EXPIRE", "k", "200", "NX"),
		q(":0", "EXPIRE", "k", "50", "GT"),
		q(":1", "EXPIRE", "k", "200", "GT"),
		q(":1", "EXPIRE", "k", "150", "LT"),
		q(":1", "EXPIRE", "k", "150", "XX"),
		q(":150", "TTL", "k"),
		q("-ERR NX and XX, GT or LT options at the same time are not compatible", "EXPIRE", "k", "10", "NX", "XX"),
		q("-ERR GT and LT options at the same time are not compatible", "EXPIRE", "k", "10", "GT", "LT"),
		q("-ERR Unsupported option FOO", "EXPIRE", "k", "10", "FOO"),
		q("-ERR value is not an integer or out of range", "EXPIRE", "k", "ten"),
		q("-ERR invalid expire time in 'expire' command", "EXPIRE", "k", "9223372036854775807"),
		q("-ERR invalid expire time in 'pexpire' command", "PEXPIRE", "k", "9223372036854775807"),
		q(":1", "PERSIST", "k"),
		q(":0", "PERSIST", "k"),
		q(":-1", "PTTL", "k"),
		q(":-1", "EXPIRETIME", "k"),
		q(":0", "EXPIRE", "k", "10", "XX"),
		q(":0", "EXPIRE", "k", "10", "GT"),
		q(":1", "EXPIRE", "k", "10", "LT"),
		q(":1", "EXPIREAT", "k", "99999999999"),
		q(":99999999999", "EXPIRETIME", "k"),
		q(":99999999999000", "PEXPIRETIME", "k"),
		q(":1", "PEXPIREAT", "k", "99999999999999"),
		q(":99999999999999", "PEXPIRETIME", "k"),
		q(":1", "EXPIRE", "k", "-1"),
		q(":0", "EXISTS", "k"),
		q("+OK", "SET", "k", "v"),
		q(":1", "PEXPIREAT", "k", "1"),
		q("(nil)", "GET", "k"),
		q(":-2", "PTTL", "k"),
	}},
	{"config and server", []step{
		q(`["maxmemory", "0"]`, "CONFIG", "GET", "maxmemory"),
		q(`["maxmemory-policy", "noeviction"]`, "CONFIG", "GET", "maxmemory-policy"),
		q(`["save", ""]`, "CONFIG", "GET", "save"),
		q(`["appendonly", "no"]`, "CONFIG", "GET", "appendonly"),
		q("+OK", "CONFIG", "SET", "maxmemory", "10mb"),
		q(`["maxmemory", "10485760"]`, "CONFIG", "GET", "maxmemory"),
		q("+OK", "CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "allkeys-lru"),
		q(`["maxmemory-policy", "allkeys-lru"]`, "CONFIG", "GET", "maxmemory-policy"),
		q("+OK", "CONFIG", "SET", "maxmemory-policy", "noeviction"),
		q("-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'", "CONFIG", "SET", "nosuch", "1"),
		q("-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value", "CONFIG", "SET", "maxmemory", "lots"),
		q("-ERR wrong number of arguments for 'config|get' command", "CONFIG", "GET"),
		q("-ERR unknown subcommand 'FOO'. Try CONFIG HELP.", "CONFIG", "FOO"),
		q("-ERR syntax error", "FLUSHALL", "NOW"),
		q("+OK", "FLUSHALL"),
	}},
	{"resp3", []step{
		{args: []string{"HELLO", "3"}, own: true}, // the id and version differ
		q("(null)", "GET", "nokey"),
		q(`{"maxmemory": "0"}`, "CONFIG", "GET", "maxmemory"),
		q(`[(null), (null)]`, "MGET", "a", "b"),
		q(`"1.5"`, "INCRBYFLOAT", "f", "1.5"),
		q("(null)", "LPOP", "l", "2"),
		q(`"hi"`, "PING", "hi"),
		q(`"conn1"`, "CLIENT", "GETNAME"),
	}},
}

func runScript(t *testing.T, c *conn, sc script) []string {
	t.Helper()
	c.do("HELLO", "2")
	c.do("SELECT", "0")
	c.do("FLUSHALL")
	got := make([]string, len(sc.steps))
	for i, st := range sc.steps {
		c.send(st.args...)
		v := c.read()
		if st.sorted {
			got[i] = sortedReply(v)
		} else {
			got[i] = v.String()
		}
	}
	return got
}

func TestRepliesMatchTable(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) {
			got := runScript(t, c, sc)
			for i, st := range sc.steps {
				if !st.own && got[i] != st.want {
					t.Errorf("%q = %s, want %s", st.args, got[i], st.want)
				}
			}
		})
	}
}

// TestRepliesMatchRedisServer runs the table against a real redis-server
// and checks that both servers give the same replies.
func TestRepliesMatchRedisServer(t *testing.T) {
	raddr := startRedis(t)
	_, addr := startServer(t, Config{})
	ours, theirs := dial(t, addr), dial(t, raddr)
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) {
			got, want := runScript(t, ours, sc), runScript(t, theirs, sc)
			for i, st := range sc.steps {
				if !st.own && got[i] != want[i] {
					t.Errorf("%q: netloop %s, redis-server %s", st.args, got[i], want[i])
				}
			}
		})
	}
}
