package redis

import (
	"math/rand/v2"
	"time"
)

// Active expiry, Redis's slow cycle: every tick, sample up to
// expireSample keys that have an expire time in each database of each
// shard, delete the expired ones, and sample that table again while more
// than a tenth of a sample had expired, within a time budget. Keys nobody
// reads are thus reclaimed, while lookups delete the expired keys they
// meet (lazy expiry).
const (
	expireSample     = 20
	expireStalePerc  = 10
	expireBudgetPerc = 25 // of the tick interval, like Redis's 25% CPU cap
)

// activeExpire runs one cycle and returns how many keys it deleted. It
// visits the shards from where the last cycle stopped, so a budget that
// runs out does not starve the last shards.
func (ks *keyspace) activeExpire(budget time.Duration, next *int) int {
	start := time.Now()
	deadline := start.Add(budget)
	deleted := 0
	for i := range numShards {
		idx := (*next + i) % numShards
		sh := &ks.shards[idx]
		sh.mu.Lock()
		now := time.Now()
		nowMs := now.UnixMilli()
		for d := range sh.dbs {
			t := &sh.dbs[d]
			for len(t.volatile) > 0 {
				n := min(expireSample, len(t.volatile))
				expired := 0
				for range n {
					e := t.volatile[rand.IntN(len(t.volatile))]
					if e.expire <= nowMs {
						sh.remove(e)
						sh.expired++
						expired++
						if len(t.volatile) == 0 {
							break
						}
					}
				}
				deleted += expired
				if expired*100 <= n*expireStalePerc {
					break
				}
				if time.Now().After(deadline) {
					sh.mu.Unlock()
					*next = idx
					return deleted
				}
			}
		}
		sh.mu.Unlock()
	}
	return deleted
}
