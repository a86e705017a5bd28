/* Error codes: names, messages, and the per-thread detail message. */
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[512];

const char *rp_strerror(int code) {
    switch (code) {
    case RP_OK:
        return "success";
#define RP__ERR_MSG(name, value, msg)                                                              \
    case RP_##name:                                                                                \
        return msg;
        RP_ERRNO_MAP(RP__ERR_MSG)
#undef RP__ERR_MSG
    default:
        return "unknown error";
    }
}

const char *rp_err_name(int code) {
    switch (code) {
    case RP_OK:
        return "RP_OK";
#define RP__ERR_NAME(name, value, msg)                                                             \
    case RP_##name:                                                                                \
        return "RP_" #name;
        RP_ERRNO_MAP(RP__ERR_NAME)
#undef RP__ERR_NAME
    default:
        return "RP_UNKNOWN";
    }
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
