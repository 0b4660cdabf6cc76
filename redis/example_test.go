package redis_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"strings"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/redis"
	"github.com/netloop/netloop/resp"
)

// booted hands the Engine from OnBoot to the example.
type booted struct {
	*redis.Server
	eng chan netloop.Engine
}

func (b booted) OnBoot(eng netloop.Engine) netloop.Action {
	b.Server.OnBoot(eng)
	b.eng <- eng
	return netloop.None
}

func Example() {
	srv, err := redis.New(redis.Config{MaxMemory: 64 << 20, Policy: redis.AllKeysLRU})
	if err != nil {
		log.Fatal(err)
	}
	h := booted{srv, make(chan netloop.Engine, 1)}
	go netloop.Run(h, "tcp://127.0.0.1:0", srv.Options()...)
	eng := <-h.eng
	defer eng.Stop(context.Background())

	c, err := net.DialTimeout("tcp", eng.Addrs()[0].String(), 5*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	// Three pipelined commands, one inline.
	c.Write([]byte("*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$5\r\nworld\r\nGET hello\r\nINCRBY n 41\r\n"))
	r := resp.NewReader(c)
	for range 3 {
		v, _ := r.ReadValue()
		fmt.Println(strings.TrimSpace(v.String()))
	}
	// Output:
	// +OK
	// "world"
	// :41
}
