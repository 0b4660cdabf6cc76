package redis

import (
	"strings"

	"github.com/netloop/netloop/resp"
)

// docArg is one argument of a command as COMMAND DOCS describes it, which
// redis-cli turns into its usage line and the hints it shows as you type.
type docArg struct {
	name, typ, token string
	optional         bool
	multiple         bool
	args             []docArg // the alternatives of a oneof, the parts of a block
}

// parseSynopsis reads a command's arguments from a compact synopsis in the
// style of Redis's documentation:
//
//	key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL]
//
// A lower-case word is an argument (key..., with "..." for one or more),
// an upper-case word a token, either alone (a pure token) or naming the
// argument after it; [...] is optional, (...) a group, a|b a choice, a
// group or choice of several words a block, and "..." after a group makes
// it repeat.
func parseSynopsis(s string) []docArg {
	words := strings.Fields(strings.NewReplacer("[", " [ ", "]", " ] ", "(", " ( ", ")", " ) ", "|", " | ").Replace(s))
	args, _ := parseSeq(words)
	return args
}

func isToken(w string) bool { return w == strings.ToUpper(w) && strings.ToLower(w) != w }

// parseSeq reads items until "]", "|" or the end.
func parseSeq(words []string) ([]docArg, []string) {
	var seq []docArg
	for len(words) > 0 {
		w := words[0]
		switch {
		case w == "]" || w == ")" || w == "|":
			return seq, words
		case w == "..." && len(seq) > 0:
			seq[len(seq)-1].multiple = true
			words = words[1:]
		case w == "[" || w == "(":
			alt, rest := parseAlt(words[1:])
			if len(rest) > 0 && (rest[0] == "]" || rest[0] == ")") {
				rest = rest[1:]
			}
			alt.optional = w == "["
			seq = append(seq, alt)
			words = rest
		case isToken(w) && len(words) > 1 && !isToken(words[1]) && !strings.ContainsAny(words[1], "[]|"):
			a := plainArg(words[1])
			a.token = w
			seq = append(seq, a)
			words = words[2:]
		case isToken(w):
			seq = append(seq, docArg{name: strings.ToLower(w), typ: "pure-token", token: w})
			words = words[1:]
		default:
			seq = append(seq, plainArg(w))
			words = words[1:]
		}
	}
	return seq, words
}

// parseAlt reads alternatives separated by "|" up to "]": one alternative
// is itself (or a block if it has several parts), several are a oneof.
func parseAlt(words []string) (docArg, []string) {
	var alts []docArg
	for {
		seq, rest := parseSeq(words)
		if len(seq) == 1 {
			alts = append(alts, seq[0])
		} else {
			alts = append(alts, docArg{name: blockName(seq), typ: "block", args: seq})
		}
		if len(rest) == 0 || rest[0] != "|" {
			if len(alts) == 1 {
				return alts[0], rest
			}
			return docArg{name: blockName(alts), typ: "oneof", args: alts}, rest
		}
		words = rest[1:]
	}
}

func blockName(parts []docArg) string {
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = p.name
	}
	return strings.Join(names, "-")
}

// plainArg is one argument word: its type comes from a ":type" suffix
// ("increment:double") or else from its name.
func plainArg(w string) docArg {
	a := docArg{name: strings.TrimSuffix(w, "...")}
	a.multiple = a.name != w
	if name, typ, ok := strings.Cut(a.name, ":"); ok {
		a.name, a.typ = name, typ
		return a
	}
	switch {
	case strings.HasPrefix(a.name, "key") || strings.HasSuffix(a.name, "key"):
		a.typ = "key"
	case a.name == "pattern":
		a.typ = "pattern"
	case strings.HasPrefix(a.name, "unix-time"):
		a.typ = "unix-time"
	case a.name == "seconds" || a.name == "milliseconds" || a.name == "count" || a.name == "offset" ||
		a.name == "start" || a.name == "end" || a.name == "index" || a.name == "cursor" ||
		a.name == "decrement" || a.name == "increment" || a.name == "protover" || a.name == "stop":
		a.typ = "integer"
	default:
		a.typ = "string"
	}
	return a
}

// appendDocArgs writes args as COMMAND DOCS's "arguments" array.
func appendDocArgs(cl *client, args []docArg) {
	cl.array(len(args))
	for _, a := range args {
		n := 2
		if a.typ == "key" {
			n++
		}
		if a.token != "" {
			n++
		}
		if a.optional || a.multiple {
			n++
		}
		if a.args != nil {
			n++
		}
		cl.mapHeader(n)
		cl.bulkString("name")
		cl.bulkString(a.name)
		cl.bulkString("type")
		cl.bulkString(a.typ)
		if a.typ == "key" {
			cl.bulkString("key_spec_index")
			cl.int(0)
		}
		if a.token != "" {
			cl.bulkString("token")
			cl.bulkString(a.token)
		}
		if a.optional || a.multiple {
			cl.bulkString("flags")
			flags := 0
			if a.optional {
				flags++
			}
			if a.multiple {
				flags++
			}
			cl.out = resp.AppendSet(cl.out, cl.proto, flags)
			if a.optional {
				cl.reply("optional")
			}
			if a.multiple {
				cl.reply("multiple")
			}
		}
		if a.args != nil {
			cl.bulkString("arguments")
			appendDocArgs(cl, a.args)
		}
	}
}

// synopses are the commands' arguments, for COMMAND DOCS.
var synopses = map[string]string{
	"ping":           "[message]",
	"echo":           "message",
	"select":         "index:integer",
	"hello":          "[protover [AUTH username password] [SETNAME clientname]]",
	"auth":           "[username] password",
	"client|setname": "connection-name",
	"client|setinfo": "(LIB-NAME libname|LIB-VER libver)",
	"command|docs":   "[command-name...]",
	"command|info":   "[command-name...]",
	"command|list":   "[FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]",
	"config|get":     "parameter...",
	"config|set":     "(parameter value)...",
	"info":           "[section...]",
	"flushdb":        "[ASYNC|SYNC]",
	"flushall":       "[ASYNC|SYNC]",
	"get":            "key",
	"set":            "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]",
	"setnx":          "key value",
	"setex":          "key seconds value",
	"psetex":         "key milliseconds value",
	"getset":         "key value",
	"getdel":         "key",
	"getex":          "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]",
	"mget":           "key...",
	"mset":           "(key value)...",
	"msetnx":         "(key value)...",
	"incr":           "key",
	"decr":           "key",
	"incrby":         "key increment",
	"decrby":         "key decrement",
	"incrbyfloat":    "key increment:double",
	"append":         "key value",
	"strlen":         "key",
	"getrange":       "key start end",
	"setrange":       "key offset value",
	"del":            "key...",
	"unlink":         "key...",
	"exists":         "key...",
	"type":           "key",
	"keys":           "pattern",
	"scan":           "cursor [MATCH pattern] [COUNT count] [TYPE type]",
	"rename":         "key newkey",
	"renamenx":       "key newkey",
	"expire":         "key seconds [NX|XX|GT|LT]",
	"pexpire":        "key milliseconds [NX|XX|GT|LT]",
	"expireat":       "key unix-time-seconds [NX|XX|GT|LT]",
	"pexpireat":      "key unix-time-milliseconds [NX|XX|GT|LT]",
	"expiretime":     "key",
	"pexpiretime":    "key",
	"ttl":            "key",
	"pttl":           "key",
	"persist":        "key",
	"lpush":          "key element...",
	"rpush":          "key element...",
	"lpop":           "key [count]",
	"rpop":           "key [count]",
	"llen":           "key",
	"lindex":         "key index",
	"lrange":         "key start stop",
}
