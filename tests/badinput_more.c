/* Bad-input rows (tests/badinput.h): the version, logging and configuration
 * queries; waiting for many results, cancel, attempts, the progress line. */
#include "badinput.h"

#include <string.h>

#define RES (r->rt ? NULL : b->res)

/* ---- version, logging, configuration ------------------------------------------------ */

static int d_version(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    const char *s = rp_version_string();
    return rp_version() != RP_VERSION || s == NULL || strchr("0123456789", s[0]) == NULL;
}
/* A level outside the range is refused, and the level stays. */
static int d_log_set_level(bi *b, const bi_row *r) {
    (void)b;
    int before = rp_log_get_level();
    int rc = rp_log_set_level((int)r->i);
    return rp_log_get_level() != before ? BI_UNDEF : rc;
}
static int d_log_get_level(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    int l = rp_log_get_level();
    return l < RP_LOG_OFF || l > RP_LOG_TRACE;
}
static int d_log_level_name(bi *b, const bi_row *r) {
    (void)b;
    const char *s = rp_log_level_name((int)r->i);
    return s == NULL || strcmp(s, "unknown") != 0;
}
static int d_log_set_handler(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_log_set_handler(NULL, NULL); /* NULL: back to stderr, where it is */
}
static int d_option_count(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_option_count() < 1;
}
static int d_option_info(bi *b, const bi_row *r) {
    (void)b;
    const char *name = BI_POISON;
    int rc = rp_option_info((int)r->i, &name, NULL, NULL);
    return rc != 0 && name != BI_POISON ? BI_UNDEF : rc;
}
static int d_option_value(bi *b, const bi_row *r) {
    int source = -1;
    /* .n: the buffer's size; .null: no buffer; .i: the option. */
    return rp_option_value(NULL, (int)r->i, r->null ? NULL : b->buf, r->n, &source);
}
static int d_library_info(bi *b, const bi_row *r) {
    (void)b;
    return rp_library_info((int)r->i) != NULL;
}

/* ---- waiting for many, cancel, attempts, progress ---------------------------------- */

static int d_wait(bi *b, const bi_row *r) {
    rp_result *one[1] = {RES};
    /* .null: no array; .i: the condition. */
    return rp_wait(r->null ? NULL : one, 1, (int)r->i, r->t);
}
static int d_as_completed_create(bi *b, const bi_row *r) {
    rp_result *none[1] = {NULL};
    rp_as_completed *it = BI_POISON;
    (void)b;
    int rc = rp_as_completed_create(r->k ? none : NULL, r->k ? 1 : 0, BI_OUT(&it));
    if (rc == 0) {
        rp_as_completed_free(it);
        return 0;
    }
    return it != BI_POISON && it != NULL ? BI_UNDEF : rc;
}
static int d_as_completed_add(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_as_completed_add(NULL, NULL);
}
/* On an empty iterator (or none): its arguments are checked first. */
static int d_as_completed_next(bi *b, const bi_row *r) {
    (void)b;
    rp_as_completed *it = NULL;
    rp_result *got = BI_POISON;
    if (!r->rt && rp_as_completed_create(NULL, 0, &it) != 0)
        return BI_UNDEF;
    int rc = rp_as_completed_next(it, r->t, BI_OUT(&got));
    rp_as_completed_free(it);
    return rc;
}
static int d_as_completed_queries(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    rp_as_completed_free(NULL);
    return rp_as_completed_pending(NULL) != 0;
}
static int d_result_cancel(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_result_cancel(NULL);
}
static int d_result_attempts(bi *b, const bi_row *r) {
    return rp_result_attempts(RES, (size_t)r->i);
}
static int d_progress_format(bi *b, const bi_row *r) {
    rp_progress p = {.total = 10, .done = 3};
    /* .null: no buffer; .k: no counts; .n: the buffer's size. */
    return rp_progress_format(r->null ? NULL : b->buf, r->n, r->k ? NULL : &p);
}
static int d_task_attempt(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_task_attempt(NULL) != 0;
}

const bi_row bi_rows_more[] = {
    {"rp_version", d_version, "no arguments (the version)", .want = 0},
    {"rp_version_string", d_version, "no arguments (the version)", .want = 0},
    {"rp_log_set_level", d_log_set_level, "level 99", .want = RP_EINVAL, .i = 99},
    {"rp_log_set_level", d_log_set_level, "level -7", .want = RP_EINVAL, .i = -7},
    {"rp_log_get_level", d_log_get_level, "no arguments (a level in range)", .want = 0},
    {"rp_log_level_name", d_log_level_name, "level 42 (\"unknown\")", .want = 0, .i = 42},
    {"rp_log_level_name", d_log_level_name, "level INT_MIN (\"unknown\")", .want = 0, .i = INT_MIN},
    {"rp_log_set_handler", d_log_set_handler, "NULL handler (stderr again)", .want = 0},
    {"rp_option_count", d_option_count, "no arguments (some)", .want = 0},
    {"rp_option_info", d_option_info, "index -1", .want = RP_ERANGE, .i = -1},
    {"rp_option_info", d_option_info, "index INT_MAX", .want = RP_ERANGE, .i = INT_MAX},
    {"rp_option_value", d_option_value, "index -1", .want = RP_ERANGE, .i = -1, .n = 64},
    {"rp_option_value", d_option_value, "NULL buffer of 64 bytes", .want = RP_EINVAL, .null = 1,
     .n = 64},
    {"rp_option_value", d_option_value, "a buffer of 1 byte", .want = RP_ETRUNC, .n = 1},
    {"rp_library_info", d_library_info, "key 77 (NULL)", .want = 0, .i = 77},
    {"rp_library_info", d_library_info, "key -1 (NULL)", .want = 0, .i = -1},

    {"rp_wait", d_wait, "NULL array", .want = RP_EINVAL, .null = 1, .i = RP_ALL_COMPLETED},
    {"rp_wait", d_wait, "a NULL handle", .want = RP_EINVAL, .rt = 1, .i = RP_ALL_COMPLETED},
    {"rp_wait", d_wait, "condition 9", .want = RP_EINVAL, .i = 9, .only = BI_MAIN},
    {"rp_wait", d_wait, "timeout NaN", .want = RP_EINVAL, .i = RP_ALL_COMPLETED, .t = NAN,
     .only = BI_MAIN},
    {"rp_wait", d_wait, "timeout -2", .want = RP_EINVAL, .i = RP_FIRST_COMPLETED, .t = -2,
     .only = BI_MAIN},
    {"rp_as_completed_create", d_as_completed_create, "NULL iterator pointer", .want = RP_EINVAL,
     .null = 1},
    {"rp_as_completed_create", d_as_completed_create, "a NULL handle", .want = RP_EINVAL, .k = 1},
    {"rp_as_completed_add", d_as_completed_add, "NULL iterator and handle", .want = RP_EINVAL},
    {"rp_as_completed_next", d_as_completed_next, "NULL iterator", .want = RP_EINVAL, .rt = 1},
    {"rp_as_completed_next", d_as_completed_next, "NULL output", .want = RP_EINVAL, .null = 1},
    {"rp_as_completed_next", d_as_completed_next, "timeout NaN", .want = RP_EINVAL, .t = NAN},
    {"rp_as_completed_next", d_as_completed_next, "timeout -infinity", .want = RP_EINVAL,
     .t = -INFINITY},
    {"rp_as_completed_pending", d_as_completed_queries, "NULL iterator (0)", .want = 0},
    {"rp_as_completed_free", d_as_completed_queries, "NULL (a no-op)", .want = 0},
    {"rp_result_cancel", d_result_cancel, "NULL result", .want = RP_EINVAL},
    {"rp_result_attempts", d_result_attempts, "NULL result", .want = RP_EINVAL, .rt = 1},
    {"rp_result_attempts", d_result_attempts, "item 5 of 1", .want = RP_ERANGE, .i = 5,
     .only = BI_MAIN},
    {"rp_progress_format", d_progress_format, "NULL buffer", .want = RP_EINVAL, .null = 1, .n = 64},
    {"rp_progress_format", d_progress_format, "a buffer of 0 bytes", .want = RP_EINVAL},
    {"rp_progress_format", d_progress_format, "NULL counts", .want = RP_EINVAL, .k = 1, .n = 64},
    {"rp_task_attempt", d_task_attempt, "NULL context (0)", .want = 0},
    {.fn = NULL},
};
