/*
 * Unit tests without MPI: the placement plan on synthetic topologies (so the
 * expected cpusets do not depend on this machine), for each policy and
 * granularity, with restricted cpusets and more workers than cores; the
 * description of a cpuset; parsing RP_PLACEMENT and the precedence rules;
 * the names; rp_cpu_count.
 *
 * Synthetic PUs are numbered in logical order, so in "pack:2 core:8 pu:2"
 * core c holds PUs 2c and 2c+1, package 0 cores 0-7 (PUs 0-15).
 */
#define _GNU_SOURCE /* sched_getaffinity */
#include "node/node.h"
#include "node/topology.h"

#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum { C = RP_PLACE_COMPACT, S = RP_PLACE_SCATTER, N = RP_PLACE_NONE };
enum { CORE = RP_GRAIN_CORE, PU = RP_GRAIN_PU };

static rp__topo *load(const char *synthetic) {
    rp__topo *t = NULL;
    assert_int_equal(rp__topo_load(synthetic, &t), 0);
    return t;
}

/* The plan of rank @p rank of @p size sharing @p given; checks and frees it. */
static void expect(rp__topo *t, const char *given, int policy, int grain, int rank, int size,
                   int manager, const char *want) {
    rp__place_in in = {policy, grain, rank, size, manager};
    rp__plan p;
    assert_int_equal(rp__place(t, given, &in, &p), 0);
    if (strcmp(p.cpuset, want) != 0)
        fail_msg("%s %s:%s rank %d of %d%s given %s: got %s, want %s", "plan",
                 rp_placement_name(policy), rp_granularity_name(grain), rank, size,
                 manager ? " (with manager)" : "", given, p.cpuset, want);
    free(p.cpuset);
}

/* The whole group at once: want[i] is rank i's cpuset. */
static void expect_all(rp__topo *t, const char *given, int policy, int grain, int manager,
                       const char *const *want, int size) {
    for (int r = 0; r < size; r++)
        expect(t, given, policy, grain, r, size, manager, want[r]);
}

static rp__plan plan_of(rp__topo *t, const char *given, int policy, int grain, int rank, int size,
                        int manager) {
    rp__place_in in = {policy, grain, rank, size, manager};
    rp__plan p;
    assert_int_equal(rp__place(t, given, &in, &p), 0);
    return p;
}

/* A laptop: 1 package x 2 cores. */
static void test_two_cores(void **state) {
    (void)state;
    rp__topo *t = load("pack:1 core:2 pu:1");
    /* mpirun -np 3: rank 0 (manager) keeps both cores, a worker on each. */
    static const char *const np3[] = {"0-1", "0", "1"};
    expect_all(t, "0-1", C, CORE, 1, np3, 3);
    expect_all(t, "0-1", S, CORE, 1, np3, 3);
    expect_all(t, "0-1", S, PU, 1, np3, 3);
    rp__plan p = plan_of(t, "0-1", S, CORE, 1, 3, 1);
    assert_int_equal(p.pinned, 1);
    assert_int_equal(p.units, 2);
    assert_int_equal(p.workers, 2);
    assert_int_equal(p.oversubscribed, 0);
    free(p.cpuset);
    p = plan_of(t, "0-1", S, CORE, 0, 3, 1);
    assert_int_equal(p.pinned, 0);
    free(p.cpuset);

    /* mpirun -np 4: three workers on two cores, round-robin. */
    static const char *const np4[] = {"0-1", "0", "1", "0"};
    expect_all(t, "0-1", C, CORE, 1, np4, 4);
    p = plan_of(t, "0-1", C, CORE, 3, 4, 1);
    assert_int_equal(p.oversubscribed, 1);
    assert_int_equal(p.workers, 3);
    assert_int_equal(p.units, 2);
    free(p.cpuset);

    /* Ranks without the manager (another host of the job): each its own core. */
    static const char *const two[] = {"0", "1"};
    expect_all(t, "0-1", C, CORE, 0, two, 2);

    /* Alone in its cpuset (a singleton, or a launcher's binding): keeps it. */
    expect(t, "0-1", C, CORE, 0, 1, 0, "0-1");
    expect(t, "0-1", S, CORE, 0, 1, 1, "0-1");
    p = plan_of(t, "0-1", S, CORE, 0, 1, 0);
    assert_int_equal(p.pinned, 0);
    free(p.cpuset);

    /* none keeps the given cpuset, and so does mpirun's. */
    expect(t, "0-1", N, CORE, 1, 3, 1, "0-1");
    expect(t, "0-1", RP_PLACE_MPIRUN, CORE, 2, 3, 1, "0-1");

    /* Restricted to one core: two workers share it, never the other core. */
    static const char *const one[] = {"1", "1"};
    expect_all(t, "1", S, CORE, 0, one, 2);
    p = plan_of(t, "1", S, CORE, 1, 2, 0);
    assert_int_equal(p.oversubscribed, 1);
    free(p.cpuset);
    rp__topo_free(t);
}

/* A 2-socket node: 2 packages x 8 cores x 2 PUs. */
static void test_two_packages(void **state) {
    (void)state;
    rp__topo *t = load("pack:2 core:8 pu:2");
    const char *all = "0-31";

    /* compact fills cores in order; scatter alternates packages. */
    static const char *const compact_core[] = {"0-1", "2-3", "4-5", "6-7"};
    expect_all(t, all, C, CORE, 0, compact_core, 4);
    static const char *const scatter_core[] = {"0-1", "16-17", "2-3", "18-19"};
    expect_all(t, all, S, CORE, 0, scatter_core, 4);

    /* PU granularity: compact takes hardware threads of one core first;
     * scatter uses every core's first thread before any second one. */
    static const char *const compact_pu[] = {"0", "1", "2", "3"};
    expect_all(t, all, C, PU, 0, compact_pu, 4);
    static const char *const scatter_pu[] = {"0", "16", "2", "18"};
    expect_all(t, all, S, PU, 0, scatter_pu, 4);
    expect(t, all, S, PU, 15, 32, 0, "30");
    expect(t, all, S, PU, 16, 32, 0, "1");
    expect(t, all, S, PU, 31, 32, 0, "31");

    /* The manager does not take a core: 16 workers + manager fit. */
    expect(t, all, C, CORE, 0, 17, 1, all);
    expect(t, all, C, CORE, 1, 17, 1, "0-1");
    expect(t, all, C, CORE, 16, 17, 1, "30-31");
    expect(t, all, S, CORE, 16, 17, 1, "30-31");
    rp__plan p = plan_of(t, all, C, CORE, 16, 17, 1);
    assert_int_equal(p.oversubscribed, 0);
    assert_int_equal(p.units, 16);
    free(p.cpuset);

    /* A batch system's cpuset: cores 0-3 of package 0 and 8-9 of package 1.
     * Scatter still alternates packages while both have cores left. */
    const char *part = "0-7,16-19";
    static const char *const scatter_part[] = {"0-1", "16-17", "2-3", "18-19", "4-5", "6-7"};
    expect_all(t, part, S, CORE, 0, scatter_part, 6);
    static const char *const compact_part[] = {"0-1", "2-3", "4-5", "6-7", "16-17", "18-19"};
    expect_all(t, part, C, CORE, 0, compact_part, 6);

    /* One hardware thread of each of cores 0-2: a core unit is what is allowed of it. */
    static const char *const threads[] = {"0,2,4", "0", "2"};
    expect_all(t, "0,2,4", C, CORE, 1, threads, 3);

    /* 5 workers on 2 cores: round-robin, oversubscribed. */
    static const char *const over[] = {"0-1", "2-3", "0-1", "2-3", "0-1"};
    expect_all(t, "0-3", S, CORE, 0, over, 5);
    p = plan_of(t, "0-3", S, CORE, 4, 5, 0);
    assert_int_equal(p.oversubscribed, 1);
    free(p.cpuset);
    /* ... but at PU granularity the same 4 PUs hold 4 workers. */
    static const char *const over_pu[] = {"0", "2", "1", "3", "0"};
    expect_all(t, "0-3", S, PU, 0, over_pu, 5);
    p = plan_of(t, "0-3", S, PU, 3, 4, 0);
    assert_int_equal(p.oversubscribed, 0);
    free(p.cpuset);
    rp__topo_free(t);
}

/* 4 NUMA nodes: 2 packages x 2 NUMA nodes x 2 cores x 2 PUs.  Core c is in
 * NUMA node c / 2 and package c / 4 and holds PUs 2c, 2c+1. */
static void test_four_numa(void **state) {
    (void)state;
    rp__topo *t = load("pack:2 numa:2 core:2 pu:2");
    const char *all = "0-15";
    /* scatter: packages first (0, 1), then NUMA nodes (0, 2, 1, 3), then cores. */
    static const char *const scatter[] = {"0-1", "8-9", "4-5", "12-13", "2-3", "10-11"};
    expect_all(t, all, S, CORE, 0, scatter, 6);
    static const char *const compact[] = {"0-1", "2-3", "4-5", "6-7", "8-9", "10-11"};
    expect_all(t, all, C, CORE, 0, compact, 6);
    /* Only package 1: its two NUMA nodes alternate. */
    static const char *const pack1[] = {"8-15", "8-9", "12-13", "10-11", "14-15"};
    expect_all(t, "8-15", S, CORE, 1, pack1, 5);
    /* Scatter by PU: each NUMA node once, then each core, then second threads. */
    expect(t, all, S, PU, 3, 16, 0, "12");
    expect(t, all, S, PU, 7, 16, 0, "14");
    expect(t, all, S, PU, 8, 16, 0, "1");

    rp__where w;
    assert_int_equal(rp__topo_describe(t, "8-9", CORE, &w), 0);
    assert_string_equal(w.cores, "4");
    assert_string_equal(w.packages, "1");
    assert_string_equal(w.numa, "2");
    assert_int_equal(w.units, 1);
    rp__where_free(&w);
    assert_int_equal(rp__topo_describe(t, "3-9", PU, &w), 0);
    assert_string_equal(w.cores, "1-4");
    assert_string_equal(w.packages, "0-1");
    assert_string_equal(w.numa, "0-2");
    assert_int_equal(w.units, 7);
    rp__where_free(&w);
    assert_int_equal(rp__topo_describe(t, "nonsense", CORE, &w), RP_EINVAL);

    char *sum = NULL;
    assert_int_equal(rp__topo_summary(t, &sum), 0);
    assert_string_equal(sum, "2 packages, 4 NUMA nodes, 8 cores, 16 PUs");
    free(sum);
    rp__topo_free(t);

    t = load("pack:1 core:2 pu:1");
    assert_int_equal(rp__topo_summary(t, &sum), 0);
    assert_string_equal(sum, "1 package, 1 NUMA node, 2 cores, 2 PUs");
    free(sum);
    rp__topo_free(t);
}

static void test_bad_inputs(void **state) {
    (void)state;
    rp__topo *t = NULL;
    assert_int_equal(rp__topo_load("pack:banana", &t), RP_EINVAL);
    assert_null(t);
    t = load("pack:1 core:2 pu:1");
    rp__place_in in = {C, CORE, 0, 2, 0};
    rp__plan p;
    assert_int_equal(rp__place(t, "x", &in, &p), RP_EINVAL);
    assert_int_equal(rp__place(t, "", &in, &p), RP_EINVAL);
    in.rank = 2;
    assert_int_equal(rp__place(t, "0-1", &in, &p), RP_EINVAL);
    in.rank = 0;
    in.size = 0;
    assert_int_equal(rp__place(t, "0-1", &in, &p), RP_EINVAL);
    /* A cpuset outside the topology: nothing to place, kept as given. */
    expect(t, "8-9", C, CORE, 1, 2, 0, "8-9");
    rp__topo_free(t);
    rp__topo_free(NULL);
}

static void test_parse(void **state) {
    (void)state;
    int p = -1, g = -1;
    assert_int_equal(rp__placement_parse("compact", &p, &g), 0);
    assert_int_equal(p, C);
    assert_int_equal(g, RP_GRAIN_DEFAULT);
    assert_int_equal(rp__placement_parse("Scatter:PU", &p, &g), 0);
    assert_int_equal(p, S);
    assert_int_equal(g, PU);
    assert_int_equal(rp__placement_parse("none:core", &p, &g), 0);
    assert_int_equal(p, N);
    assert_int_equal(g, CORE);
    assert_int_equal(rp__placement_parse("scatter:hwthread", &p, &g), 0);
    assert_int_equal(g, PU);
    static const char *const bad[] = {
        "",    "bogus",    "compact:", "compact:socket", "compact:pu:x",
        ":pu", "compactx", "mpirun",   "default"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = g = -7;
        if (rp__placement_parse(bad[i], &p, &g) != RP_EINVAL)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(p, -7);
        assert_non_null(strstr(rp_last_error(), "RP_PLACEMENT"));
    }
    assert_int_equal(rp__placement_parse(NULL, &p, &g), RP_EINVAL);
}

static void test_resolve(void **state) {
    (void)state;
    int p, g;
    /* The default suits CPU-bound maps: scatter, a core per worker. */
    assert_int_equal(rp__placement_resolve(0, 0, NULL, NULL, &p, &g), 0);
    assert_int_equal(p, S);
    assert_int_equal(g, CORE);
    assert_int_equal(rp__placement_resolve(0, 0, "", "", &p, &g), 0);
    assert_int_equal(p, S);
    /* The environment overrides the defaults ... */
    assert_int_equal(rp__placement_resolve(0, 0, "compact:pu", NULL, &p, &g), 0);
    assert_int_equal(p, C);
    assert_int_equal(g, PU);
    /* ... an explicit option overrides the environment, field by field ... */
    assert_int_equal(rp__placement_resolve(S, 0, "compact:pu", NULL, &p, &g), 0);
    assert_int_equal(p, S);
    assert_int_equal(g, PU);
    assert_int_equal(rp__placement_resolve(N, CORE, "compact:pu", NULL, &p, &g), 0);
    assert_int_equal(p, N);
    assert_int_equal(g, CORE);
    /* ... but a bad variable is an error even then. */
    assert_int_equal(rp__placement_resolve(C, CORE, "compakt", NULL, &p, &g), RP_EINVAL);
    assert_int_equal(rp__placement_resolve(0, 0, "bogus", NULL, &p, &g), RP_EINVAL);
    /* mpirun asked to bind (any value, none too): its binding stays. */
    assert_int_equal(rp__placement_resolve(C, PU, "scatter", "core", &p, &g), 0);
    assert_int_equal(p, RP_PLACE_MPIRUN);
    assert_int_equal(rp__placement_resolve(0, 0, NULL, "none", &p, &g), 0);
    assert_int_equal(p, RP_PLACE_MPIRUN);
}

static void test_names(void **state) {
    (void)state;
    assert_string_equal(rp_placement_name(RP_PLACE_DEFAULT), "default");
    assert_string_equal(rp_placement_name(RP_PLACE_COMPACT), "compact");
    assert_string_equal(rp_placement_name(RP_PLACE_SCATTER), "scatter");
    assert_string_equal(rp_placement_name(RP_PLACE_NONE), "none");
    assert_string_equal(rp_placement_name(RP_PLACE_MPIRUN), "mpirun");
    assert_string_equal(rp_placement_name(99), "unknown");
    assert_string_equal(rp_placement_name(-1), "unknown");
    assert_string_equal(rp_granularity_name(RP_GRAIN_DEFAULT), "default");
    assert_string_equal(rp_granularity_name(RP_GRAIN_CORE), "core");
    assert_string_equal(rp_granularity_name(RP_GRAIN_PU), "pu");
    assert_string_equal(rp_granularity_name(3), "unknown");
}

static void test_cpu_count(void **state) {
    (void)state;
    cpu_set_t m;
    assert_int_equal(sched_getaffinity(0, sizeof m, &m), 0);
    int n = CPU_COUNT(&m);
    assert_int_equal(rp_cpu_count(), n);
    /* Affinity-aware: a thread bound to one CPU counts one. */
    int first = 0;
    while (!CPU_ISSET(first, &m))
        first++;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    assert_int_equal(rp_cpu_count(), 1);
    assert_int_equal(sched_setaffinity(0, sizeof m, &m), 0);
    assert_int_equal(rp_cpu_count(), n);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_cores), cmocka_unit_test(test_two_packages),
        cmocka_unit_test(test_four_numa), cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_parse),     cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_names),     cmocka_unit_test(test_cpu_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
