/* cfg.c: see cfg.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cfg.h"

#define SECRET_MAX 65536

/* ---- pairs ---- */

const char *
cfg_get(const struct cfg_pairs *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->kv[i].key, key) == 0)
			return p->kv[i].value;
	return NULL;
}

int
cfg_set(struct cfg_pairs *p, const char *key, const char *value, int line, struct err *e)
{
	char *v = strdup(value);
	if (!v)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->kv[i].key, key) == 0) {
			free(p->kv[i].value);
			p->kv[i].value = v;
			p->kv[i].line = line;
			return 0;
		}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct cfg_kv *kv = realloc(p->kv, cap * sizeof *kv);
		if (!kv) {
			free(v);
			return err_set(e, XIT_TEMPFAIL, "out of memory");
		}
		p->kv = kv;
		p->cap = cap;
	}
	char *k = strdup(key);
	if (!k) {
		free(v);
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	}
	p->kv[p->n].key = k;
	p->kv[p->n].value = v;
	p->kv[p->n].line = line;
	p->n++;
	return 0;
}

void
cfg_pairs_free(struct cfg_pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->kv[i].key);
		if (p->kv[i].value) {
			/* values may be secrets: do not leave them in freed memory */
			volatile char *s = p->kv[i].value;
			while (*s)
				*s++ = 0;
		}
		free(p->kv[i].value);
	}
	free(p->kv);
	p->kv = NULL;
	p->n = p->cap = 0;
}

/* ---- environment and secrets ---- */

const char *
cfg_env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int
cfg_secret(const char *name, char **out, int *loose, struct err *e)
{
	char fname[256];
	struct stat st;
	*out = NULL;
	if (loose)
		*loose = 0;
	if ((size_t)snprintf(fname, sizeof fname, "%s_FILE", name) >= sizeof fname)
		return err_set(e, XIT_CONFIG, "variable name too long");
	const char *v = cfg_env(name), *path = cfg_env(fname);
	if (v && path)
		return err_set(e, XIT_CONFIG, "both %s and %s are set: set only one", name, fname);
	if (v) {
		if (!(*out = strdup(v)))
			return err_set(e, XIT_TEMPFAIL, "out of memory");
		return 1;
	}
	if (!path)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, XIT_CONFIG, "%s: cannot open %s:", fname, path);
	if (fstat(fd, &st) != 0) {
		close(fd);
		return err_set(e, XIT_CONFIG, "%s: cannot stat %s:", fname, path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, XIT_CONFIG, "%s: %s is a directory", fname, path);
	}
	if (loose && (st.st_mode & (S_IRWXG | S_IRWXO)))
		*loose = 1;
	char *buf = malloc(SECRET_MAX + 1);
	if (!buf) {
		close(fd);
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	}
	size_t n = 0;
	int nl = 0;
	while (n < SECRET_MAX && !nl) {
		ssize_t r = read(fd, buf + n, SECRET_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int sv = errno;
			close(fd);
			free(buf);
			errno = sv;
			return err_set(e, XIT_CONFIG, "%s: cannot read %s:", fname, path);
		}
		if (r == 0)
			break;
		nl = memchr(buf + n, '\n', (size_t)r) != NULL;
		n += (size_t)r;
	}
	close(fd);
	char *end = memchr(buf, '\n', n);
	if (!end && n == SECRET_MAX) {
		free(buf);
		return err_set(e, XIT_CONFIG, "%s: the first line of %s is longer than %d bytes", fname,
			path, SECRET_MAX);
	}
	size_t len = end ? (size_t)(end - buf) : n;
	if (len && buf[len - 1] == '\r')
		len--;
	memset(buf + len, 0, n + 1 - len);
	if (!len || memchr(buf, 0, len)) {
		free(buf);
		return err_set(e, XIT_CONFIG, "%s: the first line of %s is %s", fname, path,
			len ? "not text (it holds a NUL byte)" : "empty");
	}
	*out = buf;
	return 1;
}

int
cfg_dbx_path(char **out, struct err *e)
{
	const char *p = cfg_env("DATABRICKS_CONFIG_FILE"), *home;
	char *s;
	if (p) {
		s = strdup(p);
	} else if ((home = cfg_env("HOME"))) {
		size_t n = strlen(home) + sizeof "/.databrickscfg";
		if ((s = malloc(n)))
			snprintf(s, n, "%s/.databrickscfg", home);
	} else {
		*out = NULL;
		return err_set(e, XIT_CONFIG,
			"neither DATABRICKS_CONFIG_FILE nor HOME is set: cannot find .databrickscfg");
	}
	if (!s)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	*out = s;
	return 0;
}

/* ---- line reading ---- */

static int
open_file(const char *path, FILE **f, struct err *e)
{
	if (!(*f = fopen(path, "re"))) {
		int missing = errno == ENOENT;
		err_set(e, XIT_CONFIG, "cannot open %s:", path);
		return missing ? -2 : -1;
	}
	return 0;
}

static char *
trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = 0;
	return s;
}

/* ---- INI ---- */

/* ini_walk: calls on_section for each section header and on_key for each key, with the
 * current section. Returns 0 or -1 ("FILE:LINE: ..."). */
struct ini_cb {
	int (*on_section)(void *ud, const char *name, struct err *e);
	int (*on_key)(void *ud, const char *section, const char *key, const char *value, int line,
		struct err *e);
	void *ud;
};

static int
ini_walk(const char *path, const struct ini_cb *cb, struct err *e)
{
	FILE *f;
	int rc = open_file(path, &f, e);
	if (rc)
		return rc;
	char *line = NULL, *section = strdup("DEFAULT");
	size_t cap = 0;
	int lineno = 0;
	rc = 0;
	if (!section) {
		fclose(f);
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		char *s = trim(line);
		if (lineno == 1 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb
		    && (unsigned char)s[2] == 0xbf)
			s = trim(s + 3); /* UTF-8 byte order mark */
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close) {
				rc = err_set(e, XIT_CONFIG, "%s:%d: section header without ']'", path, lineno);
				break;
			}
			char *rest = trim(close + 1);
			if (*rest && *rest != '#' && *rest != ';') {
				rc = err_set(e, XIT_CONFIG, "%s:%d: text after the section header", path,
					lineno);
				break;
			}
			*close = 0;
			char *name = trim(s + 1);
			if (!*name) {
				rc = err_set(e, XIT_CONFIG, "%s:%d: empty section name", path, lineno);
				break;
			}
			char *ns = strdup(name);
			if (!ns) {
				rc = err_set(e, XIT_TEMPFAIL, "out of memory");
				break;
			}
			free(section);
			section = ns;
			if (cb->on_section && (rc = cb->on_section(cb->ud, section, e)))
				break;
			continue;
		}
		size_t k = strcspn(s, "=:");
		if (!s[k]) {
			rc = err_set(e, XIT_CONFIG, "%s:%d: expected 'key = value' or '[section]'", path,
				lineno);
			break;
		}
		s[k] = 0;
		char *key = trim(s), *val = trim(s + k + 1);
		if (!*key) {
			rc = err_set(e, XIT_CONFIG, "%s:%d: empty key", path, lineno);
			break;
		}
		char *q;
		if ((*val == '"' || *val == '`') && (q = strchr(val + 1, *val))) {
			val++;
			*q = 0;
		} else {
			for (char *c = val; *c; c++)
				if ((*c == '#' || *c == ';') && c > val && (c[-1] == ' ' || c[-1] == '\t')) {
					*c = 0;
					val = trim(val);
					break;
				}
		}
		if (cb->on_key && (rc = cb->on_key(cb->ud, section, key, val, lineno, e)))
			break;
	}
	if (!rc && ferror(f))
		rc = err_set(e, XIT_CONFIG, "cannot read %s:", path);
	if (line) {
		memset(line, 0, cap); /* may have held a secret */
		free(line);
	}
	free(section);
	fclose(f);
	return rc;
}

struct load_ud {
	const char *want;
	struct cfg_pairs *out;
	int found;
};

static int
load_section(void *ud, const char *name, struct err *e)
{
	struct load_ud *u = ud;
	(void)e;
	if (strcmp(name, u->want) == 0)
		u->found = 1;
	return 0;
}

static int
load_key(void *ud, const char *section, const char *key, const char *value, int line,
	struct err *e)
{
	struct load_ud *u = ud;
	if (strcmp(section, u->want) != 0)
		return 0;
	u->found = 1;
	return cfg_set(u->out, key, value, line, e);
}

int
cfg_ini_load(const char *path, const char *name, struct cfg_pairs *out, struct err *e)
{
	struct load_ud u = { name, out, 0 };
	struct ini_cb cb = { load_section, load_key, &u };
	int rc = ini_walk(path, &cb, e);
	return rc ? rc : u.found;
}

struct list_ud {
	char **v;
	size_t n, cap;
};

static int
list_add(struct list_ud *u, const char *name, struct err *e)
{
	for (size_t i = 0; i < u->n; i++)
		if (strcmp(u->v[i], name) == 0)
			return 0;
	if (u->n + 2 > u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 8;
		char **v = realloc(u->v, cap * sizeof *v);
		if (!v)
			return err_set(e, XIT_TEMPFAIL, "out of memory");
		u->v = v;
		u->cap = cap;
	}
	if (!(u->v[u->n] = strdup(name)))
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	u->v[++u->n] = NULL;
	return 0;
}

static int
list_section(void *ud, const char *name, struct err *e)
{
	return list_add(ud, name, e);
}

static int
list_key(void *ud, const char *section, const char *key, const char *value, int line,
	struct err *e)
{
	(void)key, (void)value, (void)line;
	return list_add(ud, section, e); /* keys before any header: DEFAULT */
}

void
cfg_strv_free(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int
cfg_ini_sections(const char *path, char ***names, size_t *n, struct err *e)
{
	struct list_ud u = { NULL, 0, 0 };
	struct ini_cb cb = { list_section, list_key, &u };
	*names = NULL;
	if (n)
		*n = 0;
	int rc = ini_walk(path, &cb, e);
	if (!rc && !u.v && !(u.v = calloc(1, sizeof *u.v)))
		rc = err_set(e, XIT_TEMPFAIL, "out of memory");
	if (rc) {
		cfg_strv_free(u.v);
		return rc;
	}
	*names = u.v;
	if (n)
		*n = u.n;
	return 1;
}

/* ---- KEY=value ---- */

static int
kv_line(const char *path, int lineno, char *s, struct cfg_pairs *out, struct err *e)
{
	char *p = s;
	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'))
		return err_set(e, XIT_CONFIG, "%s:%d: expected KEY=value", path, lineno);
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'
	    || (*p >= '0' && *p <= '9'))
		p++;
	size_t klen = (size_t)(p - s);
	if (*p != '=') {
		if (klen == 6 && strncmp(s, "export", 6) == 0 && (*p == ' ' || *p == '\t'))
			return err_set(e, XIT_CONFIG,
				"%s:%d: 'export' is not allowed (systemd's EnvironmentFile reads this file)",
				path, lineno);
		if (*p == ' ' || *p == '\t')
			return err_set(e, XIT_CONFIG, "%s:%d: %.*s: no spaces around '=' (KEY=value)",
				path, lineno, (int)klen, s);
		return err_set(e, XIT_CONFIG, "%s:%d: expected KEY=value", path, lineno);
	}
	*p++ = 0;
	const char *key = s;
	char *val = p, *end;
	if (*p == '\'' || *p == '"') {
		char q = *p;
		val = p + 1;
		end = strchr(val, q);
		if (!end)
			return err_set(e, XIT_CONFIG, "%s:%d: %s: unterminated %s quote", path, lineno, key,
				q == '"' ? "double" : "single");
		*end = 0;
		if (q == '"' && val[strcspn(val, "$`\\")])
			return err_set(e, XIT_CONFIG,
				"%s:%d: %s: '$', '`' and '\\' are not allowed in double quotes (use single quotes)",
				path, lineno, key);
		for (char *r = end + 1; *r; r++)
			if (*r != ' ' && *r != '\t')
				return err_set(e, XIT_CONFIG, "%s:%d: %s: text after the closing quote", path,
					lineno, key);
	} else {
		end = val + strlen(val);
		while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = 0;
		size_t bad = strcspn(val, " \t'\"$`\\;&|<>()");
		if (val[bad])
			return err_set(e, XIT_CONFIG, "%s:%d: %s: quote the value ('%c' is special to the shell)",
				path, lineno, key, val[bad] == '\t' ? ' ' : val[bad]);
		if (*val == '~')
			return err_set(e, XIT_CONFIG,
				"%s:%d: %s: quote the value (a leading '~' is expanded by the shell)", path,
				lineno, key);
	}
	return cfg_set(out, key, val, lineno, e);
}

int
cfg_kv_load(const char *path, struct cfg_pairs *out, struct err *e)
{
	FILE *f;
	int rc = open_file(path, &f, e);
	if (rc)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		if (n && line[n - 1] == '\r')
			line[--n] = 0;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if ((rc = kv_line(path, lineno, s, out, e)))
			break;
	}
	if (!rc && ferror(f))
		rc = err_set(e, XIT_CONFIG, "cannot read %s:", path);
	if (line) {
		memset(line, 0, cap);
		free(line);
	}
	fclose(f);
	return rc;
}
