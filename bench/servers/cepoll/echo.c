/* echo.c: a minimal epoll echo server, the per-core ceiling for a
 * user-space reactor in the netloop benchmarks. One thread, level-triggered,
 * non-blocking accept, read and write; what the kernel does not take is kept
 * per connection and flushed on EPOLLOUT, and reading from that connection
 * pauses until it drains.        usage: echo 127.0.0.1:9000 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXFD 65536
struct pend { char *buf; size_t off, len; };
static struct pend pending[MAXFD];
static char rbuf[65536];
static int ep;

static void drop(int fd) {
	free(pending[fd].buf);
	memset(&pending[fd], 0, sizeof pending[fd]);
	close(fd); /* closing removes it from the epoll set */
}

static void watch(int fd, unsigned ev) {
	struct epoll_event e = { .events = ev, .data.fd = fd };
	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

/* flush writes what is pending; once empty, reading resumes. -1: fd closed. */
static int flush(int fd) {
	struct pend *p = &pending[fd];
	while (p->off < p->len) {
		ssize_t w = write(fd, p->buf + p->off, p->len - p->off);
		if (w < 0 && errno == EINTR) continue;
		if (w < 0 && errno == EAGAIN) return 0;
		if (w < 0) { drop(fd); return -1; }
		p->off += (size_t)w;
	}
	p->off = p->len = 0;
	watch(fd, EPOLLIN);
	return 0;
}

static void on_read(int fd) {
	ssize_t n = read(fd, rbuf, sizeof rbuf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
	if (n <= 0) { drop(fd); return; }
	ssize_t w = write(fd, rbuf, (size_t)n);
	if (w < 0 && errno != EAGAIN && errno != EINTR) { drop(fd); return; }
	if (w < 0) w = 0;
	if (w < n) { /* keep the rest, wait for writability, stop reading */
		struct pend *p = &pending[fd];
		p->buf = realloc(p->buf, (size_t)(n - w));
		memcpy(p->buf, rbuf + w, (size_t)(n - w));
		p->off = 0; p->len = (size_t)(n - w);
		watch(fd, EPOLLOUT);
	}
}

int main(int argc, char **argv) {
	const char *addr = argc > 1 ? argv[1] : "127.0.0.1:9000";
	char host[64]; int port;
	if (sscanf(addr, "%63[^:]:%d", host, &port) != 2) { fprintf(stderr, "usage: echo HOST:PORT\n"); return 2; }
	signal(SIGPIPE, SIG_IGN);
	int ln = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, host, &sa.sin_addr);
	setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(ln, (struct sockaddr *)&sa, sizeof sa) || listen(ln, 4096)) { perror("listen"); return 1; }
	ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = ln }, evs[256];
	epoll_ctl(ep, EPOLL_CTL_ADD, ln, &e);
	fprintf(stderr, "cepoll echo listening on %s\n", addr);
	for (;;) {
		int k = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < k; i++) {
			int fd = evs[i].data.fd;
			if (fd == ln) {
				int c;
				while ((c = accept4(ln, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					if (c >= MAXFD) { close(c); continue; }
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				}
			} else if (pending[fd].len > 0) {
				if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) flush(fd);
			} else if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
				on_read(fd);
			}
		}
	}
}
