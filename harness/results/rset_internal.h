/* rset_internal: what rset.c (reading a folder) and rset_schema.c (checking its JSON for the
 * types every reader relies on) share. */
#ifndef PB_RSET_INTERNAL_H
#define PB_RSET_INTERNAL_H

#include <stdbool.h>

#include "results/json.h"
#include "results/rset.h"

/* the JSON types a field may have, as a bit set */
enum { T_STR = 1, T_NUM = 2, T_BOOL = 4, T_NULL = 8, T_ARR = 16, T_OBJ = 32 };

struct pb_rseti_field {
    const char *key;
    unsigned types;
    bool required;
};

struct pb_json *pb_rseti_file(const struct pb_rset *s, const char *name);
bool pb_rseti_name_ok(const char *v);
int pb_rseti_check_fields(const struct pb_rset *s, const char *file, const char *where,
                          const struct pb_json *o, const struct pb_rseti_field *f, size_t n);
/* The record (run.json, or a legacy folder's summary.json): the fields and types every reader
 * relies on. */
int pb_rseti_check_record(const struct pb_rset *s);
int pb_rseti_check_env(const struct pb_rset *s);

#endif
