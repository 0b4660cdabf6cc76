package redis

// LRU: each shard threads its entries on two doubly linked lists, most
// recently used first: lru[0] for keys without an expire time, lru[1] for
// keys with one. Every access moves the entry to the front, O(1), so the
// back of a list is exactly the shard's least recently used key. The
// global victim is the oldest of the shards' backs (compared by atime),
// found in O(shards) per eviction: allkeys-lru compares both lists,
// volatile-lru only the second. Why exact LRU and not Redis's sampling:
// docs/redis.md, "Eviction".

func (sh *shard) list(e *entry) *entry {
	if e.expire != 0 {
		return &sh.lru[1]
	}
	return &sh.lru[0]
}

func (sh *shard) lruPush(e *entry) {
	head := sh.list(e)
	e.lruPrev = head
	e.lruNext = head.lruNext
	head.lruNext.lruPrev = e
	head.lruNext = e
}

func (sh *shard) lruUnlink(e *entry) {
	if e.lruPrev == nil {
		return
	}
	e.lruPrev.lruNext = e.lruNext
	e.lruNext.lruPrev = e.lruPrev
	e.lruPrev, e.lruNext = nil, nil
}

// touch marks e used now.
func (sh *shard) touch(e *entry, now int64) {
	e.atime = now
	head := sh.list(e)
	if head.lruNext == e {
		return
	}
	sh.lruUnlink(e)
	sh.lruPush(e)
}

// oldest returns the least recently used entry of list i, or nil.
func (sh *shard) oldest(i int) *entry {
	if e := sh.lru[i].lruPrev; e != &sh.lru[i] {
		return e
	}
	return nil
}
