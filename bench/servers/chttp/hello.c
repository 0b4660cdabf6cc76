/* hello.c: the system-call floor for the HTTP benchmarks. One thread,
 * level-triggered epoll; each read is scanned for complete request heads
 * (GET without a body, as wrk sends) and answered with one write holding a
 * canned "Hello, World!" response per request. It parses nothing and so is
 * no HTTP server: it shows what one read and one write per batch cost on
 * this machine, below which no real server can go.
 *                                        usage: hello 127.0.0.1:8080 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXFD 65536
#define MAXBATCH 64
static const char resp[] = "HTTP/1.1 200 OK\r\nServer: c\r\n"
	"Date: Sun, 22 Nov 2026 00:00:00 GMT\r\n"
	"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\n"
	"Hello, World!";
static char out[MAXBATCH * sizeof resp];
static char rbuf[65536];
static unsigned char tail[MAXFD]; /* bytes of "\r\n\r\n" matched at the end of the last read */

static void on_read(int fd) {
	ssize_t n = read(fd, rbuf, sizeof rbuf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
	if (n <= 0) { close(fd); return; }
	static const char term[] = "\r\n\r\n";
	unsigned m = tail[fd];
	size_t reqs = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (rbuf[i] == term[m]) m++;
		else m = rbuf[i] == '\r' ? 1 : 0;
		if (m == 4) { reqs++; m = 0; }
	}
	tail[fd] = (unsigned char)m;
	while (reqs > 0) {
		size_t k = reqs < MAXBATCH ? reqs : MAXBATCH, len = 0;
		for (size_t i = 0; i < k; i++, len += sizeof resp - 1)
			memcpy(out + len, resp, sizeof resp - 1);
		/* A floor, not a server: a short write closes the connection. */
		if (write(fd, out, len) != (ssize_t)len) { close(fd); return; }
		reqs -= k;
	}
}

int main(int argc, char **argv) {
	const char *addr = argc > 1 ? argv[1] : "127.0.0.1:8080";
	char host[64]; int port;
	if (sscanf(addr, "%63[^:]:%d", host, &port) != 2) { fprintf(stderr, "usage: hello HOST:PORT\n"); return 2; }
	signal(SIGPIPE, SIG_IGN);
	int ln = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, host, &sa.sin_addr);
	setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(ln, (struct sockaddr *)&sa, sizeof sa) || listen(ln, 4096)) { perror("listen"); return 1; }
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = ln }, evs[256];
	epoll_ctl(ep, EPOLL_CTL_ADD, ln, &e);
	fprintf(stderr, "chttp hello listening on %s\n", addr);
	for (;;) {
		int k = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < k; i++) {
			int fd = evs[i].data.fd;
			if (fd != ln) { on_read(fd); continue; }
			int c;
			while ((c = accept4(ln, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				if (c >= MAXFD) { close(c); continue; }
				tail[c] = 0;
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
				struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
			}
		}
	}
}
