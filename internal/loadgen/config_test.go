package loadgen

import (
	"errors"
	"math"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{Addr: "127.0.0.1:1", Conns: 1, Size: 64, Duration: time.Second}
}

func TestConfigValidate(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no addr", func(c *Config) { c.Addr = "" }, "loadgen: addr must be set"},
		{"network", func(c *Config) { c.Network = "udp" }, `loadgen: network must be tcp, tcp4, tcp6 or unix, not "udp"`},
		{"conns", func(c *Config) { c.Conns = 0 }, "loadgen: conns must be > 0"},
		{"size", func(c *Config) { c.Size = -1 }, "loadgen: size must be > 0"},
		{"size max", func(c *Config) { c.Size = MaxSize + 1 }, "loadgen: size must be <= 16777216"},
		{"duration", func(c *Config) { c.Duration = 0 }, "loadgen: duration must be > 0"},
		{"pipeline", func(c *Config) { c.Pipeline = -1 }, "loadgen: pipeline must be >= 0"},
		{"rate", func(c *Config) { c.Rate = -1 }, "loadgen: rate must be a finite number >= 0"},
		{"rate nan", func(c *Config) { c.Rate = math.NaN() }, "loadgen: rate must be a finite number >= 0"},
		{"pipeline+rate", func(c *Config) { c.Rate, c.Pipeline = 10, 2 }, "loadgen: pipeline must be 0 or 1 when rate is set (open loop)"},
		{"workers", func(c *Config) { c.Workers = -1 }, "loadgen: workers must be >= 0"},
		{"warmup", func(c *Config) { c.Warmup = -1 }, "loadgen: warmup must be >= 0"},
		{"timeout", func(c *Config) { c.ConnectTimeout = -1 }, "loadgen: connect timeout must be >= 0"},
		{"local unix", func(c *Config) { c.Network, c.LocalAddrs = "unix", []string{"127.0.0.2"} }, "loadgen: local addrs are only supported for tcp"},
		{"local ip", func(c *Config) { c.LocalAddrs = []string{"nope"} }, `loadgen: local addr "nope" is not an IP address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mod(&c)
			err := c.Validate()
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("%v does not match ErrInvalidConfig", err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{Conns: 2, Workers: 8}.withDefaults()
	if c.Network != "tcp" || c.Pipeline != 1 || c.Workers != 2 || c.ConnectTimeout != DefaultConnectTimeout {
		t.Fatalf("defaults not applied: %+v", c)
	}
}
