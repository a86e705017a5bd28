/* Error codes: names, messages, and the per-thread detail message. */
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[512];

/* Each code's name and message, at index -code (RP_OK at 0). */
typedef struct err_row {
    const char *name, *msg;
} err_row;

#define RP__ERR_ROW(name, value, msg) [-(value)] = {"RP_" #name, msg},
static const err_row rows[-RP_ERR_LAST] = {[0] = {"RP_OK", "success"}, RP_ERRNO_MAP(RP__ERR_ROW)};
#undef RP__ERR_ROW

/* The row of @p code, or NULL for a code that is not one. */
static const err_row *row_of(int code) {
    if (code > 0 || code <= RP_ERR_LAST || rows[-code].name == NULL)
        return NULL;
    return &rows[-code];
}

const char *rp_strerror(int code) {
    const err_row *r = row_of(code);
    return r != NULL ? r->msg : "unknown error";
}

const char *rp_err_name(int code) {
    const err_row *r = row_of(code);
    return r != NULL ? r->name : "RP_UNKNOWN";
}

const char *rp_last_error(void) {
    return last_error;
}

int rp__err(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

void rp__err_clear(void) {
    last_error[0] = '\0';
}
