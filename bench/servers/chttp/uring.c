/* uring.c: hello.c's system-call floor on io_uring instead of epoll, to
 * see what the other kernel interface costs on this machine: a multishot
 * accept, one recv in flight per connection, each request head answered
 * with a send of the canned response (its success CQE skipped), and one
 * io_uring_enter per batch of completions (SINGLE_ISSUER, DEFER_TASKRUN:
 * the kernel's completion work runs in that call, not on interrupts).
 * Like hello.c it parses nothing and is no HTTP server.
 *            build: gcc -O2 -o uring uring.c -luring (apt-get install liburing-dev)
 *            usage: uring 127.0.0.1:8080 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXFD 4096
#define BUFSZ 4096
#define MAXBATCH 64
enum { T_ACCEPT = 1, T_RECV = 2, T_SEND = 3 };
static const char resp[] = "HTTP/1.1 200 OK\r\nServer: c\r\n"
	"Date: Sun, 22 Nov 2026 00:00:00 GMT\r\n"
	"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\n"
	"Hello, World!";
static char out[MAXBATCH * sizeof resp];
static char bufs[MAXFD][BUFSZ];
static unsigned char tail[MAXFD];
static struct io_uring ring;
static volatile sig_atomic_t stopping;

static void on_term(int sig) { (void)sig; stopping = 1; }

static struct io_uring_sqe *sqe(void) {
	struct io_uring_sqe *s = io_uring_get_sqe(&ring);
	if (!s) { io_uring_submit(&ring); s = io_uring_get_sqe(&ring); }
	return s;
}
static void recv_on(int fd) {
	struct io_uring_sqe *s = sqe();
	io_uring_prep_recv(s, fd, bufs[fd], BUFSZ, 0);
	io_uring_sqe_set_data64(s, (uint64_t)fd << 2 | T_RECV);
}
static void on_recv(int fd, int n) {
	if (n <= 0) { close(fd); return; }
	static const char term[] = "\r\n\r\n";
	unsigned m = tail[fd]; size_t reqs = 0;
	for (int i = 0; i < n; i++) {
		if (bufs[fd][i] == term[m]) m++;
		else m = bufs[fd][i] == '\r' ? 1 : 0;
		if (m == 4) { reqs++; m = 0; }
	}
	tail[fd] = (unsigned char)m;
	while (reqs > 0) {
		size_t k = reqs < MAXBATCH ? reqs : MAXBATCH;
		struct io_uring_sqe *s = sqe();
		io_uring_prep_send(s, fd, out, k * (sizeof resp - 1), 0);
		io_uring_sqe_set_data64(s, (uint64_t)fd << 2 | T_SEND);
		s->flags |= IOSQE_CQE_SKIP_SUCCESS;
		reqs -= k;
	}
	recv_on(fd);
}

int main(int argc, char **argv) {
	const char *addr = argc > 1 ? argv[1] : "127.0.0.1:8080";
	char host[64]; int port;
	if (sscanf(addr, "%63[^:]:%d", host, &port) != 2) return 2;
	signal(SIGPIPE, SIG_IGN);
	struct sigaction st = { .sa_handler = on_term };
	sigaction(SIGTERM, &st, NULL);
	sigaction(SIGINT, &st, NULL);
	for (int i = 0; i < MAXBATCH; i++) memcpy(out + i * (sizeof resp - 1), resp, sizeof resp - 1);
	int ln = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, host, &sa.sin_addr);
	setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(ln, (struct sockaddr *)&sa, sizeof sa) || listen(ln, 4096)) { perror("listen"); return 1; }
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN };
	if (io_uring_queue_init_params(1024, &ring, &p) < 0) { perror("io_uring"); return 1; }
	struct io_uring_sqe *s = sqe();
	io_uring_prep_multishot_accept(s, ln, NULL, NULL, 0);
	io_uring_sqe_set_data64(s, T_ACCEPT);
	while (!stopping) {
		io_uring_submit_and_wait(&ring, 1);
		struct io_uring_cqe *c; unsigned head, seen = 0;
		io_uring_for_each_cqe(&ring, head, c) {
			seen++;
			uint64_t d = io_uring_cqe_get_data64(c);
			int fd = (int)(d >> 2);
			switch (d & 3) {
			case T_ACCEPT:
				if (c->res >= 0 && c->res < MAXFD) {
					tail[c->res] = 0;
					setsockopt(c->res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					recv_on(c->res);
				}
				if (!(c->flags & IORING_CQE_F_MORE)) {
					s = sqe(); io_uring_prep_multishot_accept(s, ln, NULL, NULL, 0); io_uring_sqe_set_data64(s, T_ACCEPT);
				}
				break;
			case T_RECV: on_recv(fd, c->res); break;
			case T_SEND: if (c->res < 0) close(fd); break;
			}
		}
		io_uring_cq_advance(&ring, seen);
	}
	/* The multishot accept holds the listener: end it, and the ring, before
	 * exiting, or the port stays taken until the kernel tears the ring down. */
	shutdown(ln, SHUT_RDWR);
	io_uring_queue_exit(&ring);
	close(ln);
	return 0;
}
