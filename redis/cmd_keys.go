package redis

import (
	"math/rand/v2"
	"strconv"

	"github.com/netloop/netloop/resp"
)

func cmdDel(s *Server, cl *client, args [][]byte) {
	keys := args[1:]
	var m uint64
	cl.hashes, m = s.ks.lockKeys(keys, 1, cl.hashes)
	defer s.ks.unlockMask(m)
	n := int64(0)
	for i, key := range keys {
		h := cl.hashes[i]
		sh := s.ks.shardOf(h)
		if e := sh.lookup(cl.db, h, key, cl.now); e != nil {
			sh.remove(e)
			n++
		}
	}
	cl.int(n)
}

func cmdExists(s *Server, cl *client, args [][]byte) {
	keys := args[1:]
	var m uint64
	cl.hashes, m = s.ks.lockKeys(keys, 1, cl.hashes)
	defer s.ks.unlockMask(m)
	n := int64(0)
	for i, key := range keys {
		h := cl.hashes[i]
		if s.ks.shardOf(h).lookup(cl.db, h, key, cl.now) != nil {
			n++
		}
	}
	cl.int(n)
}

func cmdType(s *Server, cl *client, args [][]byte) {
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	if e := sh.lookup(cl.db, h, args[1], cl.now); e != nil {
		cl.reply(kindNames[e.kind])
	} else {
		cl.reply("none")
	}
}

// cmdKeys holds every shard's lock while it lists, so that, as in Redis,
// the reply is one consistent snapshot.
func cmdKeys(s *Server, cl *client, args [][]byte) {
	pat := args[1]
	all := len(pat) == 1 && pat[0] == '*'
	s.ks.lockMask(allShards)
	defer s.ks.unlockMask(allShards)
	var keys []*entry
	for i := range s.ks.shards {
		s.ks.shards[i].dbs[cl.db].each(func(e *entry) {
			if (e.expire == 0 || e.expire > cl.now) && (all || globMatch(pat, []byte(e.key), false)) {
				keys = append(keys, e)
			}
		})
	}
	cl.array(len(keys))
	for _, e := range keys {
		cl.bulkString(e.key)
	}
}

// parseCursor is Redis's string2ull for SCAN cursors.
func parseCursor(b []byte) (uint64, bool) {
	if n, ok := resp.ParseInt(b); ok {
		return uint64(n), n >= 0
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	return v, err == nil
}

// SCAN cursors name a shard in their low shardBits bits and a position of
// that shard's table (a reverse-binary bucket cursor) in the others. The
// shards are walked in order, each table with table.scan, so SCAN keeps
// Redis's guarantee: a key present for the whole iteration is returned at
// least once.
func cmdScan(s *Server, cl *client, args [][]byte) {
	cursor, ok := parseCursor(args[1])
	if !ok {
		cl.err(errCursor)
		return
	}
	count := int64(10)
	var pat, typ []byte
	for i := 2; i < len(args); i += 2 {
		more := i+1 < len(args)
		switch {
		case eqFold(args[i], "count") && more:
			n, ok := resp.ParseInt(args[i+1])
			if !ok {
				cl.err(errNotInt)
				return
			}
			if n < 1 {
				cl.err(errSyntax)
				return
			}
			count = n
		case eqFold(args[i], "match") && more:
			pat = args[i+1]
			if len(pat) == 1 && pat[0] == '*' {
				pat = nil
			}
		case eqFold(args[i], "type") && more:
			typ = args[i+1]
		default:
			cl.err(errSyntax)
			return
		}
	}
	shardIdx := int(cursor & (numShards - 1))
	pos := cursor >> shardBits
	var found []string
	for steps := int64(0); shardIdx < numShards && int64(len(found)) < count && steps < 10*count; steps++ {
		sh := &s.ks.shards[shardIdx]
		sh.mu.Lock()
		pos = sh.dbs[cl.db].scan(pos, func(e *entry) {
			if e.expire != 0 && e.expire <= cl.now {
				return
			}
			if pat != nil && !globMatch(pat, []byte(e.key), false) {
				return
			}
			if typ != nil && !eqFold(typ, kindNames[e.kind]) {
				return
			}
			found = append(found, e.key)
		})
		sh.mu.Unlock()
		if pos == 0 {
			shardIdx++
		}
	}
	next := uint64(0)
	if shardIdx < numShards {
		next = pos<<shardBits | uint64(shardIdx)
	}
	cl.array(2)
	cl.out = resp.AppendBulkInt(cl.out, int64(next))
	cl.array(len(found))
	for _, k := range found {
		cl.bulkString(k)
	}
}

func cmdRename(s *Server, cl *client, args [][]byte)   { s.rename(cl, args[1], args[2], false) }
func cmdRenameNX(s *Server, cl *client, args [][]byte) { s.rename(cl, args[1], args[2], true) }

func (s *Server) rename(cl *client, from, to []byte, nx bool) {
	hf, ht := s.ks.hash(from), s.ks.hash(to)
	m := uint64(1)<<shardIndex(hf) | uint64(1)<<shardIndex(ht)
	s.ks.lockMask(m)
	defer s.ks.unlockMask(m)
	src, dst := s.ks.shardOf(hf), s.ks.shardOf(ht)
	e := src.lookup(cl.db, hf, from, cl.now)
	if e == nil {
		cl.err(errNoKey)
		return
	}
	reply := func(done bool) {
		switch {
		case !nx:
			cl.ok()
		case done:
			cl.int(1)
		default:
			cl.int(0)
		}
	}
	if string(from) == string(to) {
		reply(false)
		return
	}
	if old := dst.lookup(cl.db, ht, to, cl.now); old != nil {
		if nx {
			reply(false)
			return
		}
		dst.remove(old)
	}
	src.moveTo(e, dst, cl.db, ht, to, cl.now)
	reply(true)
}

func cmdRandomKey(s *Server, cl *client, _ [][]byte) {
	first := rand.IntN(numShards)
	for i := range numShards {
		sh := &s.ks.shards[(first+i)%numShards]
		sh.mu.Lock()
		t := &sh.dbs[cl.db]
		// Expired keys met on the way are deleted, as Redis's dbRandomKey
		// does; the tries are bounded so that a table full of them cannot
		// hold the lock for long.
		for tries := 0; tries < 100 && t.count > 0; tries++ {
			e := t.random()
			if e.expire != 0 && e.expire <= cl.now {
				sh.expired++
				sh.remove(e)
				continue
			}
			cl.bulkString(e.key)
			sh.mu.Unlock()
			return
		}
		sh.mu.Unlock()
	}
	cl.null()
}

// The options of EXPIRE and its kin.
const (
	expNX = 1 << iota
	expXX
	expGT
	expLT
)

func cmdExpire(s *Server, cl *client, args [][]byte) { s.expire(cl, "expire", args, cl.now, 1000) }
func cmdPExpire(s *Server, cl *client, args [][]byte) {
	s.expire(cl, "pexpire", args, cl.now, 1)
}
func cmdExpireAt(s *Server, cl *client, args [][]byte) { s.expire(cl, "expireat", args, 0, 1000) }
func cmdPExpireAt(s *Server, cl *client, args [][]byte) {
	s.expire(cl, "pexpireat", args, 0, 1)
}

// expire is Redis's expireGenericCommand: base + when*unit milliseconds.
func (s *Server) expire(cl *client, cmd string, args [][]byte, base, unit int64) {
	flags := 0
	for _, opt := range args[3:] {
		switch {
		case eqFold(opt, "nx"):
			flags |= expNX
		case eqFold(opt, "xx"):
			flags |= expXX
		case eqFold(opt, "gt"):
			flags |= expGT
		case eqFold(opt, "lt"):
			flags |= expLT
		default:
			cl.err("ERR Unsupported option " + clip(string(opt), 1<<20))
			return
		}
	}
	if flags&expNX != 0 && flags&(expXX|expGT|expLT) != 0 {
		cl.err("ERR NX and XX, GT or LT options at the same time are not compatible")
		return
	}
	if flags&expGT != 0 && flags&expLT != 0 {
		cl.err("ERR GT and LT options at the same time are not compatible")
		return
	}
	when, ok := resp.ParseInt(args[2])
	if !ok {
		cl.err(errNotInt)
		return
	}
	invalid := "ERR invalid expire time in '" + cmd + "' command"
	if unit == 1000 {
		if when > maxInt64/1000 || when < minInt64/1000 {
			cl.err(invalid)
			return
		}
		when *= 1000
	}
	if when > maxInt64-base {
		cl.err(invalid)
		return
	}
	when += base
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.lookup(cl.db, h, args[1], cl.now)
	if e == nil {
		cl.int(0)
		return
	}
	cur := e.expire
	switch {
	case flags&expNX != 0 && cur != 0,
		flags&expXX != 0 && cur == 0,
		flags&expGT != 0 && (cur == 0 || when <= cur),
		flags&expLT != 0 && cur != 0 && when >= cur:
		cl.int(0)
		return
	}
	if when <= cl.now {
		sh.remove(e)
	} else {
		sh.setExpire(e, when)
	}
	cl.int(1)
}

func cmdTTL(s *Server, cl *client, args [][]byte)  { s.ttl(cl, args[1], false, false) }
func cmdPTTL(s *Server, cl *client, args [][]byte) { s.ttl(cl, args[1], true, false) }
func cmdExpireTime(s *Server, cl *client, args [][]byte) {
	s.ttl(cl, args[1], false, true)
}
func cmdPExpireTime(s *Server, cl *client, args [][]byte) {
	s.ttl(cl, args[1], true, true)
}

// ttl replies with the time to live (or, with abs, the expire time) of
// key: -2 for no key, -1 for no expire time.
func (s *Server) ttl(cl *client, key []byte, ms, abs bool) {
	sh, h := s.ks.lockKey(key)
	defer sh.mu.Unlock()
	e := sh.lookup(cl.db, h, key, cl.now)
	switch {
	case e == nil:
		cl.int(-2)
	case e.expire == 0:
		cl.int(-1)
	case abs && ms:
		cl.int(e.expire)
	case abs:
		cl.int((e.expire + 500) / 1000)
	default:
		left := max(e.expire-cl.now, 0)
		if !ms {
			left = (left + 500) / 1000
		}
		cl.int(left)
	}
}

func cmdPersist(s *Server, cl *client, args [][]byte) {
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.lookup(cl.db, h, args[1], cl.now)
	if e == nil || e.expire == 0 {
		cl.int(0)
		return
	}
	sh.setExpire(e, 0)
	cl.int(1)
}

func cmdDBSize(s *Server, cl *client, _ [][]byte) {
	n, _ := s.ks.keyCount(cl.db)
	cl.int(int64(n))
}

func cmdFlushDB(s *Server, cl *client, args [][]byte)  { s.flush(cl, args, cl.db) }
func cmdFlushAll(s *Server, cl *client, args [][]byte) { s.flush(cl, args, -1) }

// flush deletes a database (db >= 0) or all of them, holding every lock,
// so that no loop sees it half done. ASYNC and SYNC are accepted; the
// memory is the garbage collector's to reclaim either way.
func (s *Server) flush(cl *client, args [][]byte, db int) {
	if len(args) > 2 || (len(args) == 2 && !eqFold(args[1], "async") && !eqFold(args[1], "sync")) {
		cl.err(errSyntax)
		return
	}
	s.ks.lockMask(allShards)
	s.ks.flush(db)
	s.ks.unlockMask(allShards)
	cl.ok()
}
