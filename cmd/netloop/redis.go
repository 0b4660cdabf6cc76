package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netloop/netloop/redis"
)

// redisConfig holds the flags of the redis command.
type redisConfig struct {
	addr string
	loopFlags
	maxmemory string
	policy    string
	databases int
}

func newRedisCmd(g *globals) *cobra.Command {
	cfg := redisConfig{addr: "127.0.0.1:6379", maxmemory: "0", policy: "noeviction", databases: 16}
	cfg.coalesce = redisCoalesce
	cmd := &cobra.Command{
		Use:   "redis",
		Short: "Run a Redis-protocol server (strings, keys, expiry, eviction)",
		Long: `Run an in-memory server that speaks the Redis protocol (RESP2 and RESP3,
pipelined and inline): connection, server, string and key commands, with
lazy and active expiry and maxmemory eviction. Replies and error texts are
Redis 7's, so redis-cli, redis-benchmark and Redis client libraries work
unchanged. The keyspace is sharded over the event loops; see docs/redis.md.`,
		Example: `  netloop redis
  netloop redis --addr 127.0.0.1:6380 --loops 1
  netloop redis --maxmemory 100mb --maxmemory-policy allkeys-lru`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.databases < 1 {
				return fmt.Errorf("--databases %d: want at least 1", cfg.databases)
			}
			maxmemory, err := parseMemoryFlag(cfg.maxmemory)
			if err != nil {
				return err
			}
			policy, err := redis.ParsePolicy(cfg.policy)
			if err != nil {
				return fmt.Errorf("--maxmemory-policy: %w", err)
			}
			log := g.logger(cmd.ErrOrStderr())
			srv, err := redis.New(redis.Config{
				Databases: cfg.databases,
				MaxMemory: maxmemory,
				Policy:    policy,
				Logger:    log,
			})
			if err != nil {
				return err
			}
			log.Info("starting redis server", "version", buildVersion(), "loops", cfg.loopFlags.String(),
				"maxmemory", maxmemory, "maxmemory_policy", policy.String())
			opts := append(srv.Options(), cfg.loopFlags.options()...)
			return serve(cmd.Context(), log, srv, "tcp://"+cfg.addr, opts...)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.addr, "addr", cfg.addr, "address to listen on, host:port")
	cfg.loopFlags.register(f)
	f.StringVar(&cfg.maxmemory, "maxmemory", cfg.maxmemory, "memory limit for keys and values: bytes, or with a unit (100mb, 1gb); 0 is none")
	f.StringVar(&cfg.policy, "maxmemory-policy", cfg.policy, "what to do above maxmemory: noeviction, allkeys-lru, volatile-lru, allkeys-random or volatile-random")
	f.IntVar(&cfg.databases, "databases", cfg.databases, "number of databases for SELECT")
	return cmd
}

// parseMemoryFlag reads --maxmemory as Redis reads maxmemory.
func parseMemoryFlag(s string) (int64, error) {
	n, err := redis.ParseMemory(s)
	if err != nil {
		return 0, fmt.Errorf("--maxmemory: %w", err)
	}
	return n, nil
}
