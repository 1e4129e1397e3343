/* val_iso.h: the ISO 3166-1 alpha-2 country codes and ISO 4217 currency codes, read at start
 * from Debian's iso-codes package (iso_3166-1.json, iso_4217.json), never typed by hand.
 *
 * Ownership: val_iso_load allocates the table (two bitmaps, no pointers into the files);
 * val_iso_free releases it. Lookups are two shifts and a mask.
 */
#ifndef DBXI_VAL_ISO_H
#define DBXI_VAL_ISO_H
#include <stddef.h>
#include "err.h"

#define VAL_ISO_DIR_DEFAULT "/usr/share/iso-codes/json"

struct val_iso;
/* dir NULL: DBXI_ISO_CODES_DIR from the environment, else VAL_ISO_DIR_DEFAULT.
 * NULL with e filled (XIT_CONFIG naming the file and the package) when a file is missing or
 * is not iso-codes' JSON; XIT_TEMPFAIL on ENOMEM. */
struct val_iso *val_iso_load(const char *dir, struct err *e);
/* the same from the text of the two files (for tests); the texts may be freed afterwards */
struct val_iso *val_iso_parse(const char *c3166, size_t n3166, const char *c4217, size_t n4217,
			      struct err *e);
int val_iso_country(const struct val_iso *t, const char *s, size_t n); /* 1: a code */
int val_iso_currency(const struct val_iso *t, const char *s, size_t n); /* 1: a code */
size_t val_iso_ncountries(const struct val_iso *t);
size_t val_iso_ncurrencies(const struct val_iso *t);
void val_iso_free(struct val_iso *t);
#endif
