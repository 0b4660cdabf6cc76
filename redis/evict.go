package redis

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Policy is what the server does when a write finds memory above
// maxmemory (CONFIG SET maxmemory-policy).
type Policy int32

const (
	// NoEviction refuses writes that may grow memory with an OOM error.
	NoEviction Policy = iota
	// AllKeysLRU evicts the least recently used key.
	AllKeysLRU
	// VolatileLRU evicts the least recently used key with an expire time.
	VolatileLRU
	// AllKeysRandom evicts a random key.
	AllKeysRandom
	// VolatileRandom evicts a random key with an expire time.
	VolatileRandom
)

var policyNames = [...]string{
	NoEviction:     "noeviction",
	AllKeysLRU:     "allkeys-lru",
	VolatileLRU:    "volatile-lru",
	AllKeysRandom:  "allkeys-random",
	VolatileRandom: "volatile-random",
}

func (p Policy) String() string {
	if p >= 0 && int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// ParsePolicy reads a policy by its Redis name, case-insensitively.
func ParsePolicy(s string) (Policy, error) {
	for p, name := range policyNames {
		if strings.EqualFold(s, name) {
			return Policy(p), nil
		}
	}
	return 0, fmt.Errorf("%w: maxmemory-policy %q: want one of %s", ErrConfig, s, strings.Join(policyNames[:], ", "))
}

// maxEvictTime bounds the evictions one command triggers, as Redis bounds
// performEvictions, so that a huge overshoot cannot stall a loop.
const maxEvictTime = 50 * time.Millisecond

// evict deletes keys by policy until used memory is at most limit. It
// returns false if memory is still above the limit: the policy is
// noeviction or has no candidate left.
func (ks *keyspace) evict(p Policy, limit int64) bool {
	start := time.Now()
	for n := 0; ks.used.Load() > limit; n++ {
		if p == NoEviction || !ks.evictOne(p) {
			return false
		}
		if n%16 == 15 && time.Since(start) > maxEvictTime {
			return ks.used.Load() <= limit
		}
	}
	return true
}

func (ks *keyspace) evictOne(p Policy) bool {
	switch p {
	case AllKeysLRU, VolatileLRU:
		return ks.evictLRU(p == AllKeysLRU)
	case AllKeysRandom, VolatileRandom:
		return ks.evictRandom(p == VolatileRandom)
	}
	return false
}

// victim returns the least recently used entry of sh among the lists the
// policy may evict from.
func (sh *shard) victim(all bool) *entry {
	v := sh.oldest(1)
	if all {
		if e := sh.oldest(0); e != nil && (v == nil || e.atime < v.atime) {
			v = e
		}
	}
	return v
}

func (ks *keyspace) evictLRU(all bool) bool {
	best, bestAt := -1, int64(0)
	for i := range ks.shards {
		sh := &ks.shards[i]
		sh.mu.Lock()
		if e := sh.victim(all); e != nil && (best < 0 || e.atime < bestAt) {
			best, bestAt = i, e.atime
		}
		sh.mu.Unlock()
	}
	if best < 0 {
		return false
	}
	sh := &ks.shards[best]
	sh.mu.Lock()
	// Another loop may have used or deleted it meanwhile: take the
	// shard's current victim, which is as old as any other shard's.
	e := sh.victim(all)
	if e != nil {
		sh.remove(e)
		sh.evicted++
	}
	sh.mu.Unlock()
	return e != nil || ks.evictLRU(all)
}

func (ks *keyspace) evictRandom(volatile bool) bool {
	first := rand.IntN(numShards)
	for i := range numShards {
		sh := &ks.shards[(first+i)%numShards]
		sh.mu.Lock()
		for d := range sh.dbs {
			t := &sh.dbs[d]
			var e *entry
			switch {
			case volatile && len(t.volatile) > 0:
				e = t.volatile[rand.IntN(len(t.volatile))]
			case !volatile:
				e = t.random()
			}
			if e != nil {
				sh.remove(e)
				sh.evicted++
				sh.mu.Unlock()
				return true
			}
		}
		sh.mu.Unlock()
	}
	return false
}
