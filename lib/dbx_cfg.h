/* dbx_cfg.h: Databricks unified client configuration, as the official SDKs resolve it.
 *
 * Sources, highest first: flags (struct dbx_flags), the environment (DATABRICKS_HOST,
 * DATABRICKS_TOKEN, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET, DATABRICKS_AUTH_TYPE,
 * DATABRICKS_CONFIG_PROFILE, DATABRICKS_CONFIG_FILE, DATABRICKS_HTTP_PATH,
 * DATABRICKS_WAREHOUSE_ID; DATABRICKS_TOKEN_FILE, DATABRICKS_CLIENT_ID_FILE and
 * DATABRICKS_CLIENT_SECRET_FILE name files holding the secret instead), then one profile of the
 * INI config file (DATABRICKS_CONFIG_FILE, default ~/.databrickscfg; keys host, token,
 * client_id, client_secret, auth_type, warehouse_id, http_path). Each setting comes from the
 * highest source that has it. As in the SDKs, the file is not read at all when no profile is
 * named and the host or a credential came from flags or the environment; the profile is the
 * named one, else [__settings__] default_profile, else DEFAULT (a missing DEFAULT is no error,
 * a missing named profile is). Credentials of two kinds (token, client id/secret, Azure
 * Entra ID) without auth_type are refused: "more than one authorization method configured:
 * oauth and pat".
 *
 * Azure Entra ID service principals (auth type azure-client-secret, #11.3): ARM_TENANT_ID,
 * ARM_CLIENT_ID, ARM_CLIENT_SECRET (or ARM_CLIENT_SECRET_FILE), profile keys azure_tenant_id,
 * azure_client_id, azure_client_secret; all three are needed. The token comes from
 * DBXI_AZURE_LOGIN_URL (default https://login.microsoftonline.com; plain http only to
 * loopback, for the emulator) + /TENANT/oauth2/v2.0/token.
 *
 * Ownership: struct dbx_cfg owns every string in it (heap); dbx_cfg_free releases them and
 * wipes the secrets. struct dbx_flags only borrows. Nothing prints or exits; errors are
 * XIT_CONFIG (or XIT_USAGE for a bad flag value) in e, and never contain a secret.
 */
#ifndef DBXI_DBX_CFG_H
#define DBXI_DBX_CFG_H
#include "err.h"

enum dbx_auth_kind { DBX_AUTH_NONE = 0, DBX_AUTH_PAT, DBX_AUTH_OAUTH_M2M, DBX_AUTH_AZURE };
/* "personal access token", "OAuth M2M", "Azure Entra ID service principal, azure-client-secret" */
const char *dbx_auth_label(enum dbx_auth_kind k);
#define DBX_AZURE_LOGIN_DEFAULT "https://login.microsoftonline.com"

struct dbx_flags {
	const char *host, *http_path, *warehouse_id, *profile, *config_file;
};

struct dbx_cfg {
	char *host;         /* base URL: "https://HOST" (or http://loopback:PORT), no slash */
	char host_where[32];/* where the host came from: "DATABRICKS_HOST", "--host" or "host" */
	char *org_id;       /* from a "?o=ID" on the host, sent as X-Databricks-Org-Id, or NULL */
	char *warehouse_id; /* NULL when none was configured */
	char *token;        /* PAT */
	char *client_id, *client_secret; /* OAuth M2M, or the Entra ID application (azure) */
	char *tenant_id;    /* azure: the Entra ID tenant (ARM_TENANT_ID / azure_tenant_id) */
	char *login_url;    /* azure: the Entra ID login base URL (DBXI_AZURE_LOGIN_URL), no slash */
	enum dbx_auth_kind auth;
	char *profile;      /* the profile read, or NULL when the file was not used */
	char *config_file;  /* the file read, or NULL */
	char warn[1024];    /* warnings for the caller to print ("" when none): secret files
			     * that others can read (#10.12) */
};

/* need: DBX_NEED_WAREHOUSE to require a warehouse id. */
#define DBX_NEED_WAREHOUSE 1
int dbx_cfg_load(struct dbx_cfg *c, const struct dbx_flags *f, int need, struct err *e);
void dbx_cfg_free(struct dbx_cfg *c);

/* helpers, exposed for the unit tests */
/* dbx_host_normalize: "host", "https://host/", "https://host/?o=123" -> "https://host" and the
 * org id (or NULL). Heap strings. -1 on an empty or refused host (plain http not loopback). */
int dbx_host_normalize(const char *in, char **host, char **org_id, struct err *e);
/* dbx_warehouse_from_path: "/sql/1.0/warehouses/ID[?...]" or "/sql/1.0/endpoints/ID" -> ID */
int dbx_warehouse_from_path(const char *path, char **id, struct err *e);
#endif
