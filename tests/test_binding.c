/*
 * Placement on the real machine, under mpiexec: after rp_init_comm each
 * rank's binding, read with hwloc_get_cpubind, is its plan; workers that
 * share a cpuset are on distinct cores unless they outnumber them; rank 0
 * sees every rank's record; rp_cpu_count and OMP_NUM_THREADS follow the
 * binding; RP_PLACEMENT, options and mpirun's binding variable take effect
 * with the documented precedence; bad values fail on every rank; and
 * rp_finalize restores the binding and the environment.
 *
 *   mpiexec -n N test_binding
 *
 * Every rank checks; the failure counts are combined at the end so all ranks
 * exit with the same verdict.
 */
#include <rankpool.h>

#include <hwloc.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAUNCHER_VAR "OMPI_MCA_hwloc_base_binding_policy"

static int failures, checks;
static int world_rank, world_size;
static hwloc_topology_t topo;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "rank %d: %s:%d: check failed: %s (last error: %s)\n", world_rank,     \
                    __FILE__, __LINE__, #cond, rp_last_error());                                   \
        }                                                                                          \
    } while (0)

static int add_one(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    int64_t v = *(const int64_t *)arg + 1;
    return rp_return(ctx, &v, sizeof v);
}

static const rp_task_def table[] = {RP_TASK(add_one)};

static rp_options options(void) {
    rp_options o = RP_OPTIONS_INIT;
    o.tasks = table;
    o.ntasks = 1;
    return o;
}

/* The process's binding now, as a list string (static buffer). */
static const char *binding_now(void) {
    static char s[4096];
    hwloc_bitmap_t b = hwloc_bitmap_alloc();
    s[0] = '\0';
    if (b && hwloc_get_cpubind(topo, b, HWLOC_CPUBIND_PROCESS) == 0)
        hwloc_bitmap_list_snprintf(s, sizeof s, b);
    hwloc_bitmap_free(b);
    return s;
}

static int weight(const char *list) {
    hwloc_bitmap_t b = hwloc_bitmap_alloc();
    int w = b && hwloc_bitmap_list_sscanf(b, list) == 0 ? hwloc_bitmap_weight(b) : -1;
    hwloc_bitmap_free(b);
    return w;
}

static int intersects(const char *a, const char *b) {
    hwloc_bitmap_t x = hwloc_bitmap_alloc(), y = hwloc_bitmap_alloc();
    hwloc_bitmap_list_sscanf(x, a);
    hwloc_bitmap_list_sscanf(y, b);
    int r = hwloc_bitmap_intersects(x, y);
    hwloc_bitmap_free(x);
    hwloc_bitmap_free(y);
    return r;
}

static int omp_is(int value) {
    const char *v = getenv("OMP_NUM_THREADS");
    char want[16];
    snprintf(want, sizeof want, "%d", value);
    return v != NULL && strcmp(v, want) == 0;
}

/* A map runs: placement did not break the runtime. */
static void use_pool(rp_runtime *rt) {
    if (!rp_is_manager(rt))
        return;
    rp_pool *pool = NULL;
    CHECK(rp_pool_create(rt, NULL, &pool) == 0);
    int64_t in[32], out[32];
    for (int i = 0; i < 32; i++)
        in[i] = i;
    CHECK(rp_pool_map(pool, "add_one", in, 32, 8, out, 8, NULL) == 0);
    for (int i = 0; i < 32; i++)
        CHECK(out[i] == i + 1);
    rp_pool_destroy(pool);
}

/* What rank 0 checks across the gathered records. */
static void check_all_records(rp_runtime *rt, int policy) {
    rp_placement_info a, b;
    for (int i = 0; i < world_size; i++) {
        CHECK(rp_placement_get(rt, i, &a) == 0);
        CHECK(a.rank == i);
        CHECK(a.policy == policy);
        CHECK(a.node_rank >= 0 && a.node_rank < a.node_size);
        CHECK(a.sharing >= 1 && a.sharing <= a.node_size);
        CHECK(strcmp(a.bound, a.cpuset) == 0);
        CHECK(a.host[0] != '\0' && a.topology[0] != '\0' && a.cores[0] != '\0');
        CHECK(weight(a.cpuset) >= 1 && weight(a.given) >= weight(a.cpuset));
        for (int j = 1; j < i; j++) {
            CHECK(rp_placement_get(rt, j, &b) == 0);
            int same = strcmp(a.host, b.host) == 0;
            if (same)
                CHECK(a.node_rank != b.node_rank && a.node_size == b.node_size);
            /* Every worker on its own core(s), unless there are too few;
             * server ranks, as rank 0, keep the given cpuset. */
            int k = rp_server_count(rt);
            if (i > k && j > k && same && strcmp(a.given, b.given) == 0 && a.sharing > 1 &&
                !a.oversubscribed && (policy == RP_PLACE_COMPACT || policy == RP_PLACE_SCATTER))
                CHECK(!intersects(a.cpuset, b.cpuset));
        }
    }
}

/* Init with @p o, check this rank's binding against its plan, finalize, and
 * check that the binding and OMP_NUM_THREADS are as before. */
static void run_case(const char *name, rp_options o, int policy, int granularity) {
    char before[4096];
    snprintf(before, sizeof before, "%s", binding_now());
    const char *omp0 = getenv("OMP_NUM_THREADS");
    char omp_before[32] = "";
    if (omp0)
        snprintf(omp_before, sizeof omp_before, "%s", omp0);

    rp_runtime *rt = NULL;
    int rc = rp_init_comm(&rt, MPI_COMM_WORLD, &o);
    CHECK(rc == 0);
    if (rc != 0) {
        fprintf(stderr, "rank %d: case %s: %s\n", world_rank, name, rp_last_error());
        return;
    }
    rp_placement_info me;
    CHECK(rp_placement_get(rt, world_rank, &me) == 0);
    CHECK(me.rank == world_rank);
    CHECK(me.policy == policy);
    CHECK(me.granularity == granularity);
    CHECK(strcmp(me.given, before) == 0);
    /* The point of it all: the binding is the plan. */
    const char *now = binding_now();
    if (strcmp(now, me.cpuset) != 0)
        fprintf(stderr, "rank %d: case %s: bound to %s, planned %s\n", world_rank, name, now,
                me.cpuset);
    CHECK(strcmp(now, me.cpuset) == 0);
    CHECK(strcmp(me.bound, me.cpuset) == 0);
    CHECK(rp_cpu_count() == weight(now));
    int service = world_rank <= rp_server_count(rt); /* rank 0, a server rank */
    int worker = !service && world_size > 1;
    int placed = policy == RP_PLACE_COMPACT || policy == RP_PLACE_SCATTER;
    if (!placed || service || me.sharing == 1)
        CHECK(strcmp(me.cpuset, me.given) == 0); /* kept */
    else
        CHECK(me.units == 1); /* one core (or PU) out of a shared cpuset */
    if (omp_before[0])
        CHECK(omp_is(atoi(omp_before)));
    else if (worker && policy != RP_PLACE_NONE)
        CHECK(omp_is(me.units));
    else
        CHECK(getenv("OMP_NUM_THREADS") == NULL);

    rp_placement_info other;
    if (world_rank == 0) {
        check_all_records(rt, policy);
    } else {
        CHECK(rp_placement_get(rt, 0, &other) == RP_ENOTMANAGER);
    }
    CHECK(rp_placement_get(rt, world_size, &other) == RP_ERANGE);
    CHECK(rp_placement_get(rt, -1, &other) == RP_ERANGE);
    CHECK(rp_placement_get(NULL, 0, &other) == RP_EINVAL);
    CHECK(rp_placement_get(rt, world_rank, NULL) == RP_EINVAL);
    use_pool(rt);
    CHECK(rp_finalize(rt) == 0);

    CHECK(strcmp(binding_now(), before) == 0);
    if (omp_before[0])
        CHECK(omp_is(atoi(omp_before)));
    else
        CHECK(getenv("OMP_NUM_THREADS") == NULL);
}

/* Init must fail with RP_EINVAL on every rank. */
static void run_failing(const char *name, rp_options o, int bad_here) {
    char before[4096];
    snprintf(before, sizeof before, "%s", binding_now());
    rp_runtime *rt = NULL;
    int rc = rp_init_comm(&rt, MPI_COMM_WORLD, &o);
    if (rc != RP_EINVAL)
        fprintf(stderr, "rank %d: case %s: got %s\n", world_rank, name, rp_err_name(rc));
    CHECK(rc == RP_EINVAL);
    if (rc == 0)
        rp_finalize(rt);
    if (bad_here)
        CHECK(strstr(rp_last_error(), "RP_PLACEMENT") != NULL ||
              strstr(rp_last_error(), "placement") != NULL ||
              strstr(rp_last_error(), "granularity") != NULL);
    CHECK(strcmp(binding_now(), before) == 0);
}

int main(int argc, char **argv) {
    (void)argc, (void)argv;
    int provided;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0) {
        fprintf(stderr, "rank %d: hwloc cannot load this machine's topology\n", world_rank);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    /* The cases set these themselves; a launcher's value comes back at the end. */
    char *launcher = getenv(LAUNCHER_VAR) ? strdup(getenv(LAUNCHER_VAR)) : NULL;
    unsetenv(LAUNCHER_VAR);
    unsetenv("RP_PLACEMENT");
    unsetenv("OMP_NUM_THREADS");

    rp_options o = options();
    run_case("default", o, RP_PLACE_SCATTER, RP_GRAIN_CORE);

    setenv("RP_PLACEMENT", "compact:pu", 1);
    run_case("env compact:pu", o, RP_PLACE_COMPACT, RP_GRAIN_PU);

    /* An explicit option wins over the variable, field by field. */
    setenv("RP_PLACEMENT", "none:pu", 1);
    o.placement = RP_PLACE_COMPACT;
    run_case("option compact, env none:pu", o, RP_PLACE_COMPACT, RP_GRAIN_PU);
    o.granularity = RP_GRAIN_CORE;
    run_case("option compact:core, env none:pu", o, RP_PLACE_COMPACT, RP_GRAIN_CORE);
    unsetenv("RP_PLACEMENT");

    o = options();
    o.placement = RP_PLACE_NONE;
    run_case("none", o, RP_PLACE_NONE, RP_GRAIN_CORE);

    /* The user's OMP_NUM_THREADS is left alone. */
    setenv("OMP_NUM_THREADS", "7", 1);
    o = options();
    run_case("user's OMP_NUM_THREADS", o, RP_PLACE_SCATTER, RP_GRAIN_CORE);
    unsetenv("OMP_NUM_THREADS");

    /* mpirun --bind-to X: its binding stays, whatever rankpool was asked. */
    setenv(LAUNCHER_VAR, "core", 1);
    o.placement = RP_PLACE_COMPACT;
    run_case("mpirun --bind-to", o, RP_PLACE_MPIRUN, RP_GRAIN_CORE);
    unsetenv(LAUNCHER_VAR);

    /* A bad RP_PLACEMENT on one rank fails init on all of them. */
    int last = world_size - 1;
    if (world_rank == last)
        setenv("RP_PLACEMENT", "compakt", 1);
    run_failing("bad RP_PLACEMENT on the last rank", options(), world_rank == last);
    unsetenv("RP_PLACEMENT");
    o = options();
    o.placement = 42;
    run_failing("bad placement option", o, 1);
    o = options();
    o.granularity = RP_PLACE_MPIRUN;
    run_failing("bad granularity option", o, 1);
    o = options();
    o.placement = RP_PLACE_MPIRUN; /* reported, not chosen */
    run_failing("mpirun as an option", o, 1);

    /* Still usable after all that. */
    run_case("default again", options(), RP_PLACE_SCATTER, RP_GRAIN_CORE);

    if (launcher)
        setenv(LAUNCHER_VAR, launcher, 1);
    free(launcher);
    hwloc_topology_destroy(topo);
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (world_rank == 0)
        printf("binding: %d checks on rank 0, %d failures on all ranks\n", checks, total);
    MPI_Finalize();
    return total == 0 ? 0 : 1;
}
