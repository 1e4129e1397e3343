/* dbx_cfg.c: see dbx_cfg.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "buf.h"
#include "cfg.h"
#include "dbx_cfg.h"
#include "http.h"

static char *
xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

static void
wipe_free(char *s)
{
	if (s) {
		volatile char *v = s;
		while (*v)
			*v++ = 0;
		free(s);
	}
}

static int
is_sp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* ---- host and warehouse ---- */

int
dbx_host_normalize(const char *in, char **host, char **org_id, struct err *e)
{
	struct buf b = BUF_INIT;
	const char *s = in, *end, *q;
	*host = NULL, *org_id = NULL;
	while (*s && is_sp(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_sp(end[-1]))
		end--;
	if (s == end)
		return err_set(e, XIT_CONFIG, "the Databricks host is empty");
	const char *sch = strstr(s, "://");
	if (sch && sch < end) {
		size_t sl = (size_t)(sch - s);
		if (!((sl == 5 && !strncasecmp(s, "https", 5)) || (sl == 4 && !strncasecmp(s, "http", 4))))
			return err_set(e, XIT_CONFIG, "the Databricks host must be https://HOST");
	} else if (buf_adds(&b, "https://") < 0)
		goto nomem;
	const char *auth = sch && sch < end ? sch + 3 : s;
	const char *ae = auth;
	while (ae < end && *ae != '/' && *ae != '?' && *ae != '#')
		ae++;
	if (ae == auth) {
		buf_free(&b);
		return err_set(e, XIT_CONFIG, "the Databricks host has no host name");
	}
	for (const char *c = auth; c < ae; c++)
		if (*c == '@' || is_sp(*c) || (unsigned char)*c < 0x20) {
			buf_free(&b);
			return err_set(e, XIT_CONFIG, "the Databricks host must be a plain host name (no user, no spaces)");
		}
	if (buf_add(&b, s, (size_t)(ae - s)) < 0)
		goto nomem;
	/* ?o=<workspace id> */
	if ((q = memchr(s, '?', (size_t)(end - s)))) {
		const char *o = q + 1;
		while (o < end) {
			const char *amp = memchr(o, '&', (size_t)(end - o));
			const char *pe = amp ? amp : end;
			if (pe - o > 2 && o[0] == 'o' && o[1] == '=') {
				size_t n = (size_t)(pe - o - 2);
				const char *v = o + 2;
				size_t k;
				for (k = 0; k < n && ((v[k] >= '0' && v[k] <= '9')); k++)
					;
				if (k == n && !(*org_id = xstrndup(v, n)))
					goto nomem;
			}
			o = pe + 1;
		}
	}
	if (buf_addc(&b, '/') < 0)
		goto nomem;
	if (http_url_check(b.p, e) < 0) {
		buf_free(&b);
		free(*org_id);
		*org_id = NULL;
		return -1;
	}
	b.p[--b.len] = 0;
	*host = buf_detach(&b);
	return 0;
nomem:
	buf_free(&b);
	free(*org_id);
	*org_id = NULL;
	return err_set(e, XIT_TEMPFAIL, "out of memory");
}

static int
id_ok(const char *s, size_t n)
{
	if (!n || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

int
dbx_warehouse_from_path(const char *path, char **id, struct err *e)
{
	const char *p;
	size_t n;
	*id = NULL;
	if ((p = strstr(path, "/warehouses/")))
		p += strlen("/warehouses/");
	else if ((p = strstr(path, "/endpoints/")))
		p += strlen("/endpoints/");
	else if (strstr(path, "protocolv1"))
		return err_set(e, XIT_CONFIG, "HTTP path %.200s names an all-purpose cluster; "
			"dbx-cdf-read needs a SQL warehouse (HTTP path /sql/1.0/warehouses/ID)", path);
	else
		return err_set(e, XIT_CONFIG, "HTTP path %.200s is not a SQL warehouse path "
			"(/sql/1.0/warehouses/ID)", path);
	n = strcspn(p, "?&/");
	if (!id_ok(p, n))
		return err_set(e, XIT_CONFIG, "HTTP path %.200s: bad warehouse id", path);
	if (!(*id = xstrndup(p, n)))
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	return 0;
}

const char *
dbx_auth_label(enum dbx_auth_kind k)
{
	return k == DBX_AUTH_PAT ? "personal access token" : k == DBX_AUTH_OAUTH_M2M ? "OAuth M2M" :
	       k == DBX_AUTH_AZURE ? "Azure Entra ID service principal, azure-client-secret" : "none";
}

static int
tenant_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

/* ---- resolution ---- */

enum { S_NONE, S_FLAG, S_ENV, S_FILE };
struct setting {
	char *v;
	int src;
	const char *where; /* flag or variable name, for messages */
};

static void
set_take(struct setting *s, char *v, int src, const char *where)
{
	if (s->v || !v) {
		free(v);
		return;
	}
	s->v = v, s->src = src, s->where = where;
}

static int
env_plain(const char *var, char **out, struct err *e)
{
	const char *v = getenv(var);
	*out = NULL;
	if (v && *v && !(*out = strdup(v)))
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	return 0;
}

/* a secret from NAME or NAME_FILE; a NAME_FILE others can read is noted in c->warn */
static int
env_secret(struct dbx_cfg *c, const char *name, char **out, struct err *e)
{
	int loose = 0;
	if (cfg_secret(name, out, &loose, e) < 0)
		return -1;
	if (loose) {
		size_t k = strlen(c->warn);
		char fname[128];
		snprintf(fname, sizeof fname, "%s_FILE", name);
		const char *path = cfg_env(fname);
		snprintf(c->warn + k, sizeof c->warn - k, "%s%s_FILE: %s can be read by other users: "
			"chmod 600 %s", k ? "; " : "", name, path ? path : "?", path ? path : "it");
	}
	return 0;
}

static int
dup_opt(const char *v, char **out, struct err *e)
{
	*out = NULL;
	if (v && *v && !(*out = strdup(v)))
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	return 0;
}

/* warehouse id from one level: id and path both given must agree */
static int
wh_level(char *id, char *path, const char *idname, const char *pathname, char **out, struct err *e)
{
	char *pid = NULL;
	*out = NULL;
	if (path && dbx_warehouse_from_path(path, &pid, e) < 0)
		goto fail;
	if (id && !id_ok(id, strlen(id))) {
		err_set(e, XIT_CONFIG, "%s: bad warehouse id %.100s", idname, id);
		goto fail;
	}
	if (id && pid && strcmp(id, pid)) {
		err_set(e, XIT_CONFIG, "%s (%.100s) and %s (%.200s) name different warehouses",
			idname, id, pathname, path);
		goto fail;
	}
	if (id) {
		*out = id;
		id = NULL;
	} else {
		*out = pid;
		pid = NULL;
	}
	free(id), free(path), free(pid);
	return 0;
fail:
	free(id), free(path), free(pid);
	return -1;
}

void
dbx_cfg_free(struct dbx_cfg *c)
{
	free(c->host), free(c->org_id), free(c->warehouse_id), free(c->tenant_id), free(c->login_url);
	wipe_free(c->token), wipe_free(c->client_id), wipe_free(c->client_secret);
	free(c->profile), free(c->config_file);
	memset(c, 0, sizeof *c);
}

int
dbx_cfg_load(struct dbx_cfg *c, const struct dbx_flags *f, int need, struct err *e)
{
	struct setting host = { 0 }, token = { 0 }, cid = { 0 }, csec = { 0 }, atype = { 0 },
		       wh = { 0 }, prof = { 0 }, cfile = { 0 }, atid = { 0 }, acid = { 0 }, asec = { 0 };
	char *v, *v2;
	int rc = -1;
	memset(c, 0, sizeof *c);

	/* flags */
	if (dup_opt(f->host, &v, e) < 0) goto out;
	set_take(&host, v, S_FLAG, "--host");
	if (dup_opt(f->profile, &v, e) < 0) goto out;
	set_take(&prof, v, S_FLAG, "--profile");
	if (dup_opt(f->config_file, &v, e) < 0) goto out;
	set_take(&cfile, v, S_FLAG, "--config-file");
	if (dup_opt(f->warehouse_id, &v, e) < 0 || dup_opt(f->http_path, &v2, e) < 0) goto out;
	if (wh_level(v, v2, "--warehouse-id", "--http-path", &v, e) < 0) goto out;
	set_take(&wh, v, S_FLAG, f->warehouse_id ? "--warehouse-id" : "--http-path");

	/* environment */
	if (env_plain("DATABRICKS_HOST", &v, e) < 0) goto out;
	set_take(&host, v, S_ENV, "DATABRICKS_HOST");
	if (env_secret(c, "DATABRICKS_TOKEN", &v, e) < 0) goto out;
	set_take(&token, v, S_ENV, "DATABRICKS_TOKEN");
	if (env_secret(c, "DATABRICKS_CLIENT_ID", &v, e) < 0) goto out;
	set_take(&cid, v, S_ENV, "DATABRICKS_CLIENT_ID");
	if (env_secret(c, "DATABRICKS_CLIENT_SECRET", &v, e) < 0) goto out;
	set_take(&csec, v, S_ENV, "DATABRICKS_CLIENT_SECRET");
	if (env_plain("ARM_TENANT_ID", &v, e) < 0) goto out;
	set_take(&atid, v, S_ENV, "ARM_TENANT_ID");
	if (env_plain("ARM_CLIENT_ID", &v, e) < 0) goto out;
	set_take(&acid, v, S_ENV, "ARM_CLIENT_ID");
	if (env_secret(c, "ARM_CLIENT_SECRET", &v, e) < 0) goto out;
	set_take(&asec, v, S_ENV, "ARM_CLIENT_SECRET");
	if (env_plain("DATABRICKS_AUTH_TYPE", &v, e) < 0) goto out;
	set_take(&atype, v, S_ENV, "DATABRICKS_AUTH_TYPE");
	if (env_plain("DATABRICKS_CONFIG_PROFILE", &v, e) < 0) goto out;
	set_take(&prof, v, S_ENV, "DATABRICKS_CONFIG_PROFILE");
	if (env_plain("DATABRICKS_CONFIG_FILE", &v, e) < 0) goto out;
	set_take(&cfile, v, S_ENV, "DATABRICKS_CONFIG_FILE");
	if (env_plain("DATABRICKS_WAREHOUSE_ID", &v, e) < 0 || env_plain("DATABRICKS_HTTP_PATH", &v2, e) < 0)
		goto out;
	{
		int had_id = v != NULL;
		if (wh_level(v, v2, "DATABRICKS_WAREHOUSE_ID", "DATABRICKS_HTTP_PATH", &v, e) < 0) goto out;
		set_take(&wh, v, S_ENV, had_id ? "DATABRICKS_WAREHOUSE_ID" : "DATABRICKS_HTTP_PATH");
	}

	/* the config file */
	int skip = !prof.v && (host.v || token.v || cid.v || csec.v || atid.v || acid.v || asec.v);
	if (!skip) {
		struct cfg_pairs kv = CFG_PAIRS_INIT, sett = CFG_PAIRS_INIT;
		char *path = NULL, *pname = NULL;
		int explicit = cfile.v != NULL, named = prof.v != NULL, k, fromsettings = 0;
		struct err ig = ERR_INIT;
		if (cfile.v) {
			if (!(path = strdup(cfile.v))) { err_set(e, XIT_TEMPFAIL, "out of memory"); goto out; }
		} else if (cfg_dbx_path(&path, &ig) < 0)
			path = NULL;
		if (path && !named) {
			k = cfg_ini_load(path, "__settings__", &sett, e);
			if (k == -1) { free(path); cfg_pairs_free(&sett); goto out; }
			const char *dp = k == 1 ? cfg_get(&sett, "default_profile") : NULL;
			if (dp && *dp)
				pname = strdup(dp), fromsettings = 1;
			cfg_pairs_free(&sett);
		} else if (named)
			pname = strdup(prof.v);
		if (path && !pname && !(pname = strdup("DEFAULT"))) {
			free(path);
			err_set(e, XIT_TEMPFAIL, "out of memory");
			goto out;
		}
		k = path ? cfg_ini_load(path, pname, &kv, e) : -2;
		if (k == -1 || (k == -2 && (explicit || named)) || (k == 0 && (named || fromsettings))) {
			if (k == 0)
				err_set(e, XIT_CONFIG, "profile %.100s not found in %.300s", pname, path);
			else if (k == -2 && !path)
				err_set(e, XIT_CONFIG, "no Databricks config file to read profile %.100s from "
					"(HOME is not set)", pname ? pname : "");
			free(path), free(pname);
			cfg_pairs_free(&kv);
			goto out;
		}
		if (k == 1) {
			static const char *keys[] = { "host", "token", "client_id", "client_secret",
				"auth_type", "warehouse_id", "http_path", "azure_tenant_id",
				"azure_client_id", "azure_client_secret" };
			char *val[10] = { 0 };
			for (int i = 0; i < 10; i++) {
				const char *x = cfg_get(&kv, keys[i]);
				if (x && *x && !(val[i] = strdup(x))) {
					for (int j = 0; j < i; j++)
						wipe_free(val[j]);
					free(path), free(pname);
					cfg_pairs_free(&kv);
					err_set(e, XIT_TEMPFAIL, "out of memory");
					goto out;
				}
			}
			cfg_pairs_free(&kv);
			set_take(&host, val[0], S_FILE, "host");
			set_take(&token, val[1], S_FILE, "token");
			set_take(&cid, val[2], S_FILE, "client_id");
			set_take(&csec, val[3], S_FILE, "client_secret");
			set_take(&atype, val[4], S_FILE, "auth_type");
			set_take(&atid, val[7], S_FILE, "azure_tenant_id");
			set_take(&acid, val[8], S_FILE, "azure_client_id");
			set_take(&asec, val[9], S_FILE, "azure_client_secret");
			int had_id = val[5] != NULL;
			if (wh_level(val[5], val[6], "warehouse_id", "http_path", &v, e) < 0) {
				free(path), free(pname);
				goto out;
			}
			set_take(&wh, v, S_FILE, had_id ? "warehouse_id" : "http_path");
			c->profile = pname;
			c->config_file = path;
		} else {
			cfg_pairs_free(&kv);
			free(path), free(pname);
		}
	}

	/* validation */
	if (!host.v) {
		err_set(e, XIT_CONFIG, "no Databricks host: set DATABRICKS_HOST (or host in a "
			"~/.databrickscfg profile, or --host)");
		goto out;
	}
	if (dbx_host_normalize(host.v, &c->host, &c->org_id, e) < 0)
		goto out;
	snprintf(c->host_where, sizeof c->host_where, "%s", host.where);
	if (need & DBX_NEED_WAREHOUSE && !wh.v) {
		err_set(e, XIT_CONFIG, "no SQL warehouse: set DATABRICKS_HTTP_PATH (the warehouse's "
			"HTTP Path) or DATABRICKS_WAREHOUSE_ID");
		goto out;
	}
	c->warehouse_id = wh.v, wh.v = NULL;
	int has_pat = token.v != NULL, has_m2m = cid.v || csec.v, has_az = atid.v || acid.v || asec.v;
	if (atype.v) {
		if (!strcmp(atype.v, "pat"))
			c->auth = DBX_AUTH_PAT;
		else if (!strcmp(atype.v, "oauth-m2m"))
			c->auth = DBX_AUTH_OAUTH_M2M;
		else if (!strcmp(atype.v, "azure-client-secret"))
			c->auth = DBX_AUTH_AZURE;
		else {
			err_set(e, XIT_CONFIG, "%s: auth type %.60s is not supported (pat, oauth-m2m, "
				"azure-client-secret)", atype.where, atype.v);
			goto out;
		}
	} else if (has_pat + has_m2m + has_az > 1) {
		const char *k1 = has_az ? "azure" : "oauth", *k2 = has_pat ? "pat" : "oauth";
		const char *w1 = has_az ? (atid.v ? atid.where : acid.v ? acid.where : asec.where) :
			(cid.v ? cid.where : csec.where);
		const char *w2 = has_pat ? token.where : (cid.v ? cid.where : csec.where);
		err_set(e, XIT_CONFIG, "validate: more than one authorization method configured: "
			"%s and %s (credentials from %s and from %s); unset one, or set "
			"DATABRICKS_AUTH_TYPE", k1, k2, w1, w2);
		goto out;
	} else if (has_pat)
		c->auth = DBX_AUTH_PAT;
	else if (has_m2m)
		c->auth = DBX_AUTH_OAUTH_M2M;
	else if (has_az)
		c->auth = DBX_AUTH_AZURE;
	else {
		err_set(e, XIT_CONFIG, "no Databricks credentials: set DATABRICKS_CLIENT_ID and "
			"DATABRICKS_CLIENT_SECRET (OAuth M2M), DATABRICKS_TOKEN, or ARM_TENANT_ID, "
			"ARM_CLIENT_ID and ARM_CLIENT_SECRET (Azure Entra ID) (or their *_FILE forms, or a "
			"~/.databrickscfg profile)");
		goto out;
	}
	if (c->auth == DBX_AUTH_PAT && !token.v) {
		err_set(e, XIT_CONFIG, "auth type pat: no token (DATABRICKS_TOKEN)");
		goto out;
	}
	if (c->auth == DBX_AUTH_OAUTH_M2M && (!cid.v || !csec.v)) {
		err_set(e, XIT_CONFIG, "OAuth M2M needs both a client id and a client secret: %s is not set",
			cid.v ? "DATABRICKS_CLIENT_SECRET" : "DATABRICKS_CLIENT_ID");
		goto out;
	}
	if (c->auth == DBX_AUTH_AZURE) {
		if (!atid.v || !acid.v || !asec.v) {
			err_set(e, XIT_CONFIG, "azure-client-secret needs ARM_TENANT_ID, ARM_CLIENT_ID and "
				"ARM_CLIENT_SECRET (or azure_tenant_id, azure_client_id, azure_client_secret "
				"in the profile): %s is not set", !atid.v ? "ARM_TENANT_ID" :
				!acid.v ? "ARM_CLIENT_ID" : "ARM_CLIENT_SECRET");
			goto out;
		}
		if (!tenant_ok(atid.v)) {
			err_set(e, XIT_CONFIG, "%s: bad tenant id (a GUID or a domain name)", atid.where);
			goto out;
		}
		const char *lu = cfg_env("DBXI_AZURE_LOGIN_URL");
		struct buf b = BUF_INIT;
		if (buf_adds(&b, lu ? lu : DBX_AZURE_LOGIN_DEFAULT) < 0) {
			err_set(e, XIT_TEMPFAIL, "out of memory");
			goto out;
		}
		while (b.len && b.p[b.len - 1] == '/')
			b.p[--b.len] = 0;
		if (buf_addc(&b, '/') < 0) {
			buf_free(&b);
			err_set(e, XIT_TEMPFAIL, "out of memory");
			goto out;
		}
		if (http_url_check(b.p, e) < 0) {
			char m[sizeof e->msg];
			snprintf(m, sizeof m, "%s", e->msg);
			err_set(e, XIT_CONFIG, "DBXI_AZURE_LOGIN_URL: %s", m);
			buf_free(&b);
			goto out;
		}
		b.p[--b.len] = 0;
		c->login_url = buf_detach(&b);
		c->tenant_id = atid.v, atid.v = NULL;
		c->client_id = acid.v, c->client_secret = asec.v, acid.v = asec.v = NULL;
	} else if (c->auth == DBX_AUTH_PAT)
		c->token = token.v, token.v = NULL;
	else
		c->client_id = cid.v, c->client_secret = csec.v, cid.v = csec.v = NULL;
	rc = 0;
out:
	free(host.v), wipe_free(token.v), wipe_free(cid.v), wipe_free(csec.v), free(atype.v);
	free(wh.v), free(prof.v), free(cfile.v), free(atid.v), wipe_free(acid.v), wipe_free(asec.v);
	if (rc < 0)
		dbx_cfg_free(c);
	return rc;
}
