/* cfg.h: configuration helpers: environment, secrets, ~/.databrickscfg (INI), KEY=value files.
 *
 * Ownership: strings returned through `char **out` are the caller's (free()). A struct
 * cfg_pairs owns its keys and values; release it with cfg_pairs_free. cfg_env returns the
 * environment's own storage (do not free). Nothing here prints or exits.
 *
 * Secrets: no message built here ever contains a value read from the environment or a file,
 * only variable names, file names and line numbers.
 */
#ifndef DBXI_CFG_H
#define DBXI_CFG_H
#include <stddef.h>
#include "err.h"

/* Key/value pairs in file order; a key set twice keeps its last value (cfg_get). */
struct cfg_kv {
	char *key;
	char *value;
	int line;   /* line of the file it came from (0: set by code) */
};
struct cfg_pairs {
	struct cfg_kv *kv;
	size_t n, cap;
};
#define CFG_PAIRS_INIT { NULL, 0, 0 }
const char *cfg_get(const struct cfg_pairs *p, const char *key); /* NULL when absent */
int cfg_set(struct cfg_pairs *p, const char *key, const char *value, int line, struct err *e);
void cfg_pairs_free(struct cfg_pairs *p);

/* cfg_env: getenv, with an empty value treated as unset (NULL). */
const char *cfg_env(const char *name);

/* cfg_secret: the secret NAME from the environment variable NAME, or from the first line of
 * the file named by NAME_FILE (trailing "\n" / "\r\n" stripped). Returns 1 with *out (caller
 * frees), 0 when neither is set (*out NULL), -1 with XIT_CONFIG when both are set, the file
 * cannot be read, or its first line is empty. *loose (may be NULL) is set to 1 when the file
 * can be read or written by group or others, for the caller to warn about. */
int cfg_secret(const char *name, char **out, int *loose, struct err *e);

/* cfg_dbx_path: the Databricks config file: $DATABRICKS_CONFIG_FILE, else ~/.databrickscfg
 * ($HOME). 0 with *out (caller frees), -1 when neither is set. */
int cfg_dbx_path(char **out, struct err *e);

/* INI files as ~/.databrickscfg (Databricks SDKs' conventions): `[name]` sections, `key = value`
 * (or `key: value`) lines, full-line comments starting with ';' or '#', inline comments only
 * after whitespace (`token = abc # note`), values in "..." or `...` unquoted, keys before any
 * section in DEFAULT. Names and keys are case-sensitive. The DEFAULT section is not merged
 * into other profiles (each profile stands alone, as the Go SDK reads it). A repeated section
 * adds to the earlier one; a repeated key keeps its last value.
 *
 * cfg_ini_load: the keys of section `name` appended to *out. 1 when the section exists,
 * 0 when it does not, -2 when the file does not exist (e filled: a caller that only looked
 * for the default profile may ignore it), -1 on any other error ("FILE:LINE: what").
 * For Databricks: profile = $DATABRICKS_CONFIG_PROFILE, else `default_profile` of section
 * `__settings__`, else DEFAULT (missing DEFAULT is no error; a named missing profile is). */
int cfg_ini_load(const char *path, const char *name, struct cfg_pairs *out, struct err *e);
/* cfg_ini_sections: section names in file order, once each. *names (caller frees with
 * cfg_strv_free) is NULL-terminated; *n may be NULL. Returns as cfg_ini_load (1 for success). */
int cfg_ini_sections(const char *path, char ***names, size_t *n, struct err *e);
void cfg_strv_free(char **v);

/* cfg_kv_load: an integration config file (design.md section 4): lines `KEY=value` readable
 * by sh and by systemd's EnvironmentFile. KEY is [A-Za-z_][A-Za-z0-9_]*, no space around '=';
 * value: bare (no blanks, quotes, $ ` \ ; & | < > ( ), no leading ~), '...' (anything but
 * '), or "..." (no $ ` \ "); no expansion, nothing after the value but blanks. Blank lines and
 * lines starting with '#' are skipped. Pairs appended to *out; a repeated KEY keeps its last
 * value. 0, or -1 with XIT_CONFIG "FILE:LINE: KEY: what" (never the value). */
int cfg_kv_load(const char *path, struct cfg_pairs *out, struct err *e);

#endif
