package redis

import (
	"strings"

	"github.com/netloop/netloop/resp"
)

// Command flags, as COMMAND reports them.
type cmdFlags uint16

const (
	flagWrite cmdFlags = 1 << iota
	flagReadonly
	flagDenyOOM
	flagAdmin
	flagFast
	flagNoScript
	flagLoading
	flagStale
)

var flagNames = [...]string{"write", "readonly", "denyoom", "admin", "fast", "noscript", "loading", "stale"}

// command is one entry of the command table.
type command struct {
	name  string // lower case; "config|get" for a subcommand
	arity int    // > 0: exactly that many arguments; < 0: at least -arity
	flags cmdFlags
	// The positions of the keys in the arguments, as COMMAND reports.
	first, last, step int
	fn                func(s *Server, cl *client, args [][]byte)
	subs              map[string]*command
	doc               commandDoc
}

type commandDoc struct {
	group, since, summary, complexity string
	args                              []docArg // from synopses
}

// maxNameLen is the longest command name looked up; longer ones are
// unknown without being lowercased.
const maxNameLen = 32

// lookupName finds name, case-insensitively, without allocating.
func lookupName(table map[string]*command, name []byte) *command {
	if len(name) > maxNameLen {
		return nil
	}
	var lower [maxNameLen]byte
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return table[string(lower[:len(name)])]
}

// execute runs one command and appends its reply to cl.out.
func (s *Server) execute(cl *client, args [][]byte) {
	// Clients repeat commands (a pipeline of SETs, a benchmark of GETs):
	// comparing with the last one is cheaper than hashing the name.
	cmd := cl.last
	if cmd == nil || !eqFold(args[0], cmd.name) {
		if cmd = lookupName(commands, args[0]); cmd == nil {
			cl.err(unknownCommand(args))
			return
		}
		cl.last = cmd
	}
	if cmd.subs != nil && len(args) >= 2 {
		sub := lookupName(cmd.subs, args[1])
		if sub == nil {
			cl.err("ERR unknown subcommand '" + clip(string(args[1]), 128) + "'. Try " +
				strings.ToUpper(cmd.name) + " HELP.")
			return
		}
		cmd = sub
	}
	if (cmd.arity > 0 && len(args) != cmd.arity) || len(args) < -cmd.arity {
		cl.err("ERR wrong number of arguments for '" + cmd.name + "' command")
		return
	}
	if limit := s.maxmemory.Load(); limit > 0 && s.ks.used.Load() > limit {
		if !s.ks.evict(Policy(s.policy.Load()), limit) && cmd.flags&flagDenyOOM != 0 {
			cl.err(errOOM)
			return
		}
	}
	cmd.fn(s, cl, args)
}

// unknownCommand is Redis's reply to a command it does not have: the name
// and the first arguments, up to 128 bytes of them.
func unknownCommand(args [][]byte) string {
	var b strings.Builder
	b.WriteString("ERR unknown command '")
	b.WriteString(clip(string(args[0]), 128))
	b.WriteString("', with args beginning with: ")
	shown := 0
	for _, a := range args[1:] {
		if shown >= 128 {
			break
		}
		part := clip(string(a), 128-shown)
		b.WriteString("'" + part + "' ")
		shown += len(part) + 3
	}
	return b.String()
}

// clip is C's "%.*s": at most n bytes, and nothing from a NUL on.
func clip(s string, n int) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if len(s) > n {
		s = s[:n]
	}
	return s
}

// commands is the command table: read-only after init, shared by every
// Server.
var commands = map[string]*command{}

func register(cmds ...*command) {
	for _, c := range cmds {
		commands[c.name] = c
		c.doc.args = parseSynopsis(synopses[c.name])
		for _, sub := range c.subs {
			sub.name = c.name + "|" + sub.name
			sub.doc.args = parseSynopsis(synopses[sub.name])
		}
	}
}

// subcommands indexes subs by their short names.
func subcommands(subs ...*command) map[string]*command {
	m := make(map[string]*command, len(subs))
	for _, c := range subs {
		m[c.name] = c
	}
	return m
}

// appendFlags writes cmd's flags as COMMAND's set of status strings.
func appendFlags(out []byte, proto int, f cmdFlags) []byte {
	n := 0
	for i := range flagNames {
		if f&(1<<i) != 0 {
			n++
		}
	}
	out = resp.AppendSet(out, proto, n)
	for i, name := range flagNames {
		if f&(1<<i) != 0 {
			out = resp.AppendSimple(out, name)
		}
	}
	return out
}
