package redis

import "github.com/netloop/netloop/resp"

// eqFold reports whether b equals lower, an ASCII lower-case word, in any
// case.
func eqFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// The options of SET and GETEX (Redis's OBJ_SET_* flags).
const (
	optNX = 1 << iota
	optXX
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT
	optExpire = optEX | optPX | optEXAT | optPXAT
)

// parseSetOptions reads SET's (set) or GETEX's (!set) options from
// args[from:] with the precedence rules of Redis's
// parseExtendedStringArgumentsOrReply. ok is false on a syntax error.
func parseSetOptions(args [][]byte, from int, set bool) (flags int, expire []byte, ok bool) {
	for j := from; j < len(args); j++ {
		opt := args[j]
		hasNext := j+1 < len(args)
		switch {
		case set && eqFold(opt, "nx") && flags&optXX == 0:
			flags |= optNX
		case set && eqFold(opt, "xx") && flags&optNX == 0:
			flags |= optXX
		case set && eqFold(opt, "get"):
			flags |= optGet
		case set && eqFold(opt, "keepttl") && flags&(optPersist|optExpire) == 0:
			flags |= optKeepTTL
		case !set && eqFold(opt, "persist") && flags&(optKeepTTL|optExpire) == 0:
			flags |= optPersist
		case hasNext && flags&(optKeepTTL|optPersist) == 0 && expireOption(opt, flags) != 0:
			flags |= expireOption(opt, flags)
			expire = args[j+1]
			j++
		default:
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// expireOption returns the flag of EX, PX, EXAT or PXAT if opt is one and
// no other of them was given before (the same one again is allowed).
func expireOption(opt []byte, flags int) int {
	var f int
	switch {
	case eqFold(opt, "ex"):
		f = optEX
	case eqFold(opt, "px"):
		f = optPX
	case eqFold(opt, "exat"):
		f = optEXAT
	case eqFold(opt, "pxat"):
		f = optPXAT
	default:
		return 0
	}
	if flags&optExpire&^f != 0 {
		return 0
	}
	return f
}

// expireAt turns an EX/PX/EXAT/PXAT argument into Unix milliseconds, or
// replies with Redis's error (getExpireMillisecondsOrReply).
func expireAt(cl *client, cmd string, arg []byte, flags int) (int64, bool) {
	v, ok := resp.ParseInt(arg)
	if !ok {
		cl.err(errNotInt)
		return 0, false
	}
	seconds := flags&(optEX|optEXAT) != 0
	if v <= 0 || (seconds && v > maxInt64/1000) {
		cl.err("ERR invalid expire time in '" + cmd + "' command")
		return 0, false
	}
	if seconds {
		v *= 1000
	}
	if flags&(optEX|optPX) != 0 {
		v += cl.now
	}
	if v <= 0 {
		cl.err("ERR invalid expire time in '" + cmd + "' command")
		return 0, false
	}
	return v, true
}

const (
	maxInt64 = 1<<63 - 1
	minInt64 = -1 << 63
)

func cmdGet(s *Server, cl *client, args [][]byte) {
	sh, h := s.ks.lockKey(args[1])
	e := sh.read(cl.db, h, args[1], cl.now)
	switch {
	case e == nil:
		cl.null()
	case e.kind != kindString:
		cl.err(errWrongType)
	default:
		cl.bulk(e.val)
	}
	sh.mu.Unlock()
}

func cmdSet(s *Server, cl *client, args [][]byte) {
	flags, exp, ok := parseSetOptions(args, 3, true)
	if !ok {
		cl.err(errSyntax)
		return
	}
	s.set(cl, "set", args[1], args[2], flags, exp, "", "")
}

func cmdSetNX(s *Server, cl *client, args [][]byte) {
	s.set(cl, "setnx", args[1], args[2], optNX, nil, ":1", ":0")
}

func cmdSetEX(s *Server, cl *client, args [][]byte) {
	s.set(cl, "setex", args[1], args[3], optEX, args[2], "", "")
}

func cmdPSetEX(s *Server, cl *client, args [][]byte) {
	s.set(cl, "psetex", args[1], args[3], optPX, args[2], "", "")
}

// set is Redis's setGenericCommand. okReply and abortReply, integer
// replies like ":1", replace +OK and the null reply when not empty.
func (s *Server) set(cl *client, cmd string, key, val []byte, flags int, exp []byte, okReply, abortReply string) {
	var at int64
	if exp != nil {
		var ok bool
		if at, ok = expireAt(cl, cmd, exp, flags); !ok {
			return
		}
	}
	sh, h := s.ks.lockKey(key)
	defer sh.mu.Unlock()
	var e *entry
	if flags&optGet != 0 {
		e = sh.read(cl.db, h, key, cl.now)
		switch {
		case e == nil:
			cl.null()
		case e.kind != kindString:
			cl.err(errWrongType)
			return
		default:
			cl.bulk(e.val)
		}
	} else {
		e = sh.lookup(cl.db, h, key, cl.now)
	}
	if (flags&optNX != 0 && e != nil) || (flags&optXX != 0 && e == nil) {
		switch {
		case flags&optGet != 0:
		case abortReply != "":
			cl.out = append(append(cl.out, abortReply...), '\r', '\n')
		default:
			cl.null()
		}
		return
	}
	if e == nil {
		e = sh.add(cl.db, h, key, kindString, cl.now)
	} else {
		if flags&optKeepTTL == 0 {
			sh.setExpire(e, 0)
		}
		sh.touch(e, cl.now)
	}
	sh.setString(e, val)
	if at != 0 {
		if at <= cl.now {
			sh.remove(e) // already expired: Redis deletes it at once too
		} else {
			sh.setExpire(e, at)
		}
	}
	switch {
	case flags&optGet != 0:
	case okReply != "":
		cl.out = append(append(cl.out, okReply...), '\r', '\n')
	default:
		cl.ok()
	}
}

func cmdGetSet(s *Server, cl *client, args [][]byte) {
	s.set(cl, "getset", args[1], args[2], optGet, nil, "", "")
}

func cmdGetDel(s *Server, cl *client, args [][]byte) {
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.read(cl.db, h, args[1], cl.now)
	switch {
	case e == nil:
		cl.null()
	case e.kind != kindString:
		cl.err(errWrongType)
	default:
		cl.bulk(e.val)
		sh.remove(e)
	}
}

func cmdGetEx(s *Server, cl *client, args [][]byte) {
	flags, exp, ok := parseSetOptions(args, 2, false)
	if !ok {
		cl.err(errSyntax)
		return
	}
	var at int64
	if exp != nil {
		if at, ok = expireAt(cl, "getex", exp, flags); !ok {
			return
		}
	}
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.read(cl.db, h, args[1], cl.now)
	switch {
	case e == nil:
		cl.null()
		return
	case e.kind != kindString:
		cl.err(errWrongType)
		return
	}
	cl.bulk(e.val)
	switch {
	case at != 0 && at <= cl.now:
		sh.remove(e)
	case at != 0:
		sh.setExpire(e, at)
	case flags&optPersist != 0:
		sh.setExpire(e, 0)
	}
}

func cmdMGet(s *Server, cl *client, args [][]byte) {
	keys := args[1:]
	var m uint64
	cl.hashes, m = s.ks.lockKeys(keys, 1, cl.hashes)
	defer s.ks.unlockMask(m)
	cl.array(len(keys))
	for i, key := range keys {
		h := cl.hashes[i]
		e := s.ks.shardOf(h).read(cl.db, h, key, cl.now)
		if e == nil || e.kind != kindString {
			cl.null()
		} else {
			cl.bulk(e.val)
		}
	}
}

func cmdMSet(s *Server, cl *client, args [][]byte) { s.mset(cl, args, false) }

func cmdMSetNX(s *Server, cl *client, args [][]byte) { s.mset(cl, args, true) }

// mset sets every pair at once: the shards of all the keys are locked
// together, so no other client sees some keys set and not others.
func (s *Server) mset(cl *client, args [][]byte, nx bool) {
	if len(args)%2 == 0 {
		cl.err("ERR wrong number of arguments for '" + map[bool]string{false: "mset", true: "msetnx"}[nx] + "' command")
		return
	}
	pairs := args[1:]
	var m uint64
	cl.hashes, m = s.ks.lockKeys(pairs, 2, cl.hashes)
	defer s.ks.unlockMask(m)
	if nx {
		for i := 0; i < len(pairs); i += 2 {
			h := cl.hashes[i/2]
			if s.ks.shardOf(h).lookup(cl.db, h, pairs[i], cl.now) != nil {
				cl.int(0)
				return
			}
		}
	}
	for i := 0; i < len(pairs); i += 2 {
		h := cl.hashes[i/2]
		sh := s.ks.shardOf(h)
		e := sh.lookup(cl.db, h, pairs[i], cl.now)
		if e == nil {
			e = sh.add(cl.db, h, pairs[i], kindString, cl.now)
		} else {
			sh.setExpire(e, 0)
			sh.touch(e, cl.now)
		}
		sh.setString(e, pairs[i+1])
	}
	if nx {
		cl.int(1)
	} else {
		cl.ok()
	}
}

func cmdAppend(s *Server, cl *client, args [][]byte) {
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.lookup(cl.db, h, args[1], cl.now)
	if e == nil {
		e = sh.add(cl.db, h, args[1], kindString, cl.now)
		sh.setString(e, args[2])
		cl.int(int64(len(e.val)))
		return
	}
	if e.kind != kindString {
		cl.err(errWrongType)
		return
	}
	if int64(len(e.val))+int64(len(args[2])) > s.cfg.MaxBulk {
		cl.err(errTooBig)
		return
	}
	before := cap(e.val)
	e.val = append(e.val, args[2]...)
	s.ks.used.Add(int64(cap(e.val) - before))
	sh.touch(e, cl.now)
	cl.int(int64(len(e.val)))
}

func cmdStrlen(s *Server, cl *client, args [][]byte) {
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.read(cl.db, h, args[1], cl.now)
	switch {
	case e == nil:
		cl.int(0)
	case e.kind != kindString:
		cl.err(errWrongType)
	default:
		cl.int(int64(len(e.val)))
	}
}

func cmdGetRange(s *Server, cl *client, args [][]byte) {
	start, ok1 := resp.ParseInt(args[2])
	end, ok2 := resp.ParseInt(args[3])
	if !ok1 || !ok2 {
		cl.err(errNotInt)
		return
	}
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.read(cl.db, h, args[1], cl.now)
	if e == nil {
		cl.bulk(nil)
		return
	}
	if e.kind != kindString {
		cl.err(errWrongType)
		return
	}
	n := int64(len(e.val))
	if start < 0 && end < 0 && start > end {
		cl.bulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		cl.bulk(nil)
		return
	}
	cl.bulk(e.val[start : end+1])
}

func cmdSetRange(s *Server, cl *client, args [][]byte) {
	off, ok := resp.ParseInt(args[2])
	if !ok {
		cl.err(errNotInt)
		return
	}
	if off < 0 {
		cl.err(errOffset)
		return
	}
	val := args[3]
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.lookup(cl.db, h, args[1], cl.now)
	if e != nil && e.kind != kindString {
		cl.err(errWrongType)
		return
	}
	if len(val) == 0 {
		if e == nil {
			cl.int(0)
		} else {
			cl.int(int64(len(e.val)))
		}
		return
	}
	if off+int64(len(val)) > s.cfg.MaxBulk {
		cl.err(errTooBig)
		return
	}
	if e == nil {
		e = sh.add(cl.db, h, args[1], kindString, cl.now)
	} else {
		sh.touch(e, cl.now)
	}
	end := int(off) + len(val)
	before := cap(e.val)
	if end > len(e.val) {
		if end > cap(e.val) {
			grown := make([]byte, end)
			copy(grown, e.val)
			e.val = grown
		} else {
			old := len(e.val)
			e.val = e.val[:end]
			clear(e.val[old:])
		}
	}
	copy(e.val[off:], val)
	s.ks.used.Add(int64(cap(e.val) - before))
	cl.int(int64(len(e.val)))
}
