package redis

import (
	"math/bits"
	"math/rand/v2"
)

// entry is one key and its value. An entry belongs to one table of one
// shard and is touched only with that shard's lock held.
type entry struct {
	key  string
	val  []byte     // kindString
	list *listValue // kindList
	hash uint64
	next *entry // the next entry in the same bucket

	// The shard's LRU list (see lru.go) and the time of the last access,
	// in Unix milliseconds.
	lruPrev, lruNext *entry
	atime            int64

	expire int64 // Unix milliseconds; 0: the key does not expire
	vidx   int32 // index in table.volatile, -1 when expire == 0
	db     uint8
	kind   uint8
}

// The value types. TYPE reports their names.
const (
	kindString = iota
	kindList
)

var kindNames = [...]string{kindString: "string", kindList: "list"}

const minBuckets = 4

// table is one database's keys within one shard: a chained hash table
// whose size is a power of two, doubled when it holds more keys than
// buckets and halved when it falls under one key per eight buckets. Its
// bucket of a key is hash & mask, so SCAN can walk it with Redis's
// reverse-binary cursor, which stays valid across resizes.
type table struct {
	buckets []*entry
	count   int
	// volatile holds the entries that have an expire time, for the active
	// expiry cycle to sample from; entry.vidx is each one's index.
	volatile []*entry
}

func (t *table) find(h uint64, key []byte) *entry {
	if t.count == 0 {
		return nil
	}
	for e := t.buckets[h&uint64(len(t.buckets)-1)]; e != nil; e = e.next {
		if e.hash == h && e.key == string(key) {
			return e
		}
	}
	return nil
}

func (t *table) insert(e *entry) {
	if t.count >= len(t.buckets) {
		t.resize(max(minBuckets, 2*len(t.buckets)))
	}
	i := e.hash & uint64(len(t.buckets)-1)
	e.next = t.buckets[i]
	t.buckets[i] = e
	t.count++
}

func (t *table) remove(e *entry) {
	p := &t.buckets[e.hash&uint64(len(t.buckets)-1)]
	for *p != e {
		p = &(*p).next
	}
	*p = e.next
	e.next = nil
	t.count--
	if e.vidx >= 0 {
		t.unvolatile(e)
	}
	if t.count == 0 {
		t.buckets = nil // an emptied database holds no memory
	} else if len(t.buckets) > minBuckets && t.count < len(t.buckets)/8 {
		t.resize(len(t.buckets) / 2)
	}
}

// resize rehashes every entry at once. A shard holds 1/64 of the keys,
// which keeps each rehash short; see docs/redis.md.
func (t *table) resize(n int) {
	old := t.buckets
	t.buckets = make([]*entry, n)
	mask := uint64(n - 1)
	for _, e := range old {
		for e != nil {
			next := e.next
			i := e.hash & mask
			e.next = t.buckets[i]
			t.buckets[i] = e
			e = next
		}
	}
}

func (t *table) volatileAdd(e *entry) {
	e.vidx = int32(len(t.volatile))
	t.volatile = append(t.volatile, e)
}

func (t *table) unvolatile(e *entry) {
	last := t.volatile[len(t.volatile)-1]
	t.volatile[e.vidx] = last
	last.vidx = e.vidx
	t.volatile[len(t.volatile)-1] = nil
	t.volatile = t.volatile[:len(t.volatile)-1]
	e.vidx = -1
	if cap(t.volatile) > 64 && len(t.volatile) < cap(t.volatile)/4 {
		t.volatile = append([]*entry(nil), t.volatile...)
	}
}

// scan calls fn for every entry in the bucket at cursor and returns the
// next cursor, 0 when the table has been walked. An entry present from the
// first call to the last is visited at least once, whatever resizes
// happen in between (the argument of Redis's dictScan, for one table).
func (t *table) scan(cursor uint64, fn func(*entry)) uint64 {
	if t.count == 0 || len(t.buckets) == 0 {
		return 0
	}
	mask := uint64(len(t.buckets) - 1)
	for e := t.buckets[cursor&mask]; e != nil; e = e.next {
		fn(e)
	}
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}

// random returns a random entry, or nil if the table is empty. Buckets
// are at least one in eight full, so the search is short.
func (t *table) random() *entry {
	if t.count == 0 {
		return nil
	}
	for {
		e := t.buckets[rand.Uint64()&uint64(len(t.buckets)-1)]
		if e == nil {
			continue
		}
		n := 0
		for x := e; x != nil; x = x.next {
			n++
		}
		for i := rand.IntN(n); i > 0; i-- {
			e = e.next
		}
		return e
	}
}

// each calls fn for every entry; fn must not change the table.
func (t *table) each(fn func(*entry)) {
	for _, e := range t.buckets {
		for ; e != nil; e = e.next {
			fn(e)
		}
	}
}
