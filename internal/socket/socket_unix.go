//go:build linux || darwin || freebsd

package socket

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Listen opens a non-blocking listening socket (stream) or bound socket
// (datagram) for network ("tcp", "tcp4", "tcp6", "udp", "udp4", "udp6",
// "unix") and address. It returns the descriptor and the bound address, which
// tells the port chosen for ":0".
func Listen(network, address string, o Options) (int, net.Addr, error) {
	family, sotype, sa, err := resolve(network, address)
	if err != nil {
		return -1, nil, err
	}
	fd, err := newSocket(family, sotype)
	if err != nil {
		return -1, nil, fmt.Errorf("socket: %s %s: %w", network, address, err)
	}
	if err := listenOn(fd, family, sotype, sa, o); err != nil {
		unix.Close(fd)
		return -1, nil, fmt.Errorf("socket: listen %s %s: %w", network, address, err)
	}
	lsa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return -1, nil, fmt.Errorf("socket: getsockname: %w", err)
	}
	return fd, Addr(network, lsa), nil
}

func listenOn(fd, family, sotype int, sa unix.Sockaddr, o Options) error {
	if family != unix.AF_UNIX {
		if o.ReuseAddr {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
				return os.NewSyscallError("setsockopt SO_REUSEADDR", err)
			}
		}
		if o.ReusePort {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
				return os.NewSyscallError("setsockopt SO_REUSEPORT", err)
			}
		}
		if family == unix.AF_INET6 {
			v := 0
			if o.IPv6Only {
				v = 1
			}
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v); err != nil {
				return os.NewSyscallError("setsockopt IPV6_V6ONLY", err)
			}
		}
	}
	if err := setBuffers(fd, o); err != nil {
		return err
	}
	if err := unix.Bind(fd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	if sotype == unix.SOCK_STREAM {
		backlog := o.Backlog
		if backlog <= 0 {
			backlog = unix.SOMAXCONN
		}
		if err := unix.Listen(fd, backlog); err != nil {
			return os.NewSyscallError("listen", err)
		}
	}
	return nil
}

// SetConnOptions applies the per-connection options to an accepted or dialed
// stream socket.
func SetConnOptions(fd int, isTCP bool, o Options) error {
	if isTCP {
		if o.NoDelay {
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
				return os.NewSyscallError("setsockopt TCP_NODELAY", err)
			}
		}
		if o.KeepAlive > 0 {
			if err := setKeepAlive(fd, o); err != nil {
				return err
			}
		}
		if o.Linger >= 0 {
			l := unix.Linger{Onoff: 1, Linger: int32(o.Linger)}
			if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &l); err != nil {
				return os.NewSyscallError("setsockopt SO_LINGER", err)
			}
		}
	}
	return setBuffers(fd, o)
}

func setBuffers(fd int, o Options) error {
	if o.RecvBuffer > 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, o.RecvBuffer); err != nil {
			return os.NewSyscallError("setsockopt SO_RCVBUF", err)
		}
	}
	if o.SendBuffer > 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, o.SendBuffer); err != nil {
			return os.NewSyscallError("setsockopt SO_SNDBUF", err)
		}
	}
	return nil
}

// resolve turns a network and address into a socket family, type and
// kernel address.
func resolve(network, address string) (family, sotype int, sa unix.Sockaddr, err error) {
	switch network {
	case "unix":
		return unix.AF_UNIX, unix.SOCK_STREAM, &unix.SockaddrUnix{Name: address}, nil
	case "tcp", "tcp4", "tcp6":
		a, err := net.ResolveTCPAddr(network, address)
		if err != nil {
			return 0, 0, nil, fmt.Errorf("socket: %w", err)
		}
		family, sa, err = inetSockaddr(network, a.IP, a.Port, a.Zone)
		return family, unix.SOCK_STREAM, sa, err
	case "udp", "udp4", "udp6":
		a, err := net.ResolveUDPAddr(network, address)
		if err != nil {
			return 0, 0, nil, fmt.Errorf("socket: %w", err)
		}
		family, sa, err = inetSockaddr(network, a.IP, a.Port, a.Zone)
		return family, unix.SOCK_DGRAM, sa, err
	}
	return 0, 0, nil, fmt.Errorf("socket: unsupported network %q", network)
}

func inetSockaddr(network string, ip net.IP, port int, zone string) (int, unix.Sockaddr, error) {
	last := network[len(network)-1]
	if ip4 := ip.To4(); last == '4' || (last != '6' && ip4 != nil && len(ip) != 0) {
		sa := &unix.SockaddrInet4{Port: port}
		if ip4 == nil && len(ip) != 0 {
			return 0, nil, fmt.Errorf("socket: %s address %v is not IPv4", network, ip)
		}
		copy(sa.Addr[:], ip4)
		return unix.AF_INET, sa, nil
	}
	// No IP, or IPv6: a dual-stack IPv6 socket serves both families unless
	// the network says tcp6/udp6 only.
	sa := &unix.SockaddrInet6{Port: port}
	if zone != "" {
		ifi, err := net.InterfaceByName(zone)
		if err != nil {
			return 0, nil, fmt.Errorf("socket: zone %q: %w", zone, err)
		}
		sa.ZoneId = uint32(ifi.Index)
	}
	copy(sa.Addr[:], ip.To16())
	return unix.AF_INET6, sa, nil
}

// Accept takes one pending connection from a listening socket, already
// non-blocking and close-on-exec.
func Accept(fd int) (int, unix.Sockaddr, error) {
	for {
		nfd, sa, err := accept(fd)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.ECONNABORTED) {
			// ECONNABORTED: the peer gave up while queued; take the next.
			continue
		}
		return nfd, sa, err
	}
}

// IsTemporary reports whether an accept error only means "try again later".
func IsTemporary(err error) bool {
	return errors.Is(err, unix.EAGAIN)
}

// IsFdExhaustion reports whether err is the process or system running out
// of descriptors (EMFILE, ENFILE) or socket memory (ENOBUFS, ENOMEM).
func IsFdExhaustion(err error) bool {
	return errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) ||
		errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.ENOMEM)
}

// Addr converts a kernel socket address into the net.Addr for network.
func Addr(network string, sa unix.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		ip := net.IPv4(a.Addr[0], a.Addr[1], a.Addr[2], a.Addr[3])
		if network[0] == 'u' && network != "unix" {
			return &net.UDPAddr{IP: ip, Port: a.Port}
		}
		return &net.TCPAddr{IP: ip, Port: a.Port}
	case *unix.SockaddrInet6:
		ip := make(net.IP, net.IPv6len)
		copy(ip, a.Addr[:])
		zone := ""
		if a.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(a.ZoneId)); err == nil {
				zone = ifi.Name
			}
		}
		if network[0] == 'u' && network != "unix" {
			return &net.UDPAddr{IP: ip, Port: a.Port, Zone: zone}
		}
		return &net.TCPAddr{IP: ip, Port: a.Port, Zone: zone}
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: a.Name, Net: "unix"}
	}
	return nil
}

// Sockaddr converts a UDP or TCP net.Addr back into a kernel address.
func Sockaddr(a net.Addr) (unix.Sockaddr, error) {
	var ip net.IP
	var port int
	switch v := a.(type) {
	case *net.UDPAddr:
		ip, port = v.IP, v.Port
	case *net.TCPAddr:
		ip, port = v.IP, v.Port
	case *net.UnixAddr:
		return &unix.SockaddrUnix{Name: v.Name}, nil
	default:
		return nil, fmt.Errorf("socket: unsupported address type %T", a)
	}
	if ip4 := ip.To4(); ip4 != nil {
		sa := &unix.SockaddrInet4{Port: port}
		copy(sa.Addr[:], ip4)
		return sa, nil
	}
	sa := &unix.SockaddrInet6{Port: port}
	copy(sa.Addr[:], ip.To16())
	return sa, nil
}

// SockError returns the pending error of a socket (SO_ERROR), nil if none.
func SockError(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return os.NewSyscallError("getsockopt SO_ERROR", err)
	}
	if v != 0 {
		return syscall.Errno(v)
	}
	return nil
}

// Resolve turns network and address into a kernel address to connect to.
// It may query DNS: callers on an event loop resolve elsewhere first, or
// pass IP literals (see IsLiteral).
func Resolve(network, address string) (unix.Sockaddr, int, error) {
	family, sotype, sa, err := resolve(network, address)
	if err != nil {
		return nil, 0, err
	}
	if family == unix.AF_INET6 {
		if a := sa.(*unix.SockaddrInet6); a.Addr == ([16]byte{}) {
			// Dialing ":port" means the local host, as in package net.
			a.Addr[15] = 1
		}
	} else if a, ok := sa.(*unix.SockaddrInet4); ok && a.Addr == ([4]byte{}) {
		a.Addr = [4]byte{127, 0, 0, 1}
	}
	return sa, sotype, nil
}

// IsLiteral reports whether address needs no DNS lookup to dial.
func IsLiteral(network, address string) bool {
	if network == "unix" {
		return true
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return false
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i]
	}
	return host == "" || net.ParseIP(host) != nil
}

// Connect opens a non-blocking socket and starts connecting it to sa. A
// connect that cannot finish at once returns inProgress: the socket
// becomes writable when it is done, and SockError tells how it went.
func Connect(sa unix.Sockaddr, sotype int, o Options) (fd int, inProgress bool, err error) {
	family := unix.AF_INET
	switch sa.(type) {
	case *unix.SockaddrInet6:
		family = unix.AF_INET6
	case *unix.SockaddrUnix:
		family = unix.AF_UNIX
	}
	fd, err = newSocket(family, sotype)
	if err != nil {
		return -1, false, err
	}
	if err := setBuffers(fd, o); err != nil {
		unix.Close(fd)
		return -1, false, err
	}
	for {
		err = unix.Connect(fd, sa)
		switch {
		case err == nil:
			return fd, false, nil
		case errors.Is(err, unix.EINTR):
			continue // the connect goes on in the background
		case errors.Is(err, unix.EINPROGRESS), errors.Is(err, unix.EALREADY):
			return fd, true, nil
		case errors.Is(err, unix.EAGAIN) && family == unix.AF_UNIX:
			// A Unix listener with a full backlog: like a refusal.
			err = unix.ECONNREFUSED
		}
		unix.Close(fd)
		return -1, false, os.NewSyscallError("connect", err)
	}
}

// LocalAddr returns the bound address of fd.
func LocalAddr(network string, fd int) net.Addr {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil
	}
	return Addr(network, sa)
}

// AddrPort converts an IPv4 or IPv6 kernel address to a netip.AddrPort,
// without allocating; other addresses give the zero value.
func AddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		ip := netip.AddrFrom16(a.Addr)
		if a.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(a.ZoneId)); err == nil {
				ip = ip.WithZone(ifi.Name)
			}
		}
		return netip.AddrPortFrom(ip, uint16(a.Port))
	}
	return netip.AddrPort{}
}

// ErrUnsupportedSocket is Describe's answer for a socket netloop does not
// adopt: listening, or neither a stream nor a datagram socket of an
// address family it serves.
var ErrUnsupportedSocket = errors.New("unsupported socket")

// Describe tells what the connected socket fd is: its two addresses and
// whether it is a datagram (UDP) socket. It fails with unix.ENOTSOCK for
// a descriptor that is no socket, unix.ENOTCONN for an unconnected one,
// and ErrUnsupportedSocket for other kinds netloop does not serve.
func Describe(fd int) (local, remote net.Addr, udp bool, err error) {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return nil, nil, false, err
	}
	if on, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err == nil && on != 0 {
		return nil, nil, false, fmt.Errorf("%w: a listening socket", ErrUnsupportedSocket)
	}
	la, err := unix.Getsockname(fd)
	if err != nil {
		return nil, nil, false, err
	}
	var network string
	switch la.(type) {
	case *unix.SockaddrInet4, *unix.SockaddrInet6:
		switch typ {
		case unix.SOCK_STREAM:
			network = "tcp"
		case unix.SOCK_DGRAM:
			network = "udp"
		}
	case *unix.SockaddrUnix:
		if typ == unix.SOCK_STREAM {
			network = "unix"
		}
	}
	if network == "" {
		return nil, nil, false, fmt.Errorf("%w: type %d, address %T", ErrUnsupportedSocket, typ, la)
	}
	ra, err := unix.Getpeername(fd)
	if err != nil {
		return nil, nil, false, err
	}
	return Addr(network, la), Addr(network, ra), network == "udp", nil
}
