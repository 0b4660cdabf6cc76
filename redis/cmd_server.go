package redis

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netloop/netloop/resp"
)

func cmdTime(s *Server, cl *client, _ [][]byte) {
	now := time.Now()
	cl.array(2)
	cl.out = resp.AppendBulkInt(cl.out, now.Unix())
	cl.out = resp.AppendBulkInt(cl.out, int64(now.Nanosecond()/1000))
}

// infoSections are INFO's sections in order; "default" and "all" are all
// of them here.
var infoSections = []string{"server", "clients", "memory", "stats", "keyspace"}

func cmdInfo(s *Server, cl *client, args [][]byte) {
	want := map[string]bool{}
	for _, a := range args[1:] {
		want[strings.ToLower(string(a))] = true
	}
	everything := len(want) == 0 || want["default"] || want["all"] || want["everything"]
	var b strings.Builder
	for _, sec := range infoSections {
		if !everything && !want[sec] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		s.infoSection(&b, cl, sec)
	}
	cl.out = resp.AppendVerbatim(cl.out, cl.proto, "txt", []byte(b.String()))
}

func humanBytes(n int64) string {
	f := float64(n)
	switch {
	case n < 1024:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.2fK", f/1024)
	case n < 1<<30:
		return fmt.Sprintf("%.2fM", f/(1<<20))
	case n < 1<<40:
		return fmt.Sprintf("%.2fG", f/(1<<30))
	}
	return fmt.Sprintf("%.2fT", f/(1<<40))
}

func (s *Server) infoSection(b *strings.Builder, cl *client, sec string) {
	kv := func(k string, v any) { fmt.Fprintf(b, "%s:%v\r\n", k, v) }
	switch sec {
	case "server":
		up := time.Since(s.start)
		b.WriteString("# Server\r\n")
		kv("redis_version", RedisVersion)
		kv("server_name", "netloop")
		kv("redis_mode", "standalone")
		kv("os", runtime.GOOS+" "+runtime.GOARCH)
		kv("arch_bits", strconv.IntSize)
		kv("go_version", runtime.Version())
		kv("process_id", os.Getpid())
		kv("tcp_port", s.port.Load())
		kv("server_time_usec", time.Now().UnixMicro())
		kv("uptime_in_seconds", int64(up/time.Second))
		kv("uptime_in_days", int64(up/(24*time.Hour)))
		kv("hz", s.cfg.Hz)
		kv("executable", executable())
	case "clients":
		b.WriteString("# Clients\r\n")
		kv("connected_clients", s.clients.Load())
		kv("blocked_clients", 0)
	case "memory":
		used := s.ks.used.Load()
		peak := max(s.peakMemory.Load(), used)
		limit := s.maxmemory.Load()
		b.WriteString("# Memory\r\n")
		kv("used_memory", used)
		kv("used_memory_human", humanBytes(used))
		kv("used_memory_peak", peak)
		kv("used_memory_peak_human", humanBytes(peak))
		kv("used_memory_dataset", used)
		kv("go_heap_bytes", heapBytes())
		kv("maxmemory", limit)
		kv("maxmemory_human", humanBytes(limit))
		kv("maxmemory_policy", Policy(s.policy.Load()).String())
	case "stats":
		hits, misses, expired, evicted := s.ks.stats()
		b.WriteString("# Stats\r\n")
		kv("total_connections_received", s.connections.Load())
		kv("total_commands_processed", s.commands.Load())
		kv("rejected_connections", 0)
		kv("expired_keys", expired)
		kv("evicted_keys", evicted)
		kv("keyspace_hits", hits)
		kv("keyspace_misses", misses)
	case "keyspace":
		b.WriteString("# Keyspace\r\n")
		for db := range s.cfg.Databases {
			if keys, expires := s.ks.keyCount(db); keys > 0 {
				fmt.Fprintf(b, "db%d:keys=%d,expires=%d,avg_ttl=0\r\n", db, keys, expires)
			}
		}
	}
}

func executable() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}

// heapBytes reads the Go heap's live and unswept objects without stopping
// the world, as runtime.ReadMemStats would.
func heapBytes() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		return sample[0].Value.Uint64()
	}
	return 0
}

// configParam is one parameter of CONFIG GET and SET.
type configParam struct {
	name string
	get  func(s *Server) string
	set  func(s *Server, v string) string // the error text, "" on success; nil: immutable
}

var configParams = []configParam{
	{"maxmemory", func(s *Server) string { return strconv.FormatInt(s.maxmemory.Load(), 10) },
		func(s *Server, v string) string {
			n, ok := parseMemory(v)
			if !ok {
				return "argument must be a memory value"
			}
			s.maxmemory.Store(n)
			return ""
		}},
	{"maxmemory-policy", func(s *Server) string { return Policy(s.policy.Load()).String() },
		func(s *Server, v string) string {
			p, err := ParsePolicy(v)
			if err != nil {
				return "argument(s) must be one of the following: " + strings.Join(policyNames[:], ", ")
			}
			s.policy.Store(int32(p))
			return ""
		}},
	{"databases", func(s *Server) string { return strconv.Itoa(s.cfg.Databases) }, nil},
	{"hz", func(s *Server) string { return strconv.Itoa(s.cfg.Hz) }, nil},
	{"proto-max-bulk-len", func(s *Server) string { return strconv.FormatInt(s.cfg.MaxBulk, 10) }, nil},
	{"port", func(s *Server) string { return strconv.FormatInt(s.port.Load(), 10) }, nil},
	{"save", func(*Server) string { return "" }, nil},
	{"appendonly", func(*Server) string { return "no" }, nil},
	{"timeout", func(*Server) string { return "0" }, nil},
	{"maxclients", func(*Server) string { return "10000" }, nil},
}

// parseMemory is Redis's memtoull: bytes with an optional unit, k/kb/m/mb
// /g/gb, where k is 1000 and kb 1024, case-insensitive.
func parseMemory(v string) (int64, bool) {
	v = strings.ToLower(v)
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}} {
		if strings.HasSuffix(v, u.suffix) {
			v, mul = strings.TrimSuffix(v, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > maxInt64/mul {
		return 0, false
	}
	return n * mul, true
}

func cmdConfigGet(s *Server, cl *client, args [][]byte) {
	var found []configParam
	for _, p := range configParams {
		for _, pat := range args[2:] {
			if globMatch(pat, []byte(p.name), true) {
				found = append(found, p)
				break
			}
		}
	}
	cl.mapHeader(len(found))
	for _, p := range found {
		cl.bulkString(p.name)
		cl.bulkString(p.get(s))
	}
}

// cmdConfigSet sets several parameters at once: all or, on an error,
// none of them.
func cmdConfigSet(s *Server, cl *client, args [][]byte) {
	if len(args)%2 != 0 {
		cl.err("ERR wrong number of arguments for 'config|set' command")
		return
	}
	type change struct {
		p configParam
		v string
	}
	var changes []change
	for i := 2; i < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		j := slices.IndexFunc(configParams, func(p configParam) bool { return p.name == name })
		if j < 0 {
			cl.err("ERR Unknown option or number of arguments for CONFIG SET - '" + clip(string(args[i]), 128) + "'")
			return
		}
		if configParams[j].set == nil {
			cl.err("ERR CONFIG SET failed (possibly related to argument '" + name + "') - can't set immutable config")
			return
		}
		changes = append(changes, change{configParams[j], string(args[i+1])})
	}
	old := make([]string, len(changes))
	for i, c := range changes {
		old[i] = c.p.get(s)
		if msg := c.p.set(s, c.v); msg != "" {
			for k := i - 1; k >= 0; k-- {
				changes[k].p.set(s, old[k])
			}
			cl.err("ERR CONFIG SET failed (possibly related to argument '" + c.p.name + "') - " + msg)
			return
		}
	}
	cl.ok()
}

func cmdConfigResetStat(s *Server, cl *client, _ [][]byte) {
	s.ks.resetStats()
	s.commands.Store(0)
	s.connections.Store(0)
	cl.ok()
}

func cmdConfigHelp(s *Server, cl *client, _ [][]byte) {
	help(cl, "CONFIG",
		"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
		"RESETSTAT", "    Reset statistics reported by the INFO command.")
}

// sortedCommands lists the command table by name, for COMMAND's replies.
func sortedCommands() []*command {
	cmds := make([]*command, 0, len(commands))
	for _, c := range commands {
		cmds = append(cmds, c)
	}
	slices.SortFunc(cmds, func(a, b *command) int { return strings.Compare(a.name, b.name) })
	return cmds
}

func cmdCommand(s *Server, cl *client, _ [][]byte) {
	cmds := sortedCommands()
	cl.array(len(cmds))
	for _, c := range cmds {
		appendCommandInfo(cl, c)
	}
}

func cmdCommandCount(s *Server, cl *client, _ [][]byte) { cl.int(int64(len(commands))) }

func cmdCommandList(s *Server, cl *client, args [][]byte) {
	if len(args) > 2 {
		cl.err(errSyntax)
		return
	}
	cmds := sortedCommands()
	cl.array(len(cmds))
	for _, c := range cmds {
		cl.bulkString(c.name)
	}
}

// findCommand looks up "get" or "config|get".
func findCommand(name []byte) *command {
	base, sub, ok := strings.Cut(strings.ToLower(string(name)), "|")
	c := commands[base]
	if c == nil || !ok {
		return c
	}
	return c.subs[sub]
}

func cmdCommandInfo(s *Server, cl *client, args [][]byte) {
	if len(args) == 2 {
		cmdCommand(s, cl, args)
		return
	}
	cl.array(len(args) - 2)
	for _, name := range args[2:] {
		if c := findCommand(name); c != nil {
			appendCommandInfo(cl, c)
		} else {
			cl.out = resp.AppendNullArray(cl.out, cl.proto)
		}
	}
}

// appendCommandInfo writes COMMAND INFO's ten fields for c.
func appendCommandInfo(cl *client, c *command) {
	cl.array(10)
	cl.bulkString(c.name)
	cl.int(int64(c.arity))
	cl.out = appendFlags(cl.out, cl.proto, c.flags)
	cl.int(int64(c.first))
	cl.int(int64(c.last))
	cl.int(int64(c.step))
	cats := aclCategories(c)
	cl.out = resp.AppendSet(cl.out, cl.proto, len(cats))
	for _, cat := range cats {
		cl.reply(cat)
	}
	cl.out = resp.AppendSet(cl.out, cl.proto, 0) // tips
	cl.array(0)                                  // key specs
	subs := sortedSubs(c)
	cl.array(len(subs))
	for _, sub := range subs {
		appendCommandInfo(cl, sub)
	}
}

func sortedSubs(c *command) []*command {
	subs := make([]*command, 0, len(c.subs))
	for _, sub := range c.subs {
		subs = append(subs, sub)
	}
	slices.SortFunc(subs, func(a, b *command) int { return strings.Compare(a.name, b.name) })
	return subs
}

func aclCategories(c *command) []string {
	group := c.doc.group
	if group == "generic" {
		group = "keyspace"
	}
	cats := []string{"@" + group}
	if c.flags&flagWrite != 0 {
		cats = append(cats, "@write")
	}
	if c.flags&flagReadonly != 0 {
		cats = append(cats, "@read")
	}
	if c.flags&flagAdmin != 0 {
		cats = append(cats, "@admin", "@dangerous")
	}
	if c.flags&flagFast != 0 {
		cats = append(cats, "@fast")
	} else {
		cats = append(cats, "@slow")
	}
	return cats
}

func cmdCommandDocs(s *Server, cl *client, args [][]byte) {
	var cmds []*command
	if len(args) == 2 {
		cmds = sortedCommands()
	} else {
		for _, name := range args[2:] {
			if c := findCommand(name); c != nil {
				cmds = append(cmds, c)
			}
		}
	}
	cl.mapHeader(len(cmds))
	for _, c := range cmds {
		cl.bulkString(c.name)
		appendDocs(cl, c)
	}
}

// appendDocs writes COMMAND DOCS's map for c: what redis-cli's hints and
// HELP need.
func appendDocs(cl *client, c *command) {
	subs := sortedSubs(c)
	n := 4
	if len(subs) > 0 {
		n++
	}
	if len(c.doc.args) > 0 {
		n++
	}
	cl.mapHeader(n)
	cl.bulkString("summary")
	cl.bulkString(c.doc.summary)
	cl.bulkString("since")
	cl.bulkString(c.doc.since)
	cl.bulkString("group")
	cl.bulkString(c.doc.group)
	cl.bulkString("complexity")
	cl.bulkString(c.doc.complexity)
	if len(c.doc.args) > 0 {
		cl.bulkString("arguments")
		appendDocArgs(cl, c.doc.args)
	}
	if len(subs) > 0 {
		cl.bulkString("subcommands")
		cl.mapHeader(len(subs))
		for _, sub := range subs {
			cl.bulkString(sub.name)
			appendDocs(cl, sub)
		}
	}
}

func cmdCommandHelp(s *Server, cl *client, _ [][]byte) {
	help(cl, "COMMAND",
		"(no subcommand)", "    Return details about all Redis commands.",
		"COUNT", "    Return the total number of commands in this Redis server.",
		"LIST", "    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
		"DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.")
}

// ParseMemory reads a memory size as Redis's configuration does: bytes,
// or a number with a unit, k/kb/m/mb/g/gb (k is 1000, kb 1024),
// case-insensitive.
func ParseMemory(s string) (int64, error) {
	n, ok := parseMemory(s)
	if !ok {
		return 0, fmt.Errorf("%w: memory size %q: want bytes or a number with a unit like 100mb", ErrConfig, s)
	}
	return n, nil
}
