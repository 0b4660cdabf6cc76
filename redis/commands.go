package redis

// The command table: arity, flags and key positions as Redis 7 declares
// them, and the documentation COMMAND DOCS returns.

type handler = func(s *Server, cl *client, args [][]byte)

func cmd(name string, arity int, flags cmdFlags, keys [3]int, fn handler, group, since, summary, complexity string) *command {
	return &command{name: name, arity: arity, flags: flags, first: keys[0], last: keys[1], step: keys[2], fn: fn,
		doc: commandDoc{group: group, since: since, summary: summary, complexity: complexity}}
}

var (
	noKeys  = [3]int{0, 0, 0}
	oneKey  = [3]int{1, 1, 1}
	allKeys = [3]int{1, -1, 1}
	twoKeys = [3]int{1, 2, 1}
	pairs   = [3]int{1, -1, 2}
)

// container is a command with subcommands, like CONFIG; fn runs when it
// is sent without one (nil: an arity error).
func container(name string, arity int, fn handler, group, summary string, subs ...*command) *command {
	c := cmd(name, arity, 0, noKeys, fn, group, "2.0.0", summary, "Depends on subcommand.")
	c.subs = subcommands(subs...)
	return c
}

func init() {
	const (
		w   = flagWrite
		r   = flagReadonly
		oom = flagDenyOOM
		f   = flagFast
	)
	const (
		o1   = "O(1)"
		on   = "O(N)"
		conn = "connection"
		str  = "string"
		gen  = "generic"
		srv  = "server"
		lst  = "list"
	)
	register(
		// Connection.
		cmd("ping", -1, f|flagStale, noKeys, cmdPing, conn, "1.0.0", "Returns the server's liveliness response.", o1),
		cmd("echo", 2, f, noKeys, cmdEcho, conn, "1.0.0", "Returns the given string.", o1),
		cmd("quit", -1, f|flagStale|flagLoading, noKeys, cmdQuit, conn, "1.0.0", "Closes the connection.", o1),
		cmd("select", 2, f|flagStale|flagLoading, noKeys, cmdSelect, conn, "1.0.0", "Changes the selected database.", o1),
		cmd("hello", -1, f|flagStale|flagLoading|flagNoScript, noKeys, cmdHello, conn, "6.0.0", "Handshakes with the Redis server.", o1),
		cmd("auth", -2, f|flagStale|flagLoading|flagNoScript, noKeys, cmdAuth, conn, "1.0.0", "Authenticates the connection.", on),
		container("client", -2, nil, conn, "A container for client connection commands.",
			cmd("id", 2, f|flagStale|flagLoading|flagNoScript, noKeys, cmdClientID, conn, "5.0.0", "Returns the unique client ID of the connection.", o1),
			cmd("setname", 3, f|flagStale|flagLoading|flagNoScript, noKeys, cmdClientSetName, conn, "2.6.9", "Sets the connection name.", o1),
			cmd("getname", 2, f|flagStale|flagLoading|flagNoScript, noKeys, cmdClientGetName, conn, "2.6.9", "Returns the name of the connection.", o1),
			cmd("setinfo", 4, f|flagStale|flagLoading|flagNoScript, noKeys, cmdClientSetInfo, conn, "7.2.0", "Sets information specific to the client or connection.", o1),
			cmd("info", 2, flagStale|flagLoading|flagNoScript, noKeys, cmdClientInfo, conn, "6.2.0", "Returns information about the connection.", o1),
			cmd("help", 2, flagStale|flagLoading, noKeys, cmdClientHelp, conn, "5.0.0", "Returns helpful text about the different subcommands.", o1),
		),

		// Server.
		container("command", -1, cmdCommand, srv, "Returns detailed information about all commands.",
			cmd("count", 2, flagStale|flagLoading, noKeys, cmdCommandCount, srv, "2.8.13", "Returns a count of commands.", o1),
			cmd("docs", -2, flagStale|flagLoading, noKeys, cmdCommandDocs, srv, "7.0.0", "Returns documentary information about one, multiple or all commands.", on),
			cmd("info", -2, flagStale|flagLoading, noKeys, cmdCommandInfo, srv, "2.8.13", "Returns information about one, multiple or all commands.", on),
			cmd("list", -2, flagStale|flagLoading, noKeys, cmdCommandList, srv, "7.0.0", "Returns a list of command names.", on),
			cmd("help", 2, flagStale|flagLoading, noKeys, cmdCommandHelp, srv, "5.0.0", "Returns helpful text about the different subcommands.", o1),
		),
		container("config", -2, nil, srv, "A container for server configuration commands.",
			cmd("get", -3, flagAdmin|flagNoScript|flagLoading|flagStale, noKeys, cmdConfigGet, srv, "2.0.0", "Returns the effective values of configuration parameters.", "O(N) when N is the number of configuration parameters provided"),
			cmd("set", -4, flagAdmin|flagNoScript|flagLoading|flagStale, noKeys, cmdConfigSet, srv, "2.0.0", "Sets configuration parameters in-flight.", "O(N) when N is the number of configuration parameters provided"),
			cmd("resetstat", 2, flagAdmin|flagNoScript|flagLoading|flagStale, noKeys, cmdConfigResetStat, srv, "2.0.0", "Resets the server's statistics.", o1),
			cmd("help", 2, flagStale|flagLoading, noKeys, cmdConfigHelp, srv, "5.0.0", "Returns helpful text about the different subcommands.", o1),
		),
		cmd("info", -1, flagLoading|flagStale, noKeys, cmdInfo, srv, "1.0.0", "Returns information and statistics about the server.", o1),
		cmd("dbsize", 1, r|f, noKeys, cmdDBSize, srv, "1.0.0", "Returns the number of keys in the database.", o1),
		cmd("flushdb", -1, w, noKeys, cmdFlushDB, srv, "1.0.0", "Removes all keys from the current database.", "O(N) where N is the number of keys in the selected database"),
		cmd("flushall", -1, w, noKeys, cmdFlushAll, srv, "1.0.0", "Removes all keys from all databases.", "O(N) where N is the total number of keys in all databases"),
		cmd("time", 1, f|flagLoading|flagStale, noKeys, cmdTime, srv, "2.6.0", "Returns the server time.", o1),

		// Strings.
		cmd("get", 2, r|f, oneKey, cmdGet, str, "1.0.0", "Returns the string value of a key.", o1),
		cmd("set", -3, w|oom, oneKey, cmdSet, str, "1.0.0", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", o1),
		cmd("setnx", 3, w|oom|f, oneKey, cmdSetNX, str, "1.0.0", "Set the string value of a key only when the key doesn't exist.", o1),
		cmd("setex", 4, w|oom, oneKey, cmdSetEX, str, "2.0.0", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", o1),
		cmd("psetex", 4, w|oom, oneKey, cmdPSetEX, str, "2.6.0", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", o1),
		cmd("getset", 3, w|oom|f, oneKey, cmdGetSet, str, "1.0.0", "Returns the previous string value of a key after setting it to a new value.", o1),
		cmd("getdel", 2, w|f, oneKey, cmdGetDel, str, "6.2.0", "Returns the string value of a key after deleting the key.", o1),
		cmd("getex", -2, w|f, oneKey, cmdGetEx, str, "6.2.0", "Returns the string value of a key after setting its expiration time.", o1),
		cmd("mget", -2, r|f, allKeys, cmdMGet, str, "1.0.0", "Atomically returns the string values of one or more keys.", "O(N) where N is the number of keys to retrieve."),
		cmd("mset", -3, w|oom, pairs, cmdMSet, str, "1.0.1", "Atomically creates or modifies the string values of one or more keys.", "O(N) where N is the number of keys to set."),
		cmd("msetnx", -3, w|oom, pairs, cmdMSetNX, str, "1.0.1", "Atomically modifies the string values of one or more keys only when all keys don't exist.", "O(N) where N is the number of keys to set."),
		cmd("incr", 2, w|oom|f, oneKey, cmdIncr, str, "1.0.0", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", o1),
		cmd("decr", 2, w|oom|f, oneKey, cmdDecr, str, "1.0.0", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", o1),
		cmd("incrby", 3, w|oom|f, oneKey, cmdIncrBy, str, "1.0.0", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", o1),
		cmd("decrby", 3, w|oom|f, oneKey, cmdDecrBy, str, "1.0.0", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", o1),
		cmd("incrbyfloat", 3, w|oom|f, oneKey, cmdIncrByFloat, str, "2.6.0", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", o1),
		cmd("append", 3, w|oom|f, oneKey, cmdAppend, str, "2.0.0", "Appends a string to the value of a key. Creates the key if it doesn't exist.", o1),
		cmd("strlen", 2, r|f, oneKey, cmdStrlen, str, "2.2.0", "Returns the length of a string value.", o1),
		cmd("getrange", 4, r, oneKey, cmdGetRange, str, "2.4.0", "Returns a substring of the string stored at a key.", on),
		cmd("setrange", 4, w|oom, oneKey, cmdSetRange, str, "2.2.0", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", o1),

		// Keys.
		cmd("del", -2, w, allKeys, cmdDel, gen, "1.0.0", "Deletes one or more keys.", on),
		cmd("unlink", -2, w|f, allKeys, cmdDel, gen, "4.0.0", "Asynchronously deletes one or more keys.", on),
		cmd("exists", -2, r|f, allKeys, cmdExists, gen, "1.0.0", "Determines whether one or more keys exist.", on),
		cmd("type", 2, r|f, oneKey, cmdType, gen, "1.0.0", "Determines the type of value stored at a key.", o1),
		cmd("keys", 2, r, noKeys, cmdKeys, gen, "1.0.0", "Returns all key names that match a pattern.", on),
		cmd("scan", -2, r, noKeys, cmdScan, gen, "2.8.0", "Iterates over the key names in the database.", "O(1) for every call. O(N) for a complete iteration."),
		cmd("rename", 3, w, twoKeys, cmdRename, gen, "1.0.0", "Renames a key and overwrites the destination.", o1),
		cmd("renamenx", 3, w|f, twoKeys, cmdRenameNX, gen, "1.0.0", "Renames a key only when the target key name doesn't exist.", o1),
		cmd("randomkey", 1, r, noKeys, cmdRandomKey, gen, "1.0.0", "Returns a random key name from the database.", o1),
		cmd("expire", -3, w|f, oneKey, cmdExpire, gen, "1.0.0", "Sets the expiration time of a key in seconds.", o1),
		cmd("pexpire", -3, w|f, oneKey, cmdPExpire, gen, "2.6.0", "Sets the expiration time of a key in milliseconds.", o1),
		cmd("expireat", -3, w|f, oneKey, cmdExpireAt, gen, "1.2.0", "Sets the expiration time of a key to a Unix timestamp.", o1),
		cmd("pexpireat", -3, w|f, oneKey, cmdPExpireAt, gen, "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.", o1),
		cmd("expiretime", 2, r|f, oneKey, cmdExpireTime, gen, "7.0.0", "Returns the expiration time of a key as a Unix timestamp.", o1),
		cmd("pexpiretime", 2, r|f, oneKey, cmdPExpireTime, gen, "7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp.", o1),
		cmd("ttl", 2, r|f, oneKey, cmdTTL, gen, "1.0.0", "Returns the expiration time in seconds of a key.", o1),
		cmd("pttl", 2, r|f, oneKey, cmdPTTL, gen, "2.6.0", "Returns the expiration time in milliseconds of a key.", o1),
		cmd("persist", 2, w|f, oneKey, cmdPersist, gen, "2.2.0", "Removes the expiration time of a key.", o1),

		// Lists: enough for a second type (WRONGTYPE) and redis-benchmark's
		// list tests.
		cmd("lpush", -3, w|oom|f, oneKey, cmdLPush, lst, "1.0.0", "Prepends one or more elements to a list. Creates the key if it doesn't exist.", o1),
		cmd("rpush", -3, w|oom|f, oneKey, cmdRPush, lst, "1.0.0", "Appends one or more elements to a list. Creates the key if it doesn't exist.", o1),
		cmd("lpop", -2, w|f, oneKey, cmdLPop, lst, "1.0.0", "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", on),
		cmd("rpop", -2, w|f, oneKey, cmdRPop, lst, "1.0.0", "Returns and removes the last elements of a list. Deletes the list if the last element was popped.", on),
		cmd("llen", 2, r|f, oneKey, cmdLLen, lst, "1.0.0", "Returns the length of a list.", o1),
		cmd("lindex", 3, r, oneKey, cmdLIndex, lst, "1.0.0", "Returns an element from a list by its index.", on),
		cmd("lrange", 4, r, oneKey, cmdLRange, lst, "1.0.0", "Returns a range of elements from a list.", "O(S+N)"),
	)
}
