/* ins_sink: a small Insider Upsert API sink for benchmarks (issue 14 §1).
 *
 * The python emulator (tests/emu/insider_emu.py) is the faithful one and every test uses it;
 * in its --fast mode it still parses each request body as JSON, which on a 2-core machine
 * costs more CPU than insider-push itself. This sink answers what the fast mode answers
 * (HTTP 200 {"data":{"successful":{"count":N},"fail":{}}}) and keeps the same stats
 * (users_received, distinct_users, duplicate_users, max_users_in_request, requests) so the
 * benchmark can still check "each user exactly once", but it only scans the body
 * (ins_scan.h): one pass over the members of the body, its users and their members, every
 * other value skipped 64 bytes at a time, each user counted by a hash of its "identifiers"
 * text in a set. A body it cannot account for is answered 400 and counted in bad_requests,
 * none of its users counted. It is not a validator.
 *
 *   ins_sink PORT            serve on 127.0.0.1:PORT until SIGTERM
 *   GET  /_emu/stats         the counters as JSON
 *   POST /_emu/reset         zero them
 *   POST /api/user/v1/upsert the sink
 *
 * One thread per connection (insider-push keeps a few alive); one mutex around the set.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "ins_scan.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t *set;          /* open addressing; 0 = empty */
static size_t set_cap, set_len;
static unsigned long long st_recv, st_distinct, st_dup, st_req, st_max, st_bad;

static int set_add(uint64_t h) /* 1 new, 0 seen, -1 no memory; caller holds mu */
{
	if ((set_len + 1) * 2 > set_cap) {
		size_t ncap = set_cap ? set_cap * 2 : 1 << 16;
		uint64_t *n = calloc(ncap, sizeof *n);
		if (!n)
			return -1;
		for (size_t i = 0; i < set_cap; i++)
			if (set[i]) {
				size_t j = set[i] & (ncap - 1);
				while (n[j])
					j = (j + 1) & (ncap - 1);
				n[j] = set[i];
			}
		free(set);
		set = n;
		set_cap = ncap;
	}
	size_t j = h & (set_cap - 1);
	while (set[j]) {
		if (set[j] == h)
			return 0;
		j = (j + 1) & (set_cap - 1);
	}
	set[j] = h;
	set_len++;
	return 1;
}

/* Count the users of one body (ins_scan.h) and add them to the set; -1 when the body is
 * not of the form {"users":[...]} (nothing counted) */
static long scan_body(const char *b, size_t n, struct ins_hvec *hv)
{
	long users = ins_scan(b, n, hv);
	if (users < 0)
		return -1;
	unsigned long long fresh = 0, dup = 0;
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < hv->n; i++) {
		int r = set_add(hv->v[i]);
		if (r > 0)
			fresh++;
		else if (r == 0)
			dup++;
	}
	st_recv += (unsigned long long)users;
	st_distinct += fresh;
	st_dup += dup;
	st_req++;
	if ((unsigned long long)users > st_max)
		st_max = (unsigned long long)users;
	pthread_mutex_unlock(&mu);
	return users;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int reply(int fd, int status, const char *body)
{
	char head[256];
	int hl = snprintf(head, sizeof head,
			  "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			  status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request",
			  strlen(body));
	return write_all(fd, head, (size_t)hl) || write_all(fd, body, strlen(body)) ? -1 : 0;
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	struct ins_hvec hv = { 0 };
	if (!buf)
		goto out;
	for (;;) {
		char *he;
		while (!(he = memmem(buf, len, "\r\n\r\n", 4))) {
			if (len == cap)
				goto out;
			ssize_t r = read(fd, buf + len, cap - len);
			if (r <= 0)
				goto out;
			len += (size_t)r;
		}
		size_t hlen = (size_t)(he + 4 - buf), clen = 0;
		char *cl = memmem(buf, hlen, "\r\nContent-Length:", 17);
		if (!cl)
			cl = memmem(buf, hlen, "\r\ncontent-length:", 17);
		if (cl)
			clen = strtoul(cl + 17, NULL, 10);
		if (hlen + clen > cap) {
			size_t ncap = hlen + clen;
			char *nb = realloc(buf, ncap);
			if (!nb)
				goto out;
			buf = nb;
			cap = ncap;
		}
		while (len < hlen + clen) {
			ssize_t r = read(fd, buf + len, cap - len);
			if (r <= 0)
				goto out;
			len += (size_t)r;
		}
		char out[512];
		int rc;
		if (!strncmp(buf, "POST /api/user/v1/upsert ", 25)) {
			long n = scan_body(buf + hlen, clen, &hv);
			if (n < 0) {
				pthread_mutex_lock(&mu);
				st_bad++;
				pthread_mutex_unlock(&mu);
				rc = reply(fd, 400, "{\"error\":\"sink: body is not {\\\"users\\\":[...]}\"}");
			} else {
				snprintf(out, sizeof out, n ? "{\"data\":{\"successful\":{\"count\":%ld},\"fail\":{}}}"
							    : "{\"data\":{\"successful\":{},\"fail\":{}}}", n);
				rc = reply(fd, 200, out);
			}
		} else if (!strncmp(buf, "GET /_emu/stats ", 16)) {
			pthread_mutex_lock(&mu);
			snprintf(out, sizeof out,
				 "{\"users_received\":%llu,\"distinct_users\":%llu,\"duplicate_users\":%llu,"
				 "\"requests\":%llu,\"max_users_in_request\":%llu,\"bad_requests\":%llu}",
				 st_recv, st_distinct, st_dup, st_req, st_max, st_bad);
			pthread_mutex_unlock(&mu);
			rc = reply(fd, 200, out);
		} else if (!strncmp(buf, "POST /_emu/reset ", 17)) {
			pthread_mutex_lock(&mu);
			st_recv = st_distinct = st_dup = st_req = st_max = st_bad = 0;
			if (set)
				memset(set, 0, set_cap * sizeof *set);
			set_len = 0;
			pthread_mutex_unlock(&mu);
			rc = reply(fd, 200, "{}");
		} else {
			rc = reply(fd, 404, "{\"error\":\"no such endpoint in the sink\"}");
		}
		if (rc)
			goto out;
		memmove(buf, buf + hlen + clen, len - hlen - clen);
		len -= hlen + clen;
	}
out:
	free(hv.v);
	free(buf);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: ins_sink PORT\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	ins_scan_init();
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 64)) {
		perror("ins_sink");
		return 69;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("ins_sink: accept");
			return 69;
		}
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		pthread_t t;
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)c)) {
			close(c);
			continue;
		}
		pthread_detach(t);
	}
}
