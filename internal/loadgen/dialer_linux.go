package loadgen

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// dialer turns a Config into raw socket addresses once, so that the connect
// loop does no name resolution or parsing per connection.
type dialer struct {
	family  int
	tcp     bool
	target  unix.Sockaddr
	locals  []unix.Sockaddr // optional source addresses, used round-robin
	timeout time.Duration
}

func newDialer(cfg Config) (*dialer, error) {
	d := &dialer{timeout: cfg.ConnectTimeout}
	if cfg.Network == "unix" {
		d.family = unix.AF_UNIX
		d.target = &unix.SockaddrUnix{Name: cfg.Addr}
		return d, nil
	}
	d.tcp = true
	ta, err := net.ResolveTCPAddr(cfg.Network, cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("loadgen: resolve %q: %w", cfg.Addr, err)
	}
	ip := ta.IP
	if ip == nil { // ":port" means this host, as it does for net.Dial
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip4 := ip.To4(); ip4 != nil && cfg.Network != "tcp6" {
		d.family = unix.AF_INET
		d.target = &unix.SockaddrInet4{Port: ta.Port, Addr: [4]byte(ip4)}
	} else {
		zone, err := zoneID(ta.Zone)
		if err != nil {
			return nil, fmt.Errorf("loadgen: resolve %q: %w", cfg.Addr, err)
		}
		d.family = unix.AF_INET6
		d.target = &unix.SockaddrInet6{Port: ta.Port, ZoneId: zone, Addr: [16]byte(ip.To16())}
	}
	for _, s := range cfg.LocalAddrs {
		ip := net.ParseIP(s) // validated by Config.Validate
		ip4 := ip.To4()
		switch {
		case d.family == unix.AF_INET && ip4 != nil:
			d.locals = append(d.locals, &unix.SockaddrInet4{Addr: [4]byte(ip4)})
		case d.family == unix.AF_INET6 && ip4 == nil:
			d.locals = append(d.locals, &unix.SockaddrInet6{Addr: [16]byte(ip)})
		default:
			return nil, fmt.Errorf("loadgen: local addr %q is not of the same address family as %q: %w", s, cfg.Addr, ErrInvalidConfig)
		}
	}
	return d, nil
}

func zoneID(zone string) (uint32, error) {
	if zone == "" {
		return 0, nil
	}
	if ifi, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifi.Index), nil
	}
	n, err := strconv.ParseUint(zone, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("unknown zone %q", zone)
	}
	return uint32(n), nil
}

// start creates the socket of connection i and begins a non-blocking
// connect. done reports that the connect already completed (common for
// unix sockets); otherwise the caller waits for writability.
func (d *dialer) start(i int) (fd int, done bool, err error) {
	fd, err = unix.Socket(d.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, false, fmt.Errorf("socket: %w", err)
	}
	if err := d.prepare(fd, i); err != nil {
		unix.Close(fd)
		return -1, false, err
	}
	switch err = unix.Connect(fd, d.target); err {
	case nil:
		return fd, true, nil
	case unix.EINPROGRESS, unix.EINTR: // EINTR: the connect carries on asynchronously
		return fd, false, nil
	case unix.EAGAIN:
		// Only unix sockets say EAGAIN: the listener's backlog is full and
		// there is no asynchronous completion to wait for.
		if err = d.connectBlocking(fd); err == nil {
			return fd, true, nil
		}
	}
	unix.Close(fd)
	return -1, false, fmt.Errorf("connect: %w", err)
}

func (d *dialer) prepare(fd, i int) error {
	if !d.tcp {
		return nil
	}
	// Echo benchmarks send small messages and wait for them; Nagle would
	// turn that into delayed-ACK stalls that measure the stack, not the server.
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		return fmt.Errorf("setsockopt TCP_NODELAY: %w", err)
	}
	if len(d.locals) == 0 {
		return nil
	}
	// Let connect pick the source port: binding port 0 would reserve a port
	// per source IP outright instead of per 4-tuple, exhausting the range
	// sooner. Older kernels lack the option, which only costs ports.
	_ = unix.SetsockoptInt(fd, unix.SOL_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	la := d.locals[i%len(d.locals)]
	if err := unix.Bind(fd, la); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	return nil
}

// connectBlocking retries a unix-socket connect in blocking mode; the kernel
// bounds the wait by SO_SNDTIMEO, which we set to the connect timeout.
func (d *dialer) connectBlocking(fd int) error {
	tv := unix.NsecToTimeval(d.timeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
		return err
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		return err
	}
	err := unix.Connect(fd, d.target)
	if err == unix.EAGAIN {
		err = unix.ETIMEDOUT
	}
	if err != nil {
		return err
	}
	var zero unix.Timeval
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &zero); err != nil {
		return err
	}
	return unix.SetNonblock(fd, true)
}
