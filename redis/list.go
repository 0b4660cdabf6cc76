package redis

import "github.com/netloop/netloop/resp"

// listValue is a list: a slice with room kept at both ends, so that
// pushing and popping at either end is amortized O(1).
type listValue struct {
	items [][]byte // the elements are items[head:head+n]
	head  int
	n     int
	bytes int64 // the elements' bytes, for memory accounting
}

func (l *listValue) cost() int64 { return 48 + int64(cap(l.items))*24 + l.bytes }

func (l *listValue) at(i int) []byte { return l.items[l.head+i] }

func (l *listValue) pushFront(v []byte) {
	if l.head == 0 {
		l.regrow(max(4, 2*l.n), max(4, 2*l.n)/2)
	}
	l.head--
	l.items[l.head] = append([]byte(nil), v...)
	l.n++
	l.bytes += int64(len(v))
}

func (l *listValue) pushBack(v []byte) {
	if l.head+l.n == len(l.items) {
		l.regrow(max(4, 2*l.n), l.head/2)
	}
	l.items[l.head+l.n] = append([]byte(nil), v...)
	l.n++
	l.bytes += int64(len(v))
}

// regrow moves the elements into a slice of size with front free slots
// before them (when that leaves room at the needed end).
func (l *listValue) regrow(size, front int) {
	size = max(size, l.n+front+1)
	items := make([][]byte, size)
	copy(items[front:], l.items[l.head:l.head+l.n])
	l.items, l.head = items, front
}

func (l *listValue) popFront() []byte {
	v := l.items[l.head]
	l.items[l.head] = nil
	l.head++
	l.n--
	l.bytes -= int64(len(v))
	return v
}

func (l *listValue) popBack() []byte {
	i := l.head + l.n - 1
	v := l.items[i]
	l.items[i] = nil
	l.n--
	l.bytes -= int64(len(v))
	return v
}

func cmdLPush(s *Server, cl *client, args [][]byte) { s.push(cl, args, true) }
func cmdRPush(s *Server, cl *client, args [][]byte) { s.push(cl, args, false) }

func (s *Server) push(cl *client, args [][]byte, front bool) {
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.lookup(cl.db, h, args[1], cl.now)
	if e == nil {
		e = sh.add(cl.db, h, args[1], kindList, cl.now)
		e.list = &listValue{}
		s.ks.used.Add(e.list.cost())
	} else if e.kind != kindList {
		cl.err(errWrongType)
		return
	} else {
		sh.touch(e, cl.now)
	}
	before := e.list.cost()
	for _, v := range args[2:] {
		if front {
			e.list.pushFront(v)
		} else {
			e.list.pushBack(v)
		}
	}
	s.ks.used.Add(e.list.cost() - before)
	cl.int(int64(e.list.n))
}

func cmdLPop(s *Server, cl *client, args [][]byte) { s.pop(cl, args, true) }
func cmdRPop(s *Server, cl *client, args [][]byte) { s.pop(cl, args, false) }

// pop is LPOP and RPOP: one element, or with a count an array of up to
// count elements.
func (s *Server) pop(cl *client, args [][]byte, front bool) {
	if len(args) > 3 {
		cl.err("ERR wrong number of arguments for '" + map[bool]string{true: "lpop", false: "rpop"}[front] + "' command")
		return
	}
	count := int64(-1)
	if len(args) == 3 {
		n, ok := resp.ParseInt(args[2])
		if !ok || n < 0 {
			cl.err("ERR value is out of range, must be positive")
			return
		}
		count = n
	}
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.read(cl.db, h, args[1], cl.now)
	switch {
	case e == nil && count >= 0:
		cl.out = resp.AppendNullArray(cl.out, cl.proto)
		return
	case e == nil:
		cl.null()
		return
	case e.kind != kindList:
		cl.err(errWrongType)
		return
	}
	l := e.list
	before := l.cost()
	take := func() []byte {
		if front {
			return l.popFront()
		}
		return l.popBack()
	}
	if count < 0 {
		cl.bulk(take())
	} else {
		n := min(int(count), l.n)
		cl.array(n)
		for range n {
			cl.bulk(take())
		}
	}
	s.ks.used.Add(l.cost() - before)
	if l.n == 0 {
		sh.remove(e)
	}
}

func cmdLLen(s *Server, cl *client, args [][]byte) {
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.read(cl.db, h, args[1], cl.now)
	switch {
	case e == nil:
		cl.int(0)
	case e.kind != kindList:
		cl.err(errWrongType)
	default:
		cl.int(int64(e.list.n))
	}
}

func cmdLIndex(s *Server, cl *client, args [][]byte) {
	i, ok := resp.ParseInt(args[2])
	if !ok {
		cl.err(errNotInt)
		return
	}
	sh, h := s.ks.lockKey(args[1])
	defer sh.mu.Unlock()
	e := sh.read(cl.db, h, args[1], cl.now)
	switch {
	case e == nil:
		cl.null()
	case e.kind != kindList:
		cl.err(errWrongType)
	default:
		n := int64(e.list.n)
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			cl.null()
		} else {
			cl.bulk(e.list.at(int(i)))
		}
	}
}

func cmdLRange(s *Server, cl *client, args [][]byte) {
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
		cl.array(0)
		return
	}
	if e.kind != kindList {
		cl.err(errWrongType)
		return
	}
	n := int64(e.list.n)
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	if start > end || start >= n {
		cl.array(0)
		return
	}
	end = min(end, n-1)
	cl.array(int(end - start + 1))
	for i := start; i <= end; i++ {
		cl.bulk(e.list.at(int(i)))
	}
}
