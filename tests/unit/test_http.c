/* test_http.c: lib/http against tests/http-echo.py on a free loopback port. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "tap.h"
#include "http.h"

static int port;
static pid_t srv_pid = -1;
static int srv_in = -1;
static char base[64];

static void
start_server(void)
{
	int in[2], out[2];
	const char *root = getenv("DBXI_ROOT");
	char script[4096];
	snprintf(script, sizeof script, "%s/tests/http-echo.py", root ? root : ".");
	if (pipe(in) || pipe(out)) {
		perror("pipe");
		exit(1);
	}
	srv_pid = fork();
	if (srv_pid < 0) {
		perror("fork");
		exit(1);
	}
	if (srv_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		execlp("python3", "python3", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	srv_in = in[1];
	char line[32] = { 0 };
	size_t n = 0;
	while (n + 1 < sizeof line) {
		ssize_t r = read(out[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	close(out[0]);
	port = (int)strtol(line, NULL, 10);
	if (port <= 0) {
		printf("Bail out! tests/http-echo.py did not start\n");
		exit(1);
	}
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
}

static void
stop_server(void)
{
	close(srv_in);
	kill(srv_pid, SIGTERM);
	waitpid(srv_pid, NULL, 0);
}

static int
closed_port(void)
{
	struct sockaddr_in a = { 0 };
	socklen_t len = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof a);
	getsockname(s, (struct sockaddr *)&a, &len);
	close(s);
	return ntohs(a.sin_port);
}

static long
ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
url(const char *path)
{
	static char buf[8][512];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof buf[i], "%s%s", base, path);
	return buf[i];
}

static volatile sig_atomic_t stop_flag;
static void on_alarm(int sig) { (void)sig; stop_flag = 1; }

static void
alarm_in_ms(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	stop_flag = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

static int n_retry_calls;
static char last_why[256];
static void
count_retry(void *arg, int attempt, long wait_ms, long status, const char *why)
{
	(void)arg, (void)attempt, (void)wait_ms, (void)status;
	n_retry_calls++;
	snprintf(last_why, sizeof last_why, "%s", why);
}

static void
test_url_check(void)
{
	static const struct { const char *url; const char *msg; } t[] = {
		{ "https://dbc-1234.cloud.databricks.com/api/2.0/sql/statements", NULL },
		{ "https://unification.useinsider.com/api/user/v1/upsert", NULL },
		{ "http://127.0.0.1:8080/x", NULL },
		{ "http://127.9.8.7/", NULL },
		{ "http://localhost:1234/oidc", NULL },
		{ "HTTP://LOCALHOST/", NULL },
		{ "http://[::1]:8080/x?y=1", NULL },
		{ "http://0x7f000001/", NULL }, /* curl reads 127.0.0.1 */
		{ "http://example.com/x", "plain http is allowed only to a loopback emulator: http://example.com/x" },
		{ "http://127.0.0.1.evil.com/", "plain http is allowed only to a loopback emulator: http://127.0.0.1.evil.com/" },
		{ "http://localhost.evil.com/", "plain http is allowed only to a loopback emulator: " },
		{ "http://localhost./", "plain http is allowed only to a loopback emulator: " },
		{ "http://127.0.0.1@evil.com/", "plain http is allowed only to a loopback emulator: http://evil.com/" },
		{ "http://127.0.0.1:80@evil.com:80/", "plain http is allowed only to a loopback emulator: http://evil.com:80/" },
		{ "http://127.0.0.1\\@evil.com/", "plain http is allowed only to a loopback emulator: " },
		{ "http://[::ffff:127.0.0.1]/", "plain http is allowed only to a loopback emulator: " },
		{ "http://[::2]/", "plain http is allowed only to a loopback emulator: " },
		{ "http://10.0.0.1/", "plain http is allowed only to a loopback emulator: " },
		{ "http://128.0.0.1/", "plain http is allowed only to a loopback emulator: " },
		{ "http://evil.com@127.0.0.1/", "credentials in URLs are not allowed: http://127.0.0.1/" },
		{ "https://user:secret@example.com/x", "credentials in URLs are not allowed: https://example.com/x" },
		{ "ftp://127.0.0.1/x", "only https URLs are allowed: ftp://127.0.0.1/x" },
		{ "file:///etc/passwd", "only https URLs are allowed: " },
		{ "127.0.0.1:8080/x", "malformed URL" },
		{ "", "empty URL" },
		{ "http://127.0.0.1 /", "malformed URL" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct err e = ERR_INIT;
		int rc = http_url_check(t[i].url, &e);
		if (!t[i].msg) {
			ok(rc == 0, "url ok: %s", t[i].url);
		} else {
			ok(rc == -1 && e.status == XIT_CONFIG && strstr(e.msg, t[i].msg) == e.msg,
				"url refused: %s", t[i].url);
			if (rc != -1 || strstr(e.msg, t[i].msg) != e.msg)
				printf("#   got '%s'\n", e.msg);
		}
	}
	struct err e = ERR_INIT;
	http_url_check("https://u:hunter2@h.example/p?sig=hunter2#hunter2", &e);
	ok(!strstr(e.msg, "hunter2"), "url messages drop credentials and queries: %s", e.msg);
	char red[128];
	is_str(http_url_redact("https://a:b@h.example:8443/p/q?x=1#f", red, sizeof red),
		"https://h.example:8443/p/q", "redact");
	is_str(http_url_redact("https://h/p", red, 8), "https:/", "redact truncates");
}

static void
test_pure(void)
{
	/* backoff: full jitter under min(cap, base*2^(attempt-1)); Retry-After wins; cap */
	is_int(http_backoff_ms(1, -1, 100, 10000, 0.0), 0, "backoff rand 0");
	is_int(http_backoff_ms(1, -1, 100, 10000, 0.5), 50, "backoff attempt 1");
	is_int(http_backoff_ms(2, -1, 100, 10000, 0.5), 100, "backoff attempt 2");
	is_int(http_backoff_ms(4, -1, 100, 10000, 0.5), 400, "backoff attempt 4");
	is_int(http_backoff_ms(10, -1, 100, 10000, 0.5), 5000, "backoff capped ceiling");
	is_int(http_backoff_ms(200, -1, 100, 10000, 0.99), 9900, "backoff huge attempt no overflow");
	is_int(http_backoff_ms(3, 2000, 100, 10000, 0.5), 2000, "backoff Retry-After wins");
	is_int(http_backoff_ms(3, 0, 100, 10000, 0.5), 0, "backoff Retry-After 0");
	is_int(http_backoff_ms(3, 60000, 100, 10000, 0.5), 10000, "backoff Retry-After capped");
	is_int(http_backoff_ms(1, -1, 100, 10000, 1.5), 99, "backoff rand clamped below 1");
	/* Retry-After values */
	time_t now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */
	is_int(http_parse_retry_after("5", now), 5000, "retry-after seconds");
	is_int(http_parse_retry_after(" 0 ", now), 0, "retry-after 0");
	is_int(http_parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now), 10000, "retry-after date");
	is_int(http_parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now), 0, "retry-after past date");
	is_int(http_parse_retry_after("soon", now), -1, "retry-after garbage");
	is_int(http_parse_retry_after("5s", now), -1, "retry-after trailing junk");
	is_int(http_parse_retry_after("", now), -1, "retry-after empty");
	is_int(http_parse_retry_after("99999999999999999999", now), 86400L * 365 * 1000,
		"retry-after huge clamped");
	/* classification */
	ok(http_should_retry(429, 0, 0) && http_should_retry(502, 0, 0) && http_should_retry(503, 0, 0)
		&& http_should_retry(504, 0, 0), "retry 429 502 503 504");
	ok(!http_should_retry(500, 0, 0) && http_should_retry(500, 0, 1), "500 only when asked");
	ok(!http_should_retry(400, 0, 1) && !http_should_retry(401, 0, 1) && !http_should_retry(403, 0, 1)
		&& !http_should_retry(404, 0, 1) && !http_should_retry(200, 0, 1) && !http_should_retry(501, 0, 1),
		"no retry on 2xx, 4xx, 501");
	ok(http_should_retry(0, CURLE_COULDNT_CONNECT, 0) && http_should_retry(0, CURLE_GOT_NOTHING, 0)
		&& http_should_retry(0, CURLE_OPERATION_TIMEDOUT, 0) && http_should_retry(0, CURLE_RECV_ERROR, 0)
		&& http_should_retry(0, CURLE_SEND_ERROR, 0), "retry network errors");
	ok(!http_should_retry(0, CURLE_PEER_FAILED_VERIFICATION, 0) && !http_should_retry(0, CURLE_WRITE_ERROR, 0)
		&& !http_should_retry(0, CURLE_ABORTED_BY_CALLBACK, 0) && !http_should_retry(0, CURLE_URL_MALFORMAT, 0),
		"no retry on TLS verification, write, abort, bad URL");
	double r = http_rand01(), lo = 1, hi = 0;
	for (int i = 0; i < 1000; i++) {
		r = http_rand01();
		lo = r < lo ? r : lo;
		hi = r > hi ? r : hi;
	}
	ok(lo >= 0 && hi < 1 && lo < 0.1 && hi > 0.9, "rand01 in [0,1) and spread");
}

static void
test_requests(struct http_client *c)
{
	struct http_resp r = HTTP_RESP_INIT;
	struct err e = ERR_INIT;
	const char *hdrs[] = { "X-Test: one", "Authorization: Bearer s3cr3t-token", NULL };
	struct http_req q = { .url = url("/echo?a=1"), .headers = hdrs };

	is_int(http_do(c, &q, &r, &e), 0, "GET echo");
	is_int(r.status, 200, "GET status");
	ok(strncmp(r.body, "GET /echo?a=1\n", 14) == 0, "GET method and path");
	ok(strstr(r.body, "\nx-test: one\n") != NULL, "GET custom header");
	ok(strstr(r.body, "\nauthorization: Bearer s3cr3t-token\n") != NULL, "GET authorization sent");
	ok(strstr(r.body, "\nuser-agent: dbx-insider/" DBXI_VERSION "\n") != NULL, "user agent");
	is_str(r.content_type, "text/plain; charset=utf-8", "content type captured");
	is_int(r.retry_after_ms, -1, "no retry-after");
	is_int((long long)r.len, (long long)strlen(r.body), "len matches body");

	q.flags = HTTP_NO_AUTH;
	is_int(http_do(c, &q, &r, &e), 0, "GET without auth");
	ok(strstr(r.body, "authorization") == NULL && strstr(r.body, "x-test: one"),
		"HTTP_NO_AUTH drops only Authorization");

	const char body[] = "{\"users\":[1,2,3]}\nline2";
	const char *ph[] = { "Content-Type: application/json", NULL };
	struct http_req p = { .method = "POST", .url = url("/echo"), .headers = ph,
		.body = body, .body_len = sizeof body - 1 };
	is_int(http_do(c, &p, &r, &e), 0, "POST echo");
	ok(strncmp(r.body, "POST /echo\n", 11) == 0, "POST method");
	ok(strstr(r.body, "\ncontent-type: application/json\n") != NULL, "POST content type");
	ok(strstr(r.body, "\ncontent-length: 23\n") != NULL, "POST content length");
	ok(strstr(r.body, "\nexpect:") == NULL, "no Expect: 100-continue");
	ok(r.len > sizeof body && memcmp(r.body + r.len - (sizeof body - 1), body, sizeof body - 1) == 0,
		"POST body received intact");

	struct http_req pe = { .method = "POST", .url = url("/echo") };
	is_int(http_do(c, &pe, &r, &e), 0, "POST empty body");
	ok(strstr(r.body, "\ncontent-length: 0\n") != NULL, "POST empty body has length 0");
	struct http_req g2 = { .url = url("/echo") };
	is_int(http_do(c, &g2, &r, &e), 0, "GET after POST");
	ok(strncmp(r.body, "GET /echo\n", 10) == 0 && !strstr(r.body, "content-length"),
		"handle reuse forgets the previous POST");
	struct http_req del = { .method = "DELETE", .url = url("/echo") };
	is_int(http_do(c, &del, &r, &e), 0, "DELETE");
	ok(strncmp(r.body, "DELETE /echo\n", 13) == 0, "DELETE method");
	struct http_req put = { .method = "PUT", .url = url("/echo"), .body = "abc", .body_len = 3 };
	is_int(http_do(c, &put, &r, &e), 0, "PUT");
	ok(strncmp(r.body, "PUT /echo\n", 10) == 0 && r.len >= 3 && !strcmp(r.body + r.len - 3, "abc"),
		"PUT method and body");
	struct http_req head = { .method = "HEAD", .url = url("/echo") };
	is_int(http_do(c, &head, &r, &e), 0, "HEAD");
	ok(r.status == 200 && r.len == 0 && r.body && !r.body[0], "HEAD has an empty body");

	struct http_req st = { .url = url("/status/404") };
	is_int(http_do(c, &st, &r, &e), 0, "404 is a response");
	is_int(r.status, 404, "404 status");
	is_str(r.body, "status 404", "404 body");

	/* keep-alive: the same connection serves two requests */
	struct http_req cq = { .url = url("/conn") };
	char first[32] = "";
	http_do(c, &cq, &r, &e);
	snprintf(first, sizeof first, "%s", r.body ? r.body : "");
	http_do(c, &cq, &r, &e);
	ok(first[0] && r.body && strcmp(first, r.body) == 0, "keep-alive reuses the connection (%s)", first);

	/* response cap */
	struct http_req big = { .url = url("/big/5000"), .max_body = 1000 };
	is_int(http_do(c, &big, &r, &e), -1, "body over the cap fails");
	is_int(e.status, XIT_UNAVAILABLE, "cap status");
	char want[256];
	snprintf(want, sizeof want, "GET %s/big/5000: response body larger than 1000 bytes", base);
	is_str(e.msg, want, "cap message");
	big.url = url("/big/1000");
	is_int(http_do(c, &big, &r, &e), 0, "body at the cap passes");
	is_int((long long)r.len, 1000, "body at the cap length");

	/* #14.2: the body is sized from Content-Length when it starts, not grown by doubling */
	struct http_req cl = { .url = url("/big/300000") };
	is_int(http_do(c, &cl, &r, &e), 0, "#14.2 a 300000-byte body");
	ok(r.len == 300000 && r.body[0] == 'x' && r.body[299999] == 'x' && !r.body[300000],
		"#14.2 the body, NUL-terminated (%zu bytes)", r.len);
	is_int((long long)r.cap_, 300001, "#14.2 its buffer sized from Content-Length once");
	cl.url = url("/chunked/300000");
	is_int(http_do(c, &cl, &r, &e), 0, "#14.2 a chunked body without Content-Length");
	ok(r.len == 300000 && r.body[0] == 'y' && r.body[299999] == 'y' && !r.body[300000]
		&& r.cap_ >= 300001, "#14.2 grows as it arrives (%zu bytes, room %zu)", r.len, r.cap_);
	/* a Content-Length beyond HTTP_PRESIZE_MAX (64 MiB) is not taken at its word: a 1 TiB
	 * announcement with a cap that lets it through ends as a cut-off transfer, not as a
	 * failed allocation */
	cl.url = url("/lie/1099511627776");
	cl.max_body = (size_t)1 << 41;
	is_int(http_do(c, &cl, &r, &e), -1, "#14.2 a body shorter than its Content-Length fails");
	ok(!strstr(e.msg, "out of memory") && r.curl_code == CURLE_PARTIAL_FILE,
		"#14.2 a huge Content-Length is not allocated up front: %s", e.msg);

	/* redirects */
	char rq[512];
	snprintf(rq, sizeof rq, "/redirect?to=%s/echo", base);
	struct http_req rd = { .url = url(rq), .headers = hdrs };
	is_int(http_do(c, &rd, &r, &e), 0, "redirect not followed by default");
	is_int(r.status, 302, "redirect status");
	rd.flags = HTTP_FOLLOW;
	is_int(http_do(c, &rd, &r, &e), 0, "redirect followed");
	ok(r.status == 200 && strstr(r.body, "authorization: Bearer") != NULL,
		"same-origin redirect keeps Authorization");
	snprintf(rq, sizeof rq, "/redirect?to=http://localhost:%d/echo", port);
	rd.url = url(rq);
	is_int(http_do(c, &rd, &r, &e), 0, "cross-host redirect followed");
	ok(r.status == 200 && strncmp(r.body, "GET /echo\n", 10) == 0 && !strstr(r.body, "authorization"),
		"cross-host redirect drops Authorization");
	snprintf(rq, sizeof rq, "/redirect?to=http://example.com/x&code=307");
	rd.url = url(rq);
	is_int(http_do(c, &rd, &r, &e), -1, "redirect to plain http elsewhere refused");
	is_str(e.msg, "redirect refused: plain http is allowed only to a loopback emulator: http://example.com/x",
		"redirect refusal message");
	snprintf(rq, sizeof rq, "/redirect?to=%s/echo&code=303", base);
	struct http_req rp = { .method = "POST", .url = url(rq), .body = "x", .body_len = 1,
		.flags = HTTP_FOLLOW };
	is_int(http_do(c, &rp, &r, &e), 0, "POST 303 followed");
	ok(strncmp(r.body, "GET /echo\n", 10) == 0, "303 turns POST into GET");

	/* refused URL, no request made */
	struct http_req bad = { .url = "http://example.com/" };
	is_int(http_do(c, &bad, &r, &e), -1, "plain http elsewhere refused by http_do");
	is_int(e.status, XIT_CONFIG, "refused URL status");

	/* network failure: message has no header, the token never */
	char cu[128];
	snprintf(cu, sizeof cu, "http://127.0.0.1:%d/x?q=1", closed_port());
	struct http_req nc = { .url = cu, .headers = hdrs, .body = "s3cr3t-body", .body_len = 11,
		.method = "POST" };
	is_int(http_do(c, &nc, &r, &e), -1, "connection refused");
	is_int(e.status, XIT_UNAVAILABLE, "connection refused status");
	is_int(r.curl_code, CURLE_COULDNT_CONNECT, "connection refused curl code");
	ok(strstr(e.msg, "POST http://127.0.0.1:") == e.msg && !strstr(e.msg, "s3cr3t")
		&& !strstr(e.msg, "q=1") && r.error[0], "connection refused message: %s", e.msg);
	/* loopback never goes through a proxy (plain http must not leave the machine) */
	snprintf(cu, sizeof cu, "http://127.0.0.1:%d", closed_port());
	setenv("http_proxy", cu, 1);
	setenv("HTTPS_PROXY", cu, 1);
	setenv("ALL_PROXY", cu, 1);
	struct http_req px = { .url = url("/echo") };
	is_int(http_do(c, &px, &r, &e), 0, "loopback request ignores proxy variables");
	unsetenv("http_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	const char *crlf[] = { "X-Bad: a\r\nX-Injected: b", NULL };
	struct http_req inj = { .url = url("/echo"), .headers = crlf };
	is_int(http_do(c, &inj, &r, &e), -1, "header with a line break refused");
	is_str(e.msg, "request header 1 contains a line break", "header injection message");
	http_resp_free(&r);
}

static void
test_retry(struct http_client *c)
{
	struct http_resp r = HTTP_RESP_INIT;
	struct err e = ERR_INIT;
	struct http_retry p;
	http_retry_default(&p);
	p.base_ms = 10;
	p.cap_ms = 50;
	p.on_retry = count_retry;
	char want[512];

	n_retry_calls = 0;
	struct http_req q = { .url = url("/flaky/a/2/503") };
	is_int(http_do_retry(c, &q, &p, &r, &e), 0, "503 twice then 200");
	ok(r.status == 200 && r.attempts == 3 && n_retry_calls == 2, "three attempts, two retries (%d %d)",
		r.attempts, n_retry_calls);
	is_str(last_why, "HTTP 503", "retry reason");

	p.cap_ms = 5000;
	long t0 = ms_now();
	q.url = url("/flaky/b/1/503?ra=1");
	is_int(http_do_retry(c, &q, &p, &r, &e), 0, "Retry-After: 1 then 200");
	long dt = ms_now() - t0;
	ok(r.attempts == 2 && dt >= 900 && dt < 4000, "Retry-After 1 s honoured (%ld ms)", dt);
	q.url = url("/flaky/c/1/429?ra=0");
	is_int(http_do(c, &q, &r, &e), 0, "single 429");
	ok(r.status == 429 && r.retry_after_ms == 0, "Retry-After: 0 read");
	p.cap_ms = 50;

	q.url = url("/flaky/d/2/429");
	n_retry_calls = 0;
	is_int(http_do_retry(c, &q, &p, &r, &e), 0, "429 without Retry-After retried");
	ok(r.status == 200 && r.attempts == 3 && n_retry_calls == 2, "429 backoff attempts");

	q.url = url("/drop/e/2");
	n_retry_calls = 0;
	is_int(http_do_retry(c, &q, &p, &r, &e), 0, "dropped connection retried");
	/* curl itself retries once when a reused connection dies before any answer */
	ok(r.status == 200 && r.attempts >= 2, "dropped connection attempts %d", r.attempts);
	struct http_req dh = { .url = url("/hits/e") };
	http_do(c, &dh, &r, &e);
	is_str(r.body, "3", "two drops then an answer");
	q.url = url("/drop/e2/1");
	struct http_client *c2 = http_client_new(NULL, &e); /* a new connection */
	is_int(http_do(c2, &q, &r, &e), -1, "a drop on a new connection fails");
	is_int(r.curl_code, CURLE_GOT_NOTHING, "drop is 'empty reply'");
	http_client_free(c2);
	ok(last_why[0] != 0 && strstr(last_why, "HTTP") == NULL, "drop reason is curl's: %s", last_why);

	q.url = url("/flaky/f/5/401");
	is_int(http_do_retry(c, &q, &p, &r, &e), 0, "401 returned");
	ok(r.status == 401 && r.attempts == 1, "401 not retried");
	struct http_req h = { .url = url("/hits/f") };
	http_do(c, &h, &r, &e);
	is_str(r.body, "1", "401 hit the server once");

	q.url = url("/flaky/g/5/500");
	is_int(http_do_retry(c, &q, &p, &r, &e), 0, "500 returned by default");
	ok(r.status == 500 && r.attempts == 1, "500 not retried by default");
	p.retry_500 = 1;
	q.url = url("/flaky/h/1/500");
	is_int(http_do_retry(c, &q, &p, &r, &e), 0, "500 retried when asked");
	ok(r.status == 200 && r.attempts == 2, "500 retried once");
	p.retry_500 = 0;

	p.max_attempts = 3;
	q.url = url("/status/502");
	is_int(http_do_retry(c, &q, &p, &r, &e), -1, "attempts exhausted");
	is_int(e.status, XIT_UNAVAILABLE, "attempts exhausted status");
	snprintf(want, sizeof want, "GET %s/status/502: still unavailable after 3 attempts over ", base);
	ok(strncmp(e.msg, want, strlen(want)) == 0 && strstr(e.msg, " s: HTTP 502"), "message: %s", e.msg);
	ok(r.status == 502 && r.attempts == 3 && !strcmp(r.body, "status 502"), "last response kept");

	p.max_attempts = 1000;
	p.budget_ms = 300;
	p.base_ms = 40;
	p.cap_ms = 80;
	t0 = ms_now();
	q.url = url("/status/503");
	is_int(http_do_retry(c, &q, &p, &r, &e), -1, "budget exhausted");
	dt = ms_now() - t0;
	is_int(e.status, XIT_UNAVAILABLE, "budget exhausted status");
	ok(strstr(e.msg, ": still unavailable after ") && strstr(e.msg, " s: HTTP 503")
		&& r.attempts > 2 && dt < 2000, "budget message: %s (%ld ms)", e.msg, dt);

	char cu[128];
	snprintf(cu, sizeof cu, "http://127.0.0.1:%d/x", closed_port());
	struct http_req nc = { .url = cu };
	p.max_attempts = 2;
	p.budget_ms = 10000;
	is_int(http_do_retry(c, &nc, &p, &r, &e), -1, "refused connection retried then given up");
	snprintf(want, sizeof want, "GET %s: still unavailable after 2 attempts over ", cu);
	ok(strncmp(e.msg, want, strlen(want)) == 0 && r.curl_code == CURLE_COULDNT_CONNECT,
		"refused message: %s", e.msg);

	struct http_req big = { .url = url("/big/100"), .max_body = 10 };
	is_int(http_do_retry(c, &big, &p, &r, &e), -1, "too large not retried");
	ok(r.attempts == 1 && strstr(e.msg, "larger than 10 bytes"), "too large: %s", e.msg);
	http_resp_free(&r);
}

static void
test_multi(void)
{
	struct err e = ERR_INIT;
	struct http_opts o;
	http_opts_default(&o);
	o.max_body = 2000;
	struct http_multi *m = http_multi_new(&o, 3, &e);
	ok(m != NULL, "multi created");
	if (!m)
		return;
	static int ids[8];
	char body[8][16];
	const char *hdrs[] = { "X-Multi: yes", NULL };
	for (int i = 0; i < 6; i++) {
		ids[i] = i;
		snprintf(body[i], sizeof body[i], "req-%d", i);
		struct http_req q = { .method = "POST", .url = url("/echo"), .headers = hdrs,
			.body = body[i], .body_len = strlen(body[i]) };
		if (i == 4)
			q = (struct http_req){ .url = url("/slow/300") };
		if (i == 5)
			q = (struct http_req){ .url = url("/big/5000") };
		http_multi_add(m, &q, &ids[i], &e);
	}
	struct http_req bad = { .url = "http://example.org/" };
	is_int(http_multi_add(m, &bad, NULL, &e), -1, "multi refuses plain http elsewhere");
	is_int((long long)http_multi_pending(m), 6, "six pending");
	int seen[8] = { 0 }, good = 0;
	long t0 = ms_now();
	struct http_resp r = HTTP_RESP_INIT;
	while (http_multi_pending(m) && ms_now() - t0 < 10000) {
		if (http_multi_run(m, 1000, &e) < 0)
			break;
		void *u;
		while (http_multi_next(m, &r, &u)) {
			int i = *(int *)u;
			seen[i]++;
			if (i < 4) {
				char want[32];
				snprintf(want, sizeof want, "\n\nreq-%d", i);
				good += r.status == 200 && strstr(r.body, want) && strstr(r.body, "x-multi: yes");
			} else if (i == 4) {
				good += r.status == 200 && !strcmp(r.body, "slow");
			} else {
				good += r.status == 0 && r.curl_code != 0
					&& !strcmp(r.error, "response body larger than 2000 bytes");
			}
		}
	}
	ok(seen[0] && seen[1] && seen[2] && seen[3] && seen[4] && seen[5], "every request completed once");
	is_int(good, 6, "every response right (bodies, headers, cap)");
	is_int((long long)http_multi_pending(m), 0, "none pending");
	is_int(http_multi_next(m, &r, NULL), 0, "next on empty");

	/* concurrency: 6 x 300 ms with 3 in flight: the server sees exactly 3 at once */
	t0 = ms_now();
	for (int i = 0; i < 6; i++) {
		struct http_req q = { .url = url("/conc/m/300") };
		http_multi_add(m, &q, NULL, &e);
	}
	int n = 0;
	while (http_multi_pending(m) && ms_now() - t0 < 10000) {
		if (http_multi_run(m, 1000, &e) < 0)
			break;
		while (http_multi_next(m, &r, NULL))
			n += r.status == 200;
	}
	long dt = ms_now() - t0;
	ok(n == 6 && dt >= 550, "6 slow requests, 3 at a time, in %ld ms", dt);
	struct http_client *c = http_client_new(NULL, &e);
	struct http_req mq = { .url = url("/maxconc/m") };
	ok(c && http_do(c, &mq, &r, &e) == 0 && !strcmp(r.body, "3"), "at most 3 in flight, 3 reached: %s",
		r.body ? r.body : e.msg);
	http_client_free(c);

	/* abort */
	struct http_req q = { .url = url("/slow/5000") };
	http_multi_add(m, &q, NULL, &e);
	alarm_in_ms(200);
	t0 = ms_now();
	int rc = 0;
	while (rc >= 0 && ms_now() - t0 < 8000)
		rc = http_multi_run(m, 1000, &e);
	dt = ms_now() - t0;
	ok(rc == -1 && e.status == XIT_TEMPFAIL && dt < 2500, "multi abort (%ld ms): %s", dt, e.msg);
	stop_flag = 0;
	http_resp_free(&r);
	http_multi_free(m); /* with one request unfinished */
}

static void
test_abort(struct http_client *c)
{
	struct http_resp r = HTTP_RESP_INIT;
	struct err e = ERR_INIT;
	char want[256];
	struct http_req q = { .url = url("/slow/5000") };
	alarm_in_ms(200);
	long t0 = ms_now();
	is_int(http_do(c, &q, &r, &e), -1, "abort a transfer");
	long dt = ms_now() - t0;
	snprintf(want, sizeof want, "GET %s/slow/5000: interrupted", base);
	ok(e.status == XIT_TEMPFAIL && !strcmp(e.msg, want) && dt < 2500, "abort: %s (%ld ms)", e.msg, dt);

	struct http_retry p;
	http_retry_default(&p);
	p.cap_ms = 10000;
	q.url = url("/flaky/z/9/503?ra=5");
	alarm_in_ms(200);
	t0 = ms_now();
	is_int(http_do_retry(c, &q, &p, &r, &e), -1, "abort a backoff");
	dt = ms_now() - t0;
	ok(e.status == XIT_TEMPFAIL && strstr(e.msg, ": interrupted") && dt < 1500,
		"backoff abort: %s (%ld ms)", e.msg, dt);
	q.url = url("/echo");
	is_int(http_do(c, &q, &r, &e), -1, "no request while the flag is set");
	stop_flag = 0;
	is_int(http_do(c, &q, &r, &e), 0, "requests again once cleared");
	http_resp_free(&r);
}

int
main(void)
{
	struct err e = ERR_INIT;
	signal(SIGPIPE, SIG_IGN);
	if (http_global_init(&e)) {
		printf("Bail out! %s\n", e.msg);
		return 1;
	}
	http_set_abort_flag(&stop_flag);
	test_url_check();
	test_pure();
	start_server();
	struct http_client *c = http_client_new(NULL, &e);
	ok(c != NULL, "client created");
	if (c) {
		test_requests(c);
		test_retry(c);
		test_abort(c);
	}
	test_multi();
	http_client_free(c);
	stop_server();
	http_global_cleanup();
	return tap_done();
}
