package heartbeat

import (
	"bufio"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
)

type server struct {
	netloop.BuiltinHandler
	hb     *Heartbeat
	closed chan error
}

func (s *server) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	s.hb.Add(c)
	return nil, netloop.None
}

func (s *server) OnTraffic(c netloop.Conn) netloop.Action {
	c.Discard(-1) // any bytes count as a sign of life
	return netloop.None
}

func (s *server) OnClose(c netloop.Conn, err error) netloop.Action {
	s.hb.Remove(c)
	s.closed <- err
	return netloop.None
}

func start(t *testing.T, timeout time.Duration) (*server, net.Addr) {
	t.Helper()
	hb, err := New(Config{Interval: 20 * time.Millisecond, Timeout: timeout, Ping: []byte("PING\n")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hb.Stop)
	s := &server{hb: hb, closed: make(chan error, 1)}
	eng := nettest.Serve(t, s, "tcp://127.0.0.1:0")
	return s, eng.Addrs()[0]
}

func TestPingsArriveAndAnswersKeepTheConnection(t *testing.T) {
	s, addr := start(t, 100*time.Millisecond)
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	// Twenty pings span four timeouts; answering each keeps us alive.
	for i := 0; i < 20; i++ {
		line, err := r.ReadString('\n')
		if err != nil || line != "PING\n" {
			t.Fatalf("ping %d: %q, %v", i, line, err)
		}
		c.Write([]byte("PONG\n"))
	}
	select {
	case err := <-s.closed:
		t.Fatalf("closed although it answered: %v", err)
	default:
	}
}

func TestSilentPeerIsClosed(t *testing.T) {
	s, addr := start(t, 60*time.Millisecond)
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case err := <-s.closed:
		if !errors.Is(err, netloop.ErrReadTimeout) {
			t.Errorf("OnClose err = %v, want netloop.ErrReadTimeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a silent peer was never closed")
	}
	if s.hb.Len() != 0 {
		t.Errorf("%d connections still registered after close", s.hb.Len())
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{{}, {Interval: time.Second}, {Interval: time.Second, Timeout: -1, Ping: []byte("p")}} {
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}
