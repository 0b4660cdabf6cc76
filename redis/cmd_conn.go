package redis

import (
	"strconv"
	"time"

	"github.com/netloop/netloop/resp"
)

// RedisVersion is the Redis release whose behaviour the server follows;
// HELLO and INFO report it as redis_version, since clients decide what
// they may send by it.
const RedisVersion = "7.0.15"

func cmdPing(s *Server, cl *client, args [][]byte) {
	switch len(args) {
	case 1:
		cl.out = append(cl.out, "+PONG\r\n"...)
	case 2:
		cl.bulk(args[1])
	default:
		cl.err("ERR wrong number of arguments for 'ping' command")
	}
}

func cmdEcho(s *Server, cl *client, args [][]byte) { cl.bulk(args[1]) }

func cmdQuit(s *Server, cl *client, _ [][]byte) {
	cl.ok()
	cl.quit = true
}

func cmdSelect(s *Server, cl *client, args [][]byte) {
	db, ok := resp.ParseInt(args[1])
	switch {
	case !ok || db < -1<<31 || db > 1<<31-1:
		cl.err(errNotInt)
	case db < 0 || db >= int64(s.cfg.Databases):
		cl.err(errDBIndex)
	default:
		cl.db = int(db)
		cl.ok()
	}
}

// validClientName is Redis's validateClientName: printable ASCII without
// spaces.
func validClientName(b []byte) bool {
	for _, c := range b {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

func cmdHello(s *Server, cl *client, args [][]byte) {
	proto := int64(0)
	next := 1
	if len(args) >= 2 {
		var ok bool
		if proto, ok = resp.ParseInt(args[1]); !ok {
			cl.err("ERR Protocol version is not an integer or out of range")
			return
		}
		next = 2
		if proto < 2 || proto > 3 {
			cl.err("NOPROTO unsupported protocol version")
			return
		}
	}
	var user, name []byte
	setName := false
	for j := next; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case eqFold(args[j], "auth") && more >= 2:
			user = args[j+1]
			j += 2
		case eqFold(args[j], "setname") && more >= 1:
			name, setName = args[j+1], true
			if !validClientName(name) {
				cl.err(errClientName)
				return
			}
			j++
		default:
			cl.err("ERR Syntax error in HELLO option '" + clip(string(args[j]), 1<<20) + "'")
			return
		}
	}
	if user != nil && string(user) != "default" {
		cl.err("WRONGPASS invalid username-password pair or user is disabled.")
		return
	}
	if setName {
		cl.name = string(name)
	}
	if proto != 0 {
		cl.proto = int(proto)
	}
	cl.mapHeader(7)
	cl.bulkString("server")
	cl.bulkString("redis")
	cl.bulkString("version")
	cl.bulkString(RedisVersion)
	cl.bulkString("proto")
	cl.int(int64(cl.proto))
	cl.bulkString("id")
	cl.int(cl.id)
	cl.bulkString("mode")
	cl.bulkString("standalone")
	cl.bulkString("role")
	cl.bulkString("master")
	cl.bulkString("modules")
	cl.array(0)
}

// cmdAuth answers as Redis does with no password set: the default user
// takes any password.
func cmdAuth(s *Server, cl *client, args [][]byte) {
	switch {
	case len(args) > 3:
		cl.err(errSyntax)
	case len(args) == 2:
		cl.err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
	case string(args[1]) != "default":
		cl.err("WRONGPASS invalid username-password pair or user is disabled.")
	default:
		cl.ok()
	}
}

func cmdClientID(s *Server, cl *client, _ [][]byte) { cl.int(cl.id) }

func cmdClientSetName(s *Server, cl *client, args [][]byte) {
	if !validClientName(args[2]) {
		cl.err(errClientName)
		return
	}
	cl.name = string(args[2])
	cl.ok()
}

func cmdClientGetName(s *Server, cl *client, _ [][]byte) {
	if cl.name == "" {
		cl.null()
		return
	}
	cl.bulkString(cl.name)
}

func cmdClientSetInfo(s *Server, cl *client, args [][]byte) {
	i := 0
	switch {
	case eqFold(args[2], "lib-name"):
	case eqFold(args[2], "lib-ver"):
		i = 1
	default:
		cl.err("ERR Unrecognized option '" + clip(string(args[2]), 128) + "'")
		return
	}
	if !validClientName(args[3]) {
		cl.err("ERR " + map[int]string{0: "lib-name", 1: "lib-ver"}[i] + " cannot contain spaces, newlines or special characters.")
		return
	}
	cl.lib[i] = string(args[3])
	cl.ok()
}

// cmdClientInfo describes this connection in CLIENT LIST's format.
func cmdClientInfo(s *Server, cl *client, _ [][]byte) {
	var b []byte
	b = append(b, "id="...)
	b = strconv.AppendInt(b, cl.id, 10)
	b = append(b, " addr="...)
	b = append(b, cl.conn.RemoteAddr().String()...)
	b = append(b, " laddr="...)
	b = append(b, cl.conn.LocalAddr().String()...)
	b = append(b, " name="...)
	b = append(b, cl.name...)
	b = append(b, " age="...)
	b = strconv.AppendInt(b, int64(time.Since(cl.created)/time.Second), 10)
	b = append(b, " db="...)
	b = strconv.AppendInt(b, int64(cl.db), 10)
	b = append(b, " resp="...)
	b = strconv.AppendInt(b, int64(cl.proto), 10)
	b = append(b, " lib-name="...)
	b = append(b, cl.lib[0]...)
	b = append(b, " lib-ver="...)
	b = append(b, cl.lib[1]...)
	b = append(b, '\n')
	cl.out = resp.AppendVerbatim(cl.out, cl.proto, "txt", b)
}

func cmdClientHelp(s *Server, cl *client, _ [][]byte) {
	help(cl, "CLIENT",
		"GETNAME", "    Return the name of the current connection.",
		"ID", "    Return the ID of the current connection.",
		"INFO", "    Return information about the current client connection.",
		"SETINFO <option> <value>", "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
		"SETNAME <name>", "    Assign the name <name> to the current connection.")
}

// help writes a HELP reply in Redis's layout.
func help(cl *client, cmd string, lines ...string) {
	cl.array(len(lines) + 3)
	cl.reply(cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		cl.reply(l)
	}
	cl.reply("HELP")
	cl.reply("    Print this help.")
}
