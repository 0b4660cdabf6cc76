/* relay.c: a minimal single-threaded epoll TCP relay in C, to measure
 * whether splice(2) pays off for a proxy on this machine before netloop
 * grows an API for it (docs/proxy.md). Each accepted connection gets an
 * upstream connection to BACKEND; bytes move either through a user-space
 * buffer (read + write) or through a pipe (splice + splice). Level-
 * triggered; a direction whose destination is full stops reading its
 * source until the destination drains. No half-close: EOF or an error on
 * either side closes the pair. A measuring tool, not a proxy.
 *
 *   usage: relay copy|splice LISTEN_HOST:PORT BACKEND_HOST:PORT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
#define CHUNK 65536

/* One direction, keyed by its source fd: bytes read from fd, not yet
 * written to peer, wait in buf (copy) or in the pipe (splice). */
struct side {
	int peer, pipe_r, pipe_w;
	size_t pending, off;
	char *buf;
};
static struct side sides[MAXFD];
static int ep, use_splice;

static void ctl(int op, int fd, unsigned ev) {
	struct epoll_event e = { .events = ev, .data.fd = fd };
	epoll_ctl(ep, op, fd, &e);
}

static void drop(int fd) {
	int peer = sides[fd].peer;
	int fds[2] = { fd, peer };
	for (int i = 0; i < 2; i++) {
		struct side *s = &sides[fds[i]];
		if (s->pipe_r > 0) { close(s->pipe_r); close(s->pipe_w); }
		free(s->buf);
		memset(s, 0, sizeof *s);
		close(fds[i]);
	}
}

/* events each fd waits for: read unless its own output to the peer is
 * stuck; write while the other direction has bytes pending for it. */
static void rewatch(int fd) {
	unsigned ev = 0;
	if (sides[fd].pending == 0) ev |= EPOLLIN;
	if (sides[sides[fd].peer].pending > 0) ev |= EPOLLOUT;
	ctl(EPOLL_CTL_MOD, fd, ev);
}

/* drain writes what direction src has pending to its peer. 1: all out,
 * 0: the peer is full, -1: the pair was closed. */
static int drain(int src) {
	struct side *s = &sides[src];
	while (s->pending > 0) {
		ssize_t w = use_splice
			? splice(s->pipe_r, NULL, s->peer, NULL, s->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK)
			: write(s->peer, s->buf + s->off, s->pending);
		if (w < 0 && errno == EINTR) continue;
		if (w < 0 && errno == EAGAIN) return 0;
		if (w <= 0) { drop(src); return -1; }
		s->pending -= (size_t)w;
		s->off += (size_t)w;
	}
	s->off = 0;
	return 1;
}

static void on_readable(int src) {
	struct side *s = &sides[src];
	ssize_t n = use_splice
		? splice(src, NULL, s->pipe_w, NULL, CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK)
		: read(src, s->buf, CHUNK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
	if (n <= 0) { drop(src); return; }
	s->pending = (size_t)n;
	s->off = 0;
	int r = drain(src);
	if (r < 0) return;
	if (r == 0) { rewatch(src); rewatch(s->peer); }
}

static void on_writable(int dst) {
	int src = sides[dst].peer;
	int r = drain(src);
	if (r < 0) return;
	rewatch(src); rewatch(dst);
}

static int side_init(int fd, int peer) {
	struct side *s = &sides[fd];
	s->peer = peer;
	if (use_splice) {
		int p[2];
		if (pipe2(p, O_NONBLOCK | O_CLOEXEC)) return -1;
		fcntl(p[1], F_SETPIPE_SZ, CHUNK);
		s->pipe_r = p[0]; s->pipe_w = p[1];
	} else {
		s->buf = malloc(CHUNK);
	}
	return 0;
}

static int parse(const char *a, struct sockaddr_in *sa) {
	char host[64]; int port;
	if (sscanf(a, "%63[^:]:%d", host, &port) != 2) return -1;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET; sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

int main(int argc, char **argv) {
	struct sockaddr_in la, ba;
	if (argc != 4 || parse(argv[2], &la) || parse(argv[3], &ba) ||
	    (strcmp(argv[1], "copy") && strcmp(argv[1], "splice"))) {
		fprintf(stderr, "usage: relay copy|splice LISTEN_HOST:PORT BACKEND_HOST:PORT\n");
		return 2;
	}
	use_splice = !strcmp(argv[1], "splice");
	signal(SIGPIPE, SIG_IGN);
	int ln = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(ln, (struct sockaddr *)&la, sizeof la) || listen(ln, 4096)) { perror("listen"); return 1; }
	ep = epoll_create1(EPOLL_CLOEXEC);
	ctl(EPOLL_CTL_ADD, ln, EPOLLIN);
	fprintf(stderr, "crelay %s listening on %s\n", argv[1], argv[2]);
	struct epoll_event evs[256];
	for (;;) {
		int k = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < k; i++) {
			int fd = evs[i].data.fd;
			if (fd == ln) {
				int c;
				while ((c = accept4(ln, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					int u = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
					if (c >= MAXFD || u < 0 || u >= MAXFD || connect(u, (struct sockaddr *)&ba, sizeof ba)) {
						close(c); if (u >= 0) close(u); continue;
					}
					fcntl(u, F_SETFL, O_NONBLOCK);
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					if (side_init(c, u) || side_init(u, c)) { drop(c); continue; }
					ctl(EPOLL_CTL_ADD, c, EPOLLIN);
					ctl(EPOLL_CTL_ADD, u, EPOLLIN);
				}
				continue;
			}
			if (sides[fd].peer == 0) continue; /* closed earlier in this batch */
			if (evs[i].events & EPOLLOUT) { on_writable(fd); if (sides[fd].peer == 0) continue; }
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(fd);
		}
	}
}
