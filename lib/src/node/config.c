/*
 * The options as a run takes them: the program's value, else the
 * environment's (RP_<NAME>), else the default; one table with each option's
 * variable, type and range (docs/config.md is its text).  And what the
 * library was built with (rp_library_info).
 */
#include "node/node.h"
#include "node/topology.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What a field holds and how its value is written. */
enum { T_INT, T_SIZE, T_SECONDS, T_BOOL, T_PLACEMENT, T_LOG };

typedef struct opt_row {
    const char *name, *env, *help;
    int type;
    size_t off; /* in rp_options */
    double min, max;
} opt_row;

/* The environment variable is the field's name in capitals. */
#define ROW(field, env, type, min, max, help)                                                      \
    { #field, env, help, type, offsetof(rp_options, field), min, max }

static const opt_row rows[] = {
    ROW(prefetch, "RP_PREFETCH", T_INT, 1, 1024,
        "chunks a worker may always hold (more while they are quick)"),
    ROW(idle_spin, "RP_IDLE_SPIN", T_SECONDS, 0, 1,
        "seconds an idle loop polls before it starts to sleep"),
    ROW(idle_sleep_max, "RP_IDLE_SLEEP_MAX", T_SECONDS, 1e-9, 1,
        "longest sleep of an idle loop, seconds"),
    ROW(idle_deep_sleep, "RP_IDLE_DEEP_SLEEP", T_SECONDS, 1e-9, 1,
        "longest sleep after 0.25 s idle, seconds"),
    ROW(obj_key_max, "RP_OBJ_KEY_MAX", T_SIZE, 1, 1073741824.0,
        "longest key or object name, bytes"),
    ROW(obj_value_max, "RP_OBJ_VALUE_MAX", T_SIZE, 1, 1073741824.0,
        "largest value of a shared object, bytes"),
    ROW(obj_mem_max, "RP_OBJ_MEM_MAX", T_SIZE, 1, 18446744073709551615.0,
        "memory of all shared objects, bytes"),
    ROW(placement, "RP_PLACEMENT", T_PLACEMENT, 0, 0,
        "where workers run: compact, scatter or none[:core|:pu]"),
    ROW(shm_arena_size, "RP_SHM_ARENA_SIZE", T_SIZE, 0, 1099511627776.0,
        "shared memory of Value and Array, bytes"),
    ROW(lost_retries, "RP_LOST_RETRIES", T_INT, 0, 100,
        "times an item is sent again after its worker was lost"),
    ROW(shutdown_timeout, "RP_SHUTDOWN_TIMEOUT", T_SECONDS, -HUGE_VAL, HUGE_VAL,
        "seconds rp_finalize waits for running tasks (negative: no limit)"),
    ROW(handle_signals, "RP_HANDLE_SIGNALS", T_BOOL, 0, 1,
        "catch SIGINT and SIGTERM to stop in order (1 or 0)"),
    ROW(log_level, "RP_LOG_LEVEL", T_LOG, 0, 0, "error, warn, info, debug, trace or off"),
    ROW(servers, "RP_SERVERS", T_INT, 0, 255, "ranks that serve the shared objects (0: rank 0)"),
    ROW(server_tasks, "RP_SERVER_TASKS", T_BOOL, 0, 1,
        "with servers, the workers' chunks go through them too (1 or 0)"),
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

static const rp_options defaults = RP_OPTIONS_INIT;

/* ---- values ---------------------------------------------------------------- */

/* A field as a double (for the range) and its width. */
static size_t width(int type) {
    return type == T_SIZE ? sizeof(size_t) : type == T_SECONDS ? sizeof(double) : sizeof(int);
}

static double as_number(const rp_options *o, const opt_row *r) {
    const char *p = (const char *)o + r->off;
    if (r->type == T_SIZE) {
        size_t v;
        memcpy(&v, p, sizeof v);
        return (double)v;
    }
    if (r->type == T_SECONDS) {
        double v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    int v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The program changed this field from its default. */
static int from_code(const rp_options *o, const opt_row *r) {
    if (r->type == T_PLACEMENT)
        return o->placement != defaults.placement || o->granularity != defaults.granularity;
    return memcmp((const char *)o + r->off, (const char *)&defaults + r->off, width(r->type)) != 0;
}

/* A size: digits, optionally K, M, G or T (powers of 1024), optionally "iB" or "B". */
static int parse_size(const char *s, size_t *out) {
    char *end;
    errno = 0;
    if (s[0] == '-' || s[0] == '+')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno != 0)
        return -1;
    static const char units[] = "KMGT";
    const char *u = *end ? strchr(units, *end == 'k' ? 'K' : *end) : NULL;
    if (*end != '\0') {
        if (u == NULL)
            return -1;
        end++;
        if (strcmp(end, "") != 0 && strcmp(end, "B") != 0 && strcmp(end, "iB") != 0)
            return -1;
        for (long k = 0; k <= u - units; k++) {
            if (v > (unsigned long long)SIZE_MAX / 1024)
                return -1;
            v *= 1024;
        }
    }
    if (v > (unsigned long long)SIZE_MAX)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_bool(const char *s, int *out) {
    static const char *const yes[] = {"1", "yes", "true", "on"}, *const no[] = {"0", "no", "false",
                                                                                "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

static const char *expected(const opt_row *r) {
    switch (r->type) {
    case T_INT:
        return "an integer";
    case T_SIZE:
        return "a size in bytes (digits, then K, M, G or T for KiB ... TiB)";
    case T_SECONDS:
        return "a number of seconds";
    case T_BOOL:
        return "1 or 0 (yes/no, true/false, on/off)";
    case T_LOG:
        return "error, warn, info, debug, trace or off";
    default:
        return "compact, scatter or none, optionally followed by :core or :pu";
    }
}

/* Parse @p s, the value of row @p r's variable, into @p o. */
static int parse_into(rp_options *o, const opt_row *r, const char *env, const char *s) {
    char *p = (char *)o + r->off, *end;
    int bad = 0;
    switch (r->type) {
    case T_INT: {
        errno = 0;
        long v = strtol(s, &end, 10);
        bad = end == s || *end != '\0' || errno != 0 || v < -2147483647L || v > 2147483647L;
        int i = (int)v;
        if (!bad)
            memcpy(p, &i, sizeof i);
        break;
    }
    case T_SIZE: {
        size_t v = 0;
        bad = parse_size(s, &v) != 0;
        if (!bad)
            memcpy(p, &v, sizeof v);
        break;
    }
    case T_SECONDS: {
        errno = 0;
        double v = strtod(s, &end);
        bad = end == s || *end != '\0' || errno != 0 || !isfinite(v);
        if (!bad)
            memcpy(p, &v, sizeof v);
        break;
    }
    case T_BOOL:
    case T_LOG: {
        int v = 0;
        bad = (r->type == T_BOOL ? parse_bool(s, &v) : rp__log_level_parse(s, &v)) != 0;
        if (!bad)
            memcpy(p, &v, sizeof v);
        break;
    }
    case T_PLACEMENT: {
        int pol, grain;
        bad = rp__placement_parse(s, &pol, &grain) != 0;
        if (!bad) {
            /* Each part only where the program left it to the default. */
            if (o->placement == RP_PLACE_DEFAULT)
                o->placement = pol;
            if (o->granularity == RP_GRAIN_DEFAULT)
                o->granularity = grain;
        }
        break;
    }
    }
    if (bad)
        return rp__err(RP_EINVAL, "%s='%s': expected %s", env, s, expected(r));
    return 0;
}

/* Row @p r's value in @p o is in range (the variable @p env named if it came from there). */
static int check_range(const rp_options *o, const opt_row *r, const char *env) {
    if (r->type == T_PLACEMENT) {
        if (o->placement < RP_PLACE_DEFAULT || o->placement > RP_PLACE_NONE)
            return rp__err(RP_EINVAL, "placement %d is not an rp_placement option value",
                           o->placement);
        if (o->granularity < RP_GRAIN_DEFAULT || o->granularity > RP_GRAIN_PU)
            return rp__err(RP_EINVAL, "granularity %d is not an rp_granularity", o->granularity);
        return 0;
    }
    if (r->type == T_LOG) {
        if (o->log_level < RP_LOG_DEFAULT || o->log_level > RP_LOG_TRACE)
            return rp__err(RP_EINVAL, "log_level %d is not an rp_log_level", o->log_level);
        return 0;
    }
    double v = as_number(o, r);
    if (v >= r->min && v <= r->max)
        return 0;
    if (env != NULL)
        return rp__err(RP_EINVAL, "%s='%s': out of range %g .. %g", env, getenv(env), r->min,
                       r->max);
    return rp__err(RP_EINVAL, "%s %g out of %g .. %g", r->name, v, r->min, r->max);
}

int rp__config_env(rp_options *o, unsigned char *sources) {
    int rc = 0;
    for (int i = 0; i < NROWS; i++) {
        const opt_row *r = &rows[i];
        const char *env = getenv(r->env);
        int code = from_code(o, r), from_env = 0, prc = 0;
        if (env != NULL && env[0] != '\0') {
            /* A bad value is an error even where the program's value wins. */
            rp_options scratch = *o;
            prc = parse_into(&scratch, r, r->env, env);
            if (prc == 0)
                prc = check_range(&scratch, r, r->env);
            if (prc == 0 && (!code || r->type == T_PLACEMENT)) {
                *o = scratch;
                from_env = !code;
            }
        }
        if (sources != NULL)
            sources[i] = code ? RP_SOURCE_CODE : from_env ? RP_SOURCE_ENV : RP_SOURCE_DEFAULT;
        if (prc == 0 && !from_env)
            prc = check_range(o, r, NULL);
        if (rc == 0)
            rc = prc;
    }
    return rc;
}

/* Row @p r's value in @p o as text. */
static void format(const rp_options *o, const opt_row *r, char *buf, size_t size) {
    switch (r->type) {
    case T_INT:
        snprintf(buf, size, "%.0f", as_number(o, r));
        break;
    case T_SIZE: {
        size_t v;
        memcpy(&v, (const char *)o + r->off, sizeof v);
        int k = 0;
        while (k < 4 && v != 0 && v % 1024 == 0) {
            v /= 1024;
            k++;
        }
        snprintf(buf, size, "%zu%s", v, k ? (const char *[]){"", "K", "M", "G", "T"}[k] : "");
        break;
    }
    case T_SECONDS:
        snprintf(buf, size, "%g", as_number(o, r));
        break;
    case T_BOOL: {
        int v;
        memcpy(&v, (const char *)o + r->off, sizeof v);
        snprintf(buf, size, "%d", v != 0);
        break;
    }
    case T_LOG:
        snprintf(buf, size, "%s",
                 rp_log_level_name(o->log_level ? o->log_level : rp_log_get_level()));
        break;
    case T_PLACEMENT:
        snprintf(buf, size, "%s:%s",
                 rp_placement_name(o->placement ? o->placement : RP_PLACE_SCATTER),
                 rp_granularity_name(o->granularity ? o->granularity : RP_GRAIN_CORE));
        break;
    }
}

void rp__config_log(const rp_options *o, const unsigned char *sources) {
    static const char *const from[] = {"default", "environment", "program"};
    if (!rp__log_on(RP_LOG_DEBUG))
        return;
    for (int i = 0; i < NROWS; i++) {
        char v[64];
        format(o, &rows[i], v, sizeof v);
        rp__log(RP_LOG_DEBUG, "option %s = %s (%s)", rows[i].name, v, from[sources[i]]);
    }
}

/* ---- the public queries ------------------------------------------------------ */

int rp_option_count(void) {
    return NROWS;
}

int rp_option_info(int index, const char **name, const char **env, const char **help) {
    if (index < 0 || index >= NROWS)
        return rp__err(RP_ERANGE, "no option %d (there are %d)", index, NROWS);
    if (name)
        *name = rows[index].name;
    if (env)
        *env = rows[index].env;
    if (help)
        *help = rows[index].help;
    return 0;
}

int rp_option_value(const rp_options *opts, int index, char *buf, size_t size, int *source) {
    if (index < 0 || index >= NROWS)
        return rp__err(RP_ERANGE, "no option %d (there are %d)", index, NROWS);
    if (buf == NULL && size > 0)
        return rp__err(RP_EINVAL, "NULL buffer of %zu bytes", size);
    rp_options o;
    int rc = rp__opts_take(&o, &defaults, sizeof o, opts, RP__OPTIONS_MIN, "rp_options");
    unsigned char src[NROWS];
    if (rc == 0)
        rc = rp__config_env(&o, src);
    if (rc != 0)
        return rc;
    char v[64];
    format(&o, &rows[index], v, sizeof v);
    if (source)
        *source = src[index];
    if (size > 0)
        snprintf(buf, size, "%s", v);
    if (strlen(v) >= size)
        return rp__err(RP_ETRUNC, "option %s: %zu bytes do not hold '%s'", rows[index].name, size,
                       v);
    return 0;
}

/* ---- what the library was built with ------------------------------------------ */

#ifndef RP__SOVERSION
#define RP__SOVERSION 0
#endif

#if defined(OMPI_MAJOR_VERSION)
#define RP__MPI_BUILT                                                                              \
    "Open MPI " RP__STR(OMPI_MAJOR_VERSION) "." RP__STR(OMPI_MINOR_VERSION) "." RP__STR(           \
        OMPI_RELEASE_VERSION)
#elif defined(MPICH_VERSION)
#define RP__MPI_BUILT "MPICH " MPICH_VERSION
#else
#define RP__MPI_BUILT "an MPI"
#endif

static struct {
    pthread_once_t once;
    char mpi_running[256], mpi_standard[16], hwloc_built[64], hwloc_running[64];
} info = {PTHREAD_ONCE_INIT, "", "", "", ""};

static void info_init(void) {
    char lib[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int len = 0, major = 0, minor = 0;
    /* Both may be called before MPI_Init and after MPI_Finalize. */
    if (MPI_Get_library_version(lib, &len) != MPI_SUCCESS)
        snprintf(lib, sizeof lib, "unknown");
    lib[strcspn(lib, "\n")] = '\0';
    snprintf(info.mpi_running, sizeof info.mpi_running, "%s", lib);
    if (MPI_Get_version(&major, &minor) == MPI_SUCCESS)
        snprintf(info.mpi_standard, sizeof info.mpi_standard, "%d.%d", major, minor);
    rp__hwloc_versions(info.hwloc_built, sizeof info.hwloc_built, info.hwloc_running,
                       sizeof info.hwloc_running);
}

const char *rp_library_info(int key) {
    switch (key) {
    case RP_INFO_VERSION:
        return RP__VERSION_STRING " (ABI " RP__STR(RP__SOVERSION) ")";
    case RP_INFO_MPI_BUILT:
        return RP__MPI_BUILT " (MPI " RP__STR(MPI_VERSION) "." RP__STR(MPI_SUBVERSION) ")";
    case RP_INFO_THREAD_LEVEL:
        return "MPI_THREAD_SERIALIZED";
    case RP_INFO_MPI_RUNNING:
    case RP_INFO_MPI_STANDARD:
    case RP_INFO_HWLOC_BUILT:
    case RP_INFO_HWLOC_RUNNING:
        pthread_once(&info.once, info_init);
        return key == RP_INFO_MPI_RUNNING    ? info.mpi_running
               : key == RP_INFO_MPI_STANDARD ? info.mpi_standard
               : key == RP_INFO_HWLOC_BUILT  ? info.hwloc_built
                                             : info.hwloc_running;
    default:
        rp__err(RP_EINVAL, "no library information %d", key);
        return NULL;
    }
}
