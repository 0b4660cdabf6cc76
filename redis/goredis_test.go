package redis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netloop/netloop"
)

// TestGoRedisClient drives the server with github.com/redis/go-redis/v9,
// in RESP3 (its default, after HELLO 3) and RESP2.
func TestGoRedisClient(t *testing.T) {
	_, addr := startServer(t, Config{})
	for _, proto := range []int{3, 2} {
		t.Run("RESP"+strconv.Itoa(proto), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			rdb := goredis.NewClient(&goredis.Options{Addr: addr, Protocol: proto, DB: proto, ClientName: "gotest"})
			t.Cleanup(func() { rdb.Close() })
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(rdb.FlushDB(ctx).Err())
			must(rdb.Set(ctx, "k", "v", 0).Err())
			if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
				t.Fatalf("GET k = %q, %v", v, err)
			}
			if _, err := rdb.Get(ctx, "missing").Result(); err != goredis.Nil {
				t.Fatalf("GET missing: err = %v, want redis.Nil", err)
			}
			if n, err := rdb.Incr(ctx, "n").Result(); err != nil || n != 1 {
				t.Fatalf("INCR = %d, %v", n, err)
			}
			if f, err := rdb.IncrByFloat(ctx, "f", 0.5).Result(); err != nil || f != 0.5 {
				t.Fatalf("INCRBYFLOAT = %v, %v", f, err)
			}
			if name, err := rdb.ClientGetName(ctx).Result(); err != nil || name != "gotest" {
				t.Fatalf("CLIENT GETNAME = %q, %v", name, err)
			}
			must(rdb.Set(ctx, "e", "v", time.Minute).Err())
			if d, err := rdb.TTL(ctx, "e").Result(); err != nil || d != time.Minute {
				t.Fatalf("TTL = %v, %v", d, err)
			}
			if ok, err := rdb.ExpireGT(ctx, "e", time.Hour).Result(); err != nil || !ok {
				t.Fatalf("EXPIRE GT = %v, %v", ok, err)
			}
			must(rdb.MSet(ctx, "a", "1", "b", "2").Err())
			vals, err := rdb.MGet(ctx, "a", "b", "nope").Result()
			if err != nil || vals[0] != "1" || vals[1] != "2" || vals[2] != nil {
				t.Fatalf("MGET = %v, %v", vals, err)
			}
			must(rdb.LPush(ctx, "list", "x").Err())
			if err := rdb.Get(ctx, "list").Err(); err == nil || err.Error() != "WRONGTYPE Operation against a key holding the wrong kind of value" {
				t.Fatalf("GET on a list: %v", err)
			}

			// A pipeline of 100 commands goes out in one write.
			pipe := rdb.Pipeline()
			for i := range 100 {
				pipe.Set(ctx, "p"+strconv.Itoa(i), i, 0)
			}
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatalf("pipeline: %v", err)
			}
			var keys []string
			iter := rdb.Scan(ctx, 0, "p*", 7).Iterator()
			for iter.Next(ctx) {
				keys = append(keys, iter.Val())
			}
			must(iter.Err())
			slices.Sort(keys)
			if len(slices.Compact(keys)) != 100 {
				t.Fatalf("SCAN MATCH p* found %d distinct keys, want 100", len(keys))
			}
			if n, err := rdb.DBSize(ctx).Result(); err != nil || n != 107 {
				t.Fatalf("DBSIZE = %d, %v; want 107", n, err)
			}
			info, err := rdb.Info(ctx, "keyspace").Result()
			if err != nil || info == "" {
				t.Fatalf("INFO keyspace = %q, %v", info, err)
			}
			cfg, err := rdb.ConfigGet(ctx, "maxmemory*").Result()
			if err != nil || cfg["maxmemory-policy"] != "noeviction" {
				t.Fatalf("CONFIG GET = %v, %v", cfg, err)
			}
		})
	}
}

// TestGoRedisManyClientsCoalescing: many go-redis clients at once against
// a server that gathers small batches as netloop redis does by default
// (netloop.WithCoalesce); every reply reaches its own client, in order,
// and the shared counter counts every INCR.
func TestGoRedisManyClientsCoalescing(t *testing.T) {
	_, addr := startServer(t, Config{}, netloop.WithNumLoops(1), netloop.WithCoalesce(20*time.Microsecond))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const clients, rounds = 16, 100
	errs := make(chan error, clients)
	for id := range clients {
		go func() {
			rdb := goredis.NewClient(&goredis.Options{Addr: addr, PoolSize: 1})
			defer rdb.Close()
			key := "client:" + strconv.Itoa(id)
			for i := range rounds {
				want := strconv.Itoa(id*rounds + i)
				if err := rdb.Set(ctx, key, want, 0).Err(); err != nil {
					errs <- err
					return
				}
				if got, err := rdb.Get(ctx, key).Result(); err != nil || got != want {
					errs <- fmt.Errorf("client %d: GET %s = %q, %v; want %q", id, key, got, err, want)
					return
				}
				if err := rdb.Incr(ctx, "shared").Err(); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rdb := goredis.NewClient(&goredis.Options{Addr: addr})
	defer rdb.Close()
	if n, err := rdb.Get(ctx, "shared").Int(); err != nil || n != clients*rounds {
		t.Fatalf("shared = %d, %v; want %d", n, err, clients*rounds)
	}
}
