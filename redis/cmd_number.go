package redis

import (
	"strconv"

	"github.com/netloop/netloop/resp"
)

// The counters: INCR, DECR, INCRBY, DECRBY on 64-bit integers stored as
// decimal strings, and INCRBYFLOAT (float.go). All keep the key's expire
// time, as in Redis.

func cmdIncr(s *Server, cl *client, args [][]byte) { s.incr(cl, args[1], 1) }
func cmdDecr(s *Server, cl *client, args [][]byte) { s.incr(cl, args[1], -1) }

func cmdIncrBy(s *Server, cl *client, args [][]byte) {
	n, ok := resp.ParseInt(args[2])
	if !ok {
		cl.err(errNotInt)
		return
	}
	s.incr(cl, args[1], n)
}

func cmdDecrBy(s *Server, cl *client, args [][]byte) {
	n, ok := resp.ParseInt(args[2])
	switch {
	case !ok:
		cl.err(errNotInt)
	case n == minInt64:
		cl.err("ERR decrement would overflow")
	default:
		s.incr(cl, args[1], -n)
	}
}

// incr adds by to the integer at key, keeping its expire time.
func (s *Server) incr(cl *client, key []byte, by int64) {
	sh, h := s.ks.lockKey(key)
	defer sh.mu.Unlock()
	e := sh.lookup(cl.db, h, key, cl.now)
	var v int64
	if e != nil {
		if e.kind != kindString {
			cl.err(errWrongType)
			return
		}
		var ok bool
		if v, ok = resp.ParseInt(e.val); !ok {
			cl.err(errNotInt)
			return
		}
	}
	if (by < 0 && v < 0 && by < minInt64-v) || (by > 0 && v > 0 && by > maxInt64-v) {
		cl.err(errOverflow)
		return
	}
	v += by
	if e == nil {
		e = sh.add(cl.db, h, key, kindString, cl.now)
	} else {
		sh.touch(e, cl.now)
	}
	var num [20]byte
	sh.setString(e, strconv.AppendInt(num[:0], v, 10))
	cl.int(v)
}

func cmdIncrByFloat(s *Server, cl *client, args [][]byte) {
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.lookup(cl.db, h, args[1], cl.now)
	var cur []byte
	if e != nil {
		if e.kind != kindString {
			cl.err(errWrongType)
			return
		}
		cur = e.val
	}
	sum, err := addLongDouble(cur, args[2])
	if err != "" {
		cl.err(err)
		return
	}
	if e == nil {
		e = sh.add(cl.db, h, args[1], kindString, cl.now)
	} else {
		sh.touch(e, cl.now)
	}
	sh.setString(e, sum)
	cl.bulk(e.val)
}
