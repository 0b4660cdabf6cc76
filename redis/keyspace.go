package redis

import (
	"hash/maphash"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The keyspace is split into numShards shards by the top bits of each
// key's hash, every shard with its own lock and its own table per
// database. A command locks the shard of its key, so loops serving
// different keys rarely wait for each other; a command on several keys
// locks their shards in ascending order, which makes it atomic and cannot
// deadlock. 64 shards fit the lock set of a command in one uint64.
const (
	shardBits = 6
	numShards = 1 << shardBits
)

// entryOverhead is what memory accounting charges a key beyond its key
// and value bytes: the entry, its bucket slot, and the allocator's
// rounding of the key and value, roughly.
const entryOverhead = int64(unsafe.Sizeof(entry{})) + 8 + 16

type keyspace struct {
	seed   maphash.Seed
	dbs    int
	shards [numShards]shard
	// used is the accounted memory of every key and value, in bytes; it
	// is what maxmemory is compared with.
	used atomic.Int64
}

type shard struct {
	mu  sync.Mutex
	ks  *keyspace
	dbs []table
	// lru are the two LRU lists (lru.go): keys without and with an expire
	// time. Each is a ring through its sentinel, most recent first.
	lru [2]entry
	// Statistics, summed by INFO.
	hits, misses, expired, evicted int64
	_                              [64]byte // keep shards' locks on separate cache lines
}

func newKeyspace(dbs int) *keyspace {
	ks := &keyspace{seed: maphash.MakeSeed(), dbs: dbs}
	for i := range ks.shards {
		sh := &ks.shards[i]
		sh.ks = ks
		sh.dbs = make([]table, dbs)
		for j := range sh.lru {
			sh.lru[j].lruPrev, sh.lru[j].lruNext = &sh.lru[j], &sh.lru[j]
		}
	}
	return ks
}

func (ks *keyspace) hash(key []byte) uint64 { return maphash.Bytes(ks.seed, key) }

func (ks *keyspace) shardOf(h uint64) *shard { return &ks.shards[h>>(64-shardBits)] }

func shardIndex(h uint64) uint { return uint(h >> (64 - shardBits)) }

// lockKey locks the shard of key and returns it with the key's hash.
func (ks *keyspace) lockKey(key []byte) (*shard, uint64) {
	h := ks.hash(key)
	sh := ks.shardOf(h)
	sh.mu.Lock()
	return sh, h
}

// lockMask locks the shards whose bits are set in m, in ascending order.
func (ks *keyspace) lockMask(m uint64) {
	for ; m != 0; m &= m - 1 {
		ks.shards[bits.TrailingZeros64(m)].mu.Lock()
	}
}

func (ks *keyspace) unlockMask(m uint64) {
	for ; m != 0; m &= m - 1 {
		ks.shards[bits.TrailingZeros64(m)].mu.Unlock()
	}
}

const allShards = ^uint64(0)

// lockKeys hashes keys[0], keys[step], ... into hs and locks their
// shards. It returns the lock set for unlockMask.
func (ks *keyspace) lockKeys(keys [][]byte, step int, hs []uint64) ([]uint64, uint64) {
	hs = hs[:0]
	var m uint64
	for i := 0; i < len(keys); i += step {
		h := ks.hash(keys[i])
		hs = append(hs, h)
		m |= 1 << shardIndex(h)
	}
	ks.lockMask(m)
	return hs, m
}

func entryCost(e *entry) int64 {
	c := entryOverhead + int64(len(e.key)) + int64(cap(e.val))
	if e.list != nil {
		c += e.list.cost()
	}
	return c
}

// lookup returns the live entry for key, deleting it first if it has
// expired (lazy expiry), or nil.
func (sh *shard) lookup(db int, h uint64, key []byte, now int64) *entry {
	e := sh.dbs[db].find(h, key)
	if e != nil && e.expire != 0 && e.expire <= now {
		sh.expired++
		sh.remove(e)
		return nil
	}
	return e
}

// read is lookup for a command that reads the key: it counts a keyspace
// hit or miss and marks the entry used.
func (sh *shard) read(db int, h uint64, key []byte, now int64) *entry {
	e := sh.lookup(db, h, key, now)
	if e == nil {
		sh.misses++
		return nil
	}
	sh.hits++
	sh.touch(e, now)
	return e
}

// add creates an entry of kind for key, which must not exist.
func (sh *shard) add(db int, h uint64, key []byte, kind uint8, now int64) *entry {
	e := &entry{key: string(key), hash: h, db: uint8(db), kind: kind, vidx: -1, atime: now}
	sh.dbs[db].insert(e)
	sh.lruPush(e)
	sh.ks.used.Add(entryCost(e))
	return e
}

// remove deletes e from its table and the LRU list.
func (sh *shard) remove(e *entry) {
	sh.ks.used.Add(-entryCost(e))
	sh.dbs[e.db].remove(e)
	sh.lruUnlink(e)
}

// setString makes e's value v, reusing e's buffer when it fits without
// wasting much, and accounts for the change.
func (sh *shard) setString(e *entry, v []byte) {
	before := cap(e.val)
	if e.list != nil {
		sh.ks.used.Add(-e.list.cost())
		e.list = nil
	}
	e.kind = kindString
	if cap(e.val) >= len(v) && cap(e.val) <= 2*len(v)+32 {
		e.val = append(e.val[:0], v...)
	} else {
		e.val = append(make([]byte, 0, len(v)), v...)
	}
	if d := cap(e.val) - before; d != 0 {
		sh.ks.used.Add(int64(d))
	}
}

// setExpire sets or (with 0) clears e's expire time, moving it between
// the volatile set and LRU lists as needed.
func (sh *shard) setExpire(e *entry, at int64) {
	was := e.expire != 0
	e.expire = at
	if was == (at != 0) {
		return
	}
	t := &sh.dbs[e.db]
	if at != 0 {
		t.volatileAdd(e)
	} else {
		t.unvolatile(e)
	}
	sh.lruUnlink(e)
	sh.lruPush(e)
}

// rename moves e to key newKey (hash h) in db of shard dst, which may be
// sh. Both shards are locked; newKey does not exist in dst.
func (sh *shard) moveTo(e *entry, dst *shard, db int, h uint64, newKey []byte, now int64) *entry {
	n := dst.add(db, h, newKey, e.kind, now)
	n.val, n.list = e.val, e.list
	dst.ks.used.Add(int64(cap(n.val)))
	if n.list != nil {
		dst.ks.used.Add(n.list.cost())
	}
	dst.setExpire(n, e.expire)
	sh.remove(e)
	return n
}

// keyCount returns the keys and the keys with an expire time in db,
// locking one shard at a time.
func (ks *keyspace) keyCount(db int) (keys, expires int) {
	for i := range ks.shards {
		sh := &ks.shards[i]
		sh.mu.Lock()
		keys += sh.dbs[db].count
		expires += len(sh.dbs[db].volatile)
		sh.mu.Unlock()
	}
	return keys, expires
}

// flush deletes every key of db (all databases when db < 0). The caller
// holds every shard's lock.
func (ks *keyspace) flush(db int) {
	for i := range ks.shards {
		sh := &ks.shards[i]
		for d := range sh.dbs {
			if db >= 0 && d != db {
				continue
			}
			t := &sh.dbs[d]
			t.each(func(e *entry) {
				sh.ks.used.Add(-entryCost(e))
				sh.lruUnlink(e)
			})
			*t = table{}
		}
	}
}

// stats sums the shards' counters.
func (ks *keyspace) stats() (hits, misses, expired, evicted int64) {
	for i := range ks.shards {
		sh := &ks.shards[i]
		sh.mu.Lock()
		hits += sh.hits
		misses += sh.misses
		expired += sh.expired
		evicted += sh.evicted
		sh.mu.Unlock()
	}
	return
}

func (ks *keyspace) resetStats() {
	for i := range ks.shards {
		sh := &ks.shards[i]
		sh.mu.Lock()
		sh.hits, sh.misses, sh.expired, sh.evicted = 0, 0, 0, 0
		sh.mu.Unlock()
	}
}
