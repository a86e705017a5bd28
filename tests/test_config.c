/*
 * The version, the logger, the options from the environment and the
 * library's build facts (rankpool/common.h, log.h, config.h), and the size
 * rule of the options structs.  No MPI run: one plain process.
 */
#include "base/base.h"

#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- version ------------------------------------------------------------- */

static void test_version(void **state) {
    (void)state;
    assert_int_equal(rp_version(), RP_VERSION);
    assert_int_equal(RP_VERSION,
                     RP_VERSION_MAJOR * 10000 + RP_VERSION_MINOR * 100 + RP_VERSION_PATCH);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", RP_VERSION_MAJOR, RP_VERSION_MINOR, RP_VERSION_PATCH);
    assert_string_equal(rp_version_string(), want);
}

/* ---- the size rule ---------------------------------------------------------- */

/* A struct as a program built against an older header would have it, and the
 * library's newer one with a field added at the end. */
typedef struct {
    size_t size;
    int a;
    double b;
} old_opts;
typedef struct {
    size_t size;
    int a;
    double b;
    int64_t c;
} new_opts;

static void test_opts_take(void **state) {
    (void)state;
    const new_opts defaults = {sizeof(new_opts), 1, 2.0, 3};
    new_opts out;
    /* NULL: the defaults. */
    assert_int_equal(rp__opts_take(&out, &defaults, sizeof out, NULL, sizeof(old_opts), "x"), 0);
    assert_memory_equal(&out, &defaults, sizeof out);
    /* An older caller: its fields, the library's default for the new one. */
    old_opts old = {sizeof(old_opts), 10, 20.0};
    assert_int_equal(rp__opts_take(&out, &defaults, sizeof out, &old, sizeof(old_opts), "x"), 0);
    assert_int_equal(out.size, sizeof(new_opts));
    assert_int_equal(out.a, 10);
    assert_true(out.b == 20.0);
    assert_int_equal(out.c, 3);
    /* The current caller: everything its own. */
    new_opts cur = {sizeof(new_opts), 4, 5.0, 6};
    assert_int_equal(rp__opts_take(&out, &defaults, sizeof out, &cur, sizeof(old_opts), "x"), 0);
    assert_int_equal(out.c, 6);
    /* No size (not from the INIT macro), too small, or from a newer header. */
    size_t bad[] = {0, sizeof(old_opts) - 1, sizeof(new_opts) + 8};
    for (size_t i = 0; i < 3; i++) {
        struct {
            new_opts o;
            char more[8];
        } big = {{bad[i], 7, 8.0, 9}, {0}};
        assert_int_equal(
            rp__opts_take(&out, &defaults, sizeof out, &big, sizeof(old_opts), "new_opts"),
            RP_EINVAL);
        assert_non_null(strstr(rp_last_error(), "new_opts"));
        assert_memory_equal(&out, &defaults, sizeof out);
    }
}

/* The public structs: the INIT macros set the size; the smallest accepted
 * size is the 0.2.0 layout's end. */
static void test_options_sizes(void **state) {
    (void)state;
    rp_options o = RP_OPTIONS_INIT;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    rp_process_options pr = RP_PROCESS_OPTIONS_INIT;
    assert_int_equal(o.size, sizeof o);
    assert_int_equal(po.size, sizeof po);
    assert_int_equal(co.size, sizeof co);
    assert_int_equal(pr.size, sizeof pr);
    assert_true(RP__OPTIONS_MIN <= sizeof o && RP__POOL_OPTIONS_MIN <= sizeof po &&
                RP__CALL_OPTIONS_MIN <= sizeof co && RP__PROCESS_OPTIONS_MIN <= sizeof pr);
    /* The defaults the macro gives are the documented ones. */
    assert_int_equal(o.prefetch, 2);
    assert_int_equal(o.handle_signals, 1);
    assert_int_equal(o.log_level, RP_LOG_DEFAULT);
    assert_true(co.timeout == RP_FOREVER);
    assert_int_equal(pr.rank, -1);
    /* A struct without its size is refused where the library reads it. */
    char v[32];
    o.size = 0;
    assert_int_equal(rp_option_value(&o, 0, v, sizeof v, NULL), RP_EINVAL);
    assert_non_null(strstr(rp_last_error(), "rp_options"));
}

/* ---- the logger ------------------------------------------------------------- */

typedef struct {
    int n, level;
    char line[1200];
} captured;

static void capture(int level, const char *line, void *user) {
    captured *c = user;
    c->n++;
    c->level = level;
    snprintf(c->line, sizeof c->line, "%s", line);
}

static void test_log_levels(void **state) {
    (void)state;
    assert_int_equal(rp_log_set_level(RP_LOG_DEFAULT), RP_EINVAL);
    assert_int_equal(rp_log_set_level(RP_LOG_TRACE + 1), RP_EINVAL);
    assert_int_equal(rp_log_set_level(-3), RP_EINVAL);
    assert_int_equal(rp_log_set_level(RP_LOG_INFO), 0);
    assert_int_equal(rp_log_get_level(), RP_LOG_INFO);
    const char *names[] = {"default", "off", "error", "warn", "info", "debug", "trace"};
    for (int l = RP_LOG_DEFAULT; l <= RP_LOG_TRACE; l++) {
        assert_string_equal(rp_log_level_name(l), names[l]);
        int back = -1;
        if (l > RP_LOG_DEFAULT) {
            assert_int_equal(rp__log_level_parse(names[l], &back), 0);
            assert_int_equal(back, l);
        }
    }
    assert_string_equal(rp_log_level_name(99), "unknown");
    assert_string_equal(rp_log_level_name(-1), "unknown");
    int l = 0;
    assert_int_equal(rp__log_level_parse("WARNING", &l), 0);
    assert_int_equal(l, RP_LOG_WARN);
    assert_int_equal(rp__log_level_parse("loud", &l), RP_EINVAL);
    assert_int_equal(rp__log_level_parse(NULL, &l), RP_EINVAL);
}

static void test_log_handler(void **state) {
    (void)state;
    captured c = {0};
    assert_int_equal(rp_log_set_handler(capture, &c), 0);
    assert_int_equal(rp_log_set_level(RP_LOG_WARN), 0);
    rp__log(RP_LOG_INFO, "not at warn");
    assert_int_equal(c.n, 0);
    rp__log_set_rank(7);
    time_t before = time(NULL);
    rp__log(RP_LOG_WARN, "worker rank %d lost\n", 3);
    time_t after = time(NULL);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.level, RP_LOG_WARN);
    /* rankpool DATE TIME.us HOST rank R LEVEL: message, no newline. */
    regex_t re;
    assert_int_equal(
        regcomp(&re,
                "^rankpool [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} "
                "[^ ]+ rank 7 warn: worker rank 3 lost$",
                REG_EXTENDED | REG_NOSUB),
        0);
    assert_int_equal(regexec(&re, c.line, 0, NULL, 0), 0);
    regfree(&re);
    /* The date and time are UTC, as gmtime says (either side of the call). */
    char when[2][32];
    time_t t[2] = {before, after};
    for (int i = 0; i < 2; i++) {
        struct tm tm;
        gmtime_r(&t[i], &tm);
        strftime(when[i], sizeof when[i], "%Y-%m-%d %H:%M:%S", &tm);
    }
    assert_true(strncmp(c.line + 9, when[0], 19) == 0 || strncmp(c.line + 9, when[1], 19) == 0);
    char host[64] = "";
    gethostname(host, sizeof host);
    assert_non_null(strstr(c.line, host));
    /* Raised, lowered, off. */
    rp_log_set_level(RP_LOG_TRACE);
    rp__log(RP_LOG_TRACE, "trace %s", "on");
    assert_int_equal(c.n, 2);
    assert_non_null(strstr(c.line, " trace: trace on"));
    rp_log_set_level(RP_LOG_OFF);
    rp__log(RP_LOG_ERROR, "quiet");
    assert_int_equal(c.n, 2);
    /* A long message is cut, still one line. */
    rp_log_set_level(RP_LOG_WARN);
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rp__log(RP_LOG_ERROR, "%s", big);
    assert_int_equal(c.n, 3);
    assert_null(strchr(c.line, '\n'));
    rp__log_set_rank(-1);
    rp__log(RP_LOG_WARN, "before init");
    assert_non_null(strstr(c.line, " rank - warn: before init"));
    assert_int_equal(rp_log_set_handler(NULL, NULL), 0);
}

/* Without a handler a line goes to stderr, whole. */
static void test_log_stderr(void **state) {
    (void)state;
    char path[] = "/tmp/rp_test_logXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(2);
    dup2(fd, 2);
    rp_log_set_level(RP_LOG_WARN);
    rp__log(RP_LOG_WARN, "to stderr %d", 42);
    rp__log(RP_LOG_DEBUG, "not shown");
    dup2(saved, 2);
    close(saved);
    char buf[512] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, " warn: to stderr 42\n"));
    assert_null(strstr(buf, "not shown"));
    assert_int_equal(strchr(buf, '\n') - buf + 1, n); /* one line */
}

/* ---- options from the environment ----------------------------------------------- */

static int find_option(const char *name) {
    for (int i = 0; i < rp_option_count(); i++) {
        const char *n;
        assert_int_equal(rp_option_info(i, &n, NULL, NULL), 0);
        if (strcmp(n, name) == 0)
            return i;
    }
    fail_msg("no option %s", name);
    return -1;
}

/* Value and source of option @p name for @p opts in the environment now. */
static int value_of(const rp_options *opts, const char *name, char *v, size_t size, int *src) {
    return rp_option_value(opts, find_option(name), v, size, src);
}

static void test_option_table(void **state) {
    (void)state;
    int n = rp_option_count();
    assert_true(n >= 13);
    for (int i = 0; i < n; i++) {
        const char *name, *env, *help;
        assert_int_equal(rp_option_info(i, &name, &env, &help), 0);
        assert_true(strlen(help) > 10);
        /* RP_ and the name in capitals. */
        char want[64] = "RP_";
        for (size_t k = 0; name[k] && k < 60; k++)
            want[3 + k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
        assert_string_equal(env, want);
        assert_int_equal(rp_option_info(i, NULL, NULL, NULL), 0);
        /* Every option has a default value with no variable set. */
        unsetenv(env);
        char v[64];
        int src = -1;
        assert_int_equal(rp_option_value(NULL, i, v, sizeof v, &src), 0);
        assert_int_equal(src, RP_SOURCE_DEFAULT);
        assert_true(v[0] != '\0');
    }
    assert_int_equal(rp_option_info(-1, NULL, NULL, NULL), RP_ERANGE);
    assert_int_equal(rp_option_info(n, NULL, NULL, NULL), RP_ERANGE);
    char v[8];
    assert_int_equal(rp_option_value(NULL, n, v, sizeof v, NULL), RP_ERANGE);
    assert_int_equal(rp_option_value(NULL, 0, NULL, 8, NULL), RP_EINVAL);
    int src = -1;
    assert_int_equal(rp_option_value(NULL, 0, NULL, 0, &src), RP_ETRUNC);
    assert_int_equal(src, RP_SOURCE_DEFAULT);
}

static void test_option_sources(void **state) {
    (void)state;
    char v[64];
    int src;
    rp_options o = RP_OPTIONS_INIT;
    assert_int_equal(value_of(NULL, "prefetch", v, sizeof v, &src), 0);
    assert_string_equal(v, "2");
    assert_int_equal(src, RP_SOURCE_DEFAULT);
    setenv("RP_PREFETCH", "16", 1);
    assert_int_equal(value_of(NULL, "prefetch", v, sizeof v, &src), 0);
    assert_string_equal(v, "16");
    assert_int_equal(src, RP_SOURCE_ENV);
    /* The program's value wins over the environment. */
    o.prefetch = 8;
    assert_int_equal(value_of(&o, "prefetch", v, sizeof v, &src), 0);
    assert_string_equal(v, "8");
    assert_int_equal(src, RP_SOURCE_CODE);
    /* A bad value fails even where the program's value wins, naming the variable. */
    const char *bad[] = {"abc", "0", "1025", "4x", ""};
    for (int i = 0; i < 4; i++) {
        setenv("RP_PREFETCH", bad[i], 1);
        assert_int_equal(value_of(&o, "prefetch", v, sizeof v, &src), RP_EINVAL);
        assert_non_null(strstr(rp_last_error(), "RP_PREFETCH"));
        /* Any option's query reports it: rp_init would fail. */
        assert_int_equal(value_of(NULL, "lost_retries", v, sizeof v, &src), RP_EINVAL);
    }
    setenv("RP_PREFETCH", "", 1); /* empty: as unset */
    assert_int_equal(value_of(NULL, "prefetch", v, sizeof v, &src), 0);
    assert_int_equal(src, RP_SOURCE_DEFAULT);
    unsetenv("RP_PREFETCH");
    /* A code value out of range names the field. */
    o.prefetch = 0;
    assert_int_equal(value_of(&o, "prefetch", v, sizeof v, &src), RP_EINVAL);
    assert_non_null(strstr(rp_last_error(), "prefetch"));
    /* Truncation. */
    assert_int_equal(value_of(NULL, "shutdown_timeout", v, 2, &src), RP_ETRUNC);
    assert_string_equal(v, "1");
}

/* Each kind of value: what the environment may say and how it reads back. */
static void test_option_kinds(void **state) {
    (void)state;
    static const struct {
        const char *env, *name, *value, *shown;
    } good[] = {
        {"RP_OBJ_MEM_MAX", "obj_mem_max", "4G", "4G"},
        {"RP_OBJ_MEM_MAX", "obj_mem_max", "3000", "3000"},
        {"RP_OBJ_MEM_MAX", "obj_mem_max", "2KiB", "2K"},
        {"RP_OBJ_KEY_MAX", "obj_key_max", "1k", "1K"},
        {"RP_SHM_ARENA_SIZE", "shm_arena_size", "0", "0"},
        {"RP_SHM_ARENA_SIZE", "shm_arena_size", "1T", "1T"},
        {"RP_IDLE_SPIN", "idle_spin", "0.001", "0.001"},
        {"RP_SHUTDOWN_TIMEOUT", "shutdown_timeout", "-1", "-1"},
        {"RP_SHUTDOWN_TIMEOUT", "shutdown_timeout", "2.5e1", "25"},
        {"RP_HANDLE_SIGNALS", "handle_signals", "off", "0"},
        {"RP_HANDLE_SIGNALS", "handle_signals", "YES", "1"},
        {"RP_LOST_RETRIES", "lost_retries", "100", "100"},
        {"RP_SERVERS", "servers", "255", "255"},
        {"RP_SERVER_TASKS", "server_tasks", "no", "0"},
        {"RP_LOG_LEVEL", "log_level", "debug", "debug"},
        {"RP_PLACEMENT", "placement", "compact", "compact:core"},
        {"RP_PLACEMENT", "placement", "none:pu", "none:pu"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char v[64];
        int src = -1;
        setenv(good[i].env, good[i].value, 1);
        int rc = value_of(NULL, good[i].name, v, sizeof v, &src);
        if (rc != 0)
            fail_msg("%s=%s: %s", good[i].env, good[i].value, rp_last_error());
        assert_string_equal(v, good[i].shown);
        assert_int_equal(src, RP_SOURCE_ENV);
        unsetenv(good[i].env);
    }
    static const struct {
        const char *env, *value;
    } bad[] = {
        {"RP_OBJ_MEM_MAX", "-1"},
        {"RP_OBJ_MEM_MAX", "4Q"},
        {"RP_OBJ_MEM_MAX", "99999999T"},
        {"RP_OBJ_KEY_MAX", "2G"},
        {"RP_OBJ_KEY_MAX", "0"},
        {"RP_SHM_ARENA_SIZE", "2T"},
        {"RP_IDLE_SPIN", "-1"},
        {"RP_IDLE_SPIN", "fast"},
        {"RP_IDLE_SLEEP_MAX", "0"},
        {"RP_SHUTDOWN_TIMEOUT", "nan"},
        {"RP_SHUTDOWN_TIMEOUT", "inf"},
        {"RP_HANDLE_SIGNALS", "2"},
        {"RP_LOST_RETRIES", "101"},
        {"RP_SERVERS", "256"},
        {"RP_SERVERS", "-1"},
        {"RP_SERVER_TASKS", "2"},
        {"RP_LOST_RETRIES", "99999999999"},
        {"RP_LOG_LEVEL", "loud"},
        {"RP_PLACEMENT", "spread"},
        {"RP_PLACEMENT", "compact:socket"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char v[64];
        setenv(bad[i].env, bad[i].value, 1);
        assert_int_equal(rp_option_value(NULL, 0, v, sizeof v, NULL), RP_EINVAL);
        assert_non_null(strstr(rp_last_error(), bad[i].env));
        unsetenv(bad[i].env);
    }
    /* Placement: each part from the environment where the program left it. */
    rp_options o = RP_OPTIONS_INIT;
    o.granularity = RP_GRAIN_PU;
    setenv("RP_PLACEMENT", "compact:core", 1);
    char v[64];
    int src;
    assert_int_equal(value_of(&o, "placement", v, sizeof v, &src), 0);
    assert_string_equal(v, "compact:pu");
    assert_int_equal(src, RP_SOURCE_CODE);
    unsetenv("RP_PLACEMENT");
    /* The log level: the program's, else the process's. */
    o.log_level = RP_LOG_TRACE;
    assert_int_equal(value_of(&o, "log_level", v, sizeof v, &src), 0);
    assert_string_equal(v, "trace");
    assert_int_equal(src, RP_SOURCE_CODE);
    rp_log_set_level(RP_LOG_ERROR);
    assert_int_equal(value_of(NULL, "log_level", v, sizeof v, &src), 0);
    assert_string_equal(v, "error");
    assert_int_equal(src, RP_SOURCE_DEFAULT);
    o.log_level = 42;
    assert_int_equal(value_of(&o, "log_level", v, sizeof v, &src), RP_EINVAL);
}

/* ---- the library's build facts ------------------------------------------------- */

static void test_library_info(void **state) {
    (void)state;
    for (int k = RP_INFO_VERSION; k <= RP_INFO_THREAD_LEVEL; k++) {
        const char *s = rp_library_info(k);
        assert_non_null(s);
        assert_true(s[0] != '\0');
    }
    assert_non_null(strstr(rp_library_info(RP_INFO_VERSION), rp_version_string()));
    assert_non_null(strstr(rp_library_info(RP_INFO_VERSION), "(ABI "));
    const char *mpi = rp_library_info(RP_INFO_MPI_BUILT);
    assert_true(strncmp(mpi, "Open MPI ", 9) == 0 || strncmp(mpi, "MPICH ", 6) == 0);
    /* The MPI running is the one built with (the same library here). */
    const char *flavor = strncmp(mpi, "MPICH", 5) == 0 ? "MPICH" : "Open MPI";
    assert_non_null(strstr(rp_library_info(RP_INFO_MPI_RUNNING), flavor));
    assert_non_null(strstr(rp_library_info(RP_INFO_HWLOC_BUILT), "API "));
    assert_null(rp_library_info(-1));
    assert_null(rp_library_info(RP_INFO_THREAD_LEVEL + 1));
}

int main(void) {
    /* The tests set the variables they need; none may come from outside. */
    for (int i = 0; i < rp_option_count(); i++) {
        const char *env;
        rp_option_info(i, NULL, &env, NULL);
        unsetenv(env);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),       cmocka_unit_test(test_opts_take),
        cmocka_unit_test(test_options_sizes), cmocka_unit_test(test_log_levels),
        cmocka_unit_test(test_log_handler),   cmocka_unit_test(test_log_stderr),
        cmocka_unit_test(test_option_table),  cmocka_unit_test(test_option_sources),
        cmocka_unit_test(test_option_kinds),  cmocka_unit_test(test_library_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
