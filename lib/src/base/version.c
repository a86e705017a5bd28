/* The library's version, and the size rule that keeps the options structs
 * binary compatible (rankpool/common.h, "ABI"). */
#include "base/base.h"

#include <string.h>

int rp_version(void) {
    return RP_VERSION;
}

const char *rp_version_string(void) {
    return RP__VERSION_STRING;
}

int rp__opts_take(void *dst, const void *defaults, size_t ours, const void *given, size_t min,
                  const char *what) {
    memcpy(dst, defaults, ours);
    if (given == NULL)
        return 0;
    size_t size;
    memcpy(&size, given, sizeof size);
    if (size < min || size > ours)
        return rp__err(RP_EINVAL,
                       "%s of %zu bytes: start from its INIT macro (this library takes %zu to %zu "
                       "bytes; more means a program built for a newer rankpool)",
                       what, size, min, ours);
    memcpy(dst, given, size);
    memcpy(dst, &ours, sizeof ours);
    return 0;
}
