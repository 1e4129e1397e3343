/* test_cfg.c: lib/cfg: environment, secrets, INI profiles, KEY=value files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "cfg.h"

static char dir[64];

static const char *
put(const char *name, const char *text, int mode)
{
	static char path[8][256];
	static int i;
	i = (i + 1) % 8;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
	FILE *f = fopen(path[i], "w");
	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path[i]);
		exit(1);
	}
	chmod(path[i], (mode_t)mode);
	return path[i];
}

static void
test_env_secret(void)
{
	struct err e = ERR_INIT;
	char *s = NULL;
	int loose = -1;

	setenv("DBXI_T_EMPTY", "", 1);
	ok(cfg_env("DBXI_T_EMPTY") == NULL, "empty env is unset");
	setenv("DBXI_T_SET", "v", 1);
	is_str(cfg_env("DBXI_T_SET"), "v", "set env");
	unsetenv("DBXI_T_NONE");
	ok(cfg_env("DBXI_T_NONE") == NULL, "unset env");

	unsetenv("TOK");
	unsetenv("TOK_FILE");
	is_int(cfg_secret("TOK", &s, &loose, &e), 0, "secret unset");
	ok(s == NULL && loose == 0, "unset gives NULL");

	setenv("TOK", "dapi-env-secret", 1);
	is_int(cfg_secret("TOK", &s, &loose, &e), 1, "secret from env");
	is_str(s, "dapi-env-secret", "secret env value");
	free(s);

	const char *p = put("tok", "dapi-file-secret\r\nsecond line\n", 0600);
	setenv("TOK_FILE", p, 1);
	is_int(cfg_secret("TOK", &s, &loose, &e), -1, "both set refused");
	is_int(e.status, XIT_CONFIG, "both set status");
	is_str(e.msg, "both TOK and TOK_FILE are set: set only one", "both set message");
	ok(!strstr(e.msg, "dapi"), "no value in the message");

	setenv("TOK", "", 1); /* empty counts as unset */
	is_int(cfg_secret("TOK", &s, &loose, &e), 1, "secret from file");
	is_str(s, "dapi-file-secret", "first line, CR LF stripped");
	is_int(loose, 0, "0600 is not loose");
	free(s);

	p = put("tok2", "no-newline", 0644);
	setenv("TOK_FILE", p, 1);
	is_int(cfg_secret("TOK", &s, &loose, &e), 1, "secret without newline");
	is_str(s, "no-newline", "value without newline");
	is_int(loose, 1, "0644 is loose");
	free(s);

	p = put("tok3", "\nsecret-on-line-2\n", 0600);
	setenv("TOK_FILE", p, 1);
	is_int(cfg_secret("TOK", &s, &loose, &e), -1, "empty first line refused");
	char want[512];
	snprintf(want, sizeof want, "TOK_FILE: the first line of %s is empty", p);
	is_str(e.msg, want, "empty first line message");
	ok(s == NULL, "nothing returned on error");

	snprintf(want, sizeof want, "%s/missing", dir);
	setenv("TOK_FILE", want, 1);
	is_int(cfg_secret("TOK", &s, NULL, &e), -1, "missing file");
	ok(strstr(e.msg, "TOK_FILE: cannot open ") == e.msg && strstr(e.msg, "No such file"),
		"missing file message: %s", e.msg);
	setenv("TOK_FILE", dir, 1);
	is_int(cfg_secret("TOK", &s, NULL, &e), -1, "directory refused");
	unsetenv("TOK");
	unsetenv("TOK_FILE");

	char *path = NULL;
	setenv("DATABRICKS_CONFIG_FILE", "/x/cfg", 1);
	is_int(cfg_dbx_path(&path, &e), 0, "config path from env");
	is_str(path, "/x/cfg", "DATABRICKS_CONFIG_FILE wins");
	free(path);
	unsetenv("DATABRICKS_CONFIG_FILE");
	setenv("HOME", "/home/u", 1);
	is_int(cfg_dbx_path(&path, &e), 0, "config path from HOME");
	is_str(path, "/home/u/.databrickscfg", "~/.databrickscfg");
	free(path);
}

static void
test_ini(void)
{
	struct err e = ERR_INIT;
	struct cfg_pairs p = CFG_PAIRS_INIT;
	const char *f = put("databrickscfg",
		"; a comment\n"
		"[DEFAULT]\n"
		"host  = https://dbc-1.cloud.databricks.com/\n"
		"token = dapi123 # inline comment\n"
		"\n"
		"# another comment\n"
		"[my-sp]\n"
		"host          = https://adb-123.4.azuredatabricks.net\n"
		"client_id     = 1b2c\n"
		"client_secret = \"dose#not-a-comment\"\n"
		"warehouse_id: abc123\n"
		"http_path = /sql/1.0/warehouses/abc123\n"
		"  [ spaced ]  ; trailing comment\n"
		"k=v#not-comment\n"
		"empty =\n"
		"[__settings__]\n"
		"default_profile = my-sp\n"
		"[my-sp]\n"
		"warehouse_id = def456\n", 0600);

	is_int(cfg_ini_load(f, "my-sp", &p, &e), 1, "profile found");
	is_str(cfg_get(&p, "host"), "https://adb-123.4.azuredatabricks.net", "host");
	is_str(cfg_get(&p, "client_id"), "1b2c", "client_id");
	is_str(cfg_get(&p, "client_secret"), "dose#not-a-comment", "quoted value");
	is_str(cfg_get(&p, "warehouse_id"), "def456", "repeated section: last value wins");
	is_str(cfg_get(&p, "http_path"), "/sql/1.0/warehouses/abc123", "http_path");
	ok(cfg_get(&p, "token") == NULL, "DEFAULT not merged into profiles");
	is_int((long long)p.n, 5, "five keys");
	cfg_pairs_free(&p);

	is_int(cfg_ini_load(f, "DEFAULT", &p, &e), 1, "DEFAULT found");
	is_str(cfg_get(&p, "token"), "dapi123", "inline comment after a blank stripped");
	cfg_pairs_free(&p);
	is_int(cfg_ini_load(f, "spaced", &p, &e), 1, "section name trimmed");
	is_str(cfg_get(&p, "k"), "v#not-comment", "'#' without a blank before it is data");
	is_str(cfg_get(&p, "empty"), "", "empty value");
	cfg_pairs_free(&p);
	is_int(cfg_ini_load(f, "__settings__", &p, &e), 1, "settings section");
	is_str(cfg_get(&p, "default_profile"), "my-sp", "default_profile");
	cfg_pairs_free(&p);
	is_int(cfg_ini_load(f, "nope", &p, &e), 0, "absent profile");
	is_int(cfg_ini_load(f, "My-sp", &p, &e), 0, "names are case-sensitive");
	is_int((long long)p.n, 0, "nothing loaded");

	char **names = NULL;
	size_t n = 0;
	is_int(cfg_ini_sections(f, &names, &n, &e), 1, "list sections");
	is_int((long long)n, 4, "four sections");
	ok(n == 4 && !strcmp(names[0], "DEFAULT") && !strcmp(names[1], "my-sp")
		&& !strcmp(names[2], "spaced") && !strcmp(names[3], "__settings__") && !names[4],
		"sections in file order, once each");
	cfg_strv_free(names);

	f = put("nohdr", "host = https://h\n[a]\nx=1\n", 0600);
	is_int(cfg_ini_load(f, "DEFAULT", &p, &e), 1, "keys before a header are DEFAULT");
	is_str(cfg_get(&p, "host"), "https://h", "DEFAULT key");
	cfg_pairs_free(&p);

	static const struct { const char *text; int line; const char *what; } bad[] = {
		{ "[a]\nx = 1\n[b\n", 3, "section header without ']'" },
		{ "[a]\njust words\n", 2, "expected 'key = value' or '[section]'" },
		{ "[a]\n = v\n", 2, "empty key" },
		{ "[]\n", 1, "empty section name" },
		{ "[a] x\n", 1, "text after the section header" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char want[512];
		f = put("bad.ini", bad[i].text, 0600);
		snprintf(want, sizeof want, "%s:%d: %s", f, bad[i].line, bad[i].what);
		is_int(cfg_ini_load(f, "a", &p, &e), -1, "bad ini %zu", i);
		is_str(e.msg, want, "bad ini %zu message", i);
		ok(e.status == XIT_CONFIG, "bad ini %zu status", i);
		cfg_pairs_free(&p);
	}
	char missing[128];
	snprintf(missing, sizeof missing, "%s/none.ini", dir);
	is_int(cfg_ini_load(missing, "DEFAULT", &p, &e), -2, "missing file is -2");
	ok(strstr(e.msg, "cannot open ") == e.msg, "missing file message: %s", e.msg);
	is_int(cfg_ini_sections(missing, &names, NULL, &e), -2, "missing file listing");
	ok(names == NULL, "no list on error");
}

static void
test_kv(void)
{
	struct err e = ERR_INIT;
	struct cfg_pairs p = CFG_PAIRS_INIT;
	const char *f = put("sync.conf",
		"# integration\n"
		"TABLE=main.crm.users\n"
		"  MAPPING='/etc/dbx insider/map.json'\n"
		"INSIDER_API_TOKEN_FILE=\"/run/secrets/insider token\"\n"
		"SCHEDULE='daily 03:30'\n"
		"EMPTY=\n"
		"EMPTY_Q=''\n"
		"WEIRD='a$b`c\\d\"e'\n"
		"TRAIL=x   \n"
		"TABLE=main.crm.users2\n"
		"CRLF=yes\r\n"
		"\n"
		"   # indented comment\n", 0600);
	is_int(cfg_kv_load(f, &p, &e), 0, "kv file loads");
	is_str(cfg_get(&p, "TABLE"), "main.crm.users2", "repeated key: last wins");
	is_str(cfg_get(&p, "MAPPING"), "/etc/dbx insider/map.json", "single quotes");
	is_str(cfg_get(&p, "INSIDER_API_TOKEN_FILE"), "/run/secrets/insider token", "double quotes");
	is_str(cfg_get(&p, "SCHEDULE"), "daily 03:30", "quoted blank");
	is_str(cfg_get(&p, "EMPTY"), "", "empty value");
	is_str(cfg_get(&p, "EMPTY_Q"), "", "empty quoted value");
	is_str(cfg_get(&p, "WEIRD"), "a$b`c\\d\"e", "single quotes keep everything literally");
	is_str(cfg_get(&p, "TRAIL"), "x", "trailing blanks dropped");
	is_str(cfg_get(&p, "CRLF"), "yes", "CR LF line");
	is_int((long long)p.n, 9, "nine keys");
	ok(p.n == 9 && p.kv[0].line == 10 && !strcmp(p.kv[0].key, "TABLE"), "line of the last setting");
	cfg_pairs_free(&p);

	static const struct { const char *text; const char *what; } bad[] = {
		{ "A=1\nB = 2\n", "2: B: no spaces around '=' (KEY=value)" },
		{ "A=1\nB =2\n", "2: B: no spaces around '=' (KEY=value)" },
		{ "export A=1\n", "1: 'export' is not allowed (systemd's EnvironmentFile reads this file)" },
		{ "1A=x\n", "1: expected KEY=value" },
		{ "A-B=x\n", "1: expected KEY=value" },
		{ "A\n", "1: expected KEY=value" },
		{ "A=two words\n", "1: A: quote the value (' ' is special to the shell)" },
		{ "A=$HOME/x\n", "1: A: quote the value ('$' is special to the shell)" },
		{ "A=x;rm\n", "1: A: quote the value (';' is special to the shell)" },
		{ "A=~/x\n", "1: A: quote the value (a leading '~' is expanded by the shell)" },
		{ "\n\nA='open\n", "3: A: unterminated single quote" },
		{ "A=\"open\n", "1: A: unterminated double quote" },
		{ "A=\"$HOME\"\n", "1: A: '$', '`' and '\\' are not allowed in double quotes (use single quotes)" },
		{ "A='x' y\n", "1: A: text after the closing quote" },
		{ "A='x'y\n", "1: A: text after the closing quote" },
		{ "TOKEN=sec ret\n", "1: TOKEN: quote the value (' ' is special to the shell)" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char want[512];
		f = put("bad.conf", bad[i].text, 0600);
		snprintf(want, sizeof want, "%s:%s", f, bad[i].what);
		is_int(cfg_kv_load(f, &p, &e), -1, "bad kv %zu", i);
		is_str(e.msg, want, "bad kv %zu message", i);
		ok(e.status == XIT_CONFIG && !strstr(e.msg, "sec ret"), "bad kv %zu status", i);
		cfg_pairs_free(&p);
	}
	char missing[128];
	snprintf(missing, sizeof missing, "%s/none.conf", dir);
	is_int(cfg_kv_load(missing, &p, &e), -1, "missing kv file");
	ok(strstr(e.msg, "cannot open ") == e.msg && strstr(e.msg, "No such file"), "missing: %s", e.msg);
}

static void
cleanup(void)
{
	static const char *files[] = { "tok", "tok2", "tok3", "databrickscfg", "nohdr", "bad.ini",
		"sync.conf", "bad.conf" };
	char p[256];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/dbxi-cfg.XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_env_secret();
	test_ini();
	test_kv();
	cleanup();
	return tap_done();
}
