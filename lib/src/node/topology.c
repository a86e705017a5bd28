/*
 * Topology and binding with hwloc: load, read and set the binding, describe
 * a cpuset, and the placement plan (a pure function, unit-tested on
 * synthetic topologies).  The only file that includes hwloc.h.
 */
#define _GNU_SOURCE /* CPU_ALLOC and sched_getaffinity */
#include "node/topology.h"

#include "base/base.h"

#include <hwloc.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

/* Deeper trees than this are folded (their extra levels compare equal). */
#define MAX_DEPTH 32

struct rp__topo {
    hwloc_topology_t t;
};

int rp__topo_load(const char *synthetic, rp__topo **out) {
    rp__topo *t = calloc(1, sizeof *t);
    if (t == NULL)
        return rp__err(RP_ENOMEM, "out of memory");
    if (hwloc_topology_init(&t->t) != 0) {
        free(t);
        return rp__err(RP_ENOMEM, "hwloc_topology_init failed");
    }
    int rc = 0;
    if (synthetic && hwloc_topology_set_synthetic(t->t, synthetic) != 0)
        rc = rp__err(RP_EINVAL, "bad synthetic topology '%s'", synthetic);
    else if (hwloc_topology_load(t->t) != 0)
        rc = rp__err(RP_ESTATE, "hwloc could not load the topology: %s", strerror(errno));
    if (rc != 0) {
        hwloc_topology_destroy(t->t);
        free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void rp__topo_free(rp__topo *t) {
    if (t == NULL)
        return;
    hwloc_topology_destroy(t->t);
    free(t);
}

/* A malloc'd list string of @p set. */
static int list_string(hwloc_const_bitmap_t set, char **out) {
    char *s = NULL;
    if (hwloc_bitmap_list_asprintf(&s, set) < 0 || s == NULL)
        return rp__err(RP_ENOMEM, "out of memory");
    *out = s;
    return 0;
}

/* Parse a list string into a new bitmap (NULL on error, rp_last_error set). */
static hwloc_bitmap_t parse_set(const char *s, int *rc) {
    hwloc_bitmap_t b = hwloc_bitmap_alloc();
    if (b == NULL) {
        *rc = rp__err(RP_ENOMEM, "out of memory");
        return NULL;
    }
    if (s == NULL || hwloc_bitmap_list_sscanf(b, s) != 0 || hwloc_bitmap_iszero(b)) {
        hwloc_bitmap_free(b);
        *rc = rp__err(RP_EINVAL, "'%s' is not a cpuset", s ? s : "(null)");
        return NULL;
    }
    *rc = 0;
    return b;
}

int rp__topo_get_binding(rp__topo *t, char **cpuset) {
    hwloc_bitmap_t b = hwloc_bitmap_alloc();
    if (b == NULL)
        return rp__err(RP_ENOMEM, "out of memory");
    int rc;
    if (hwloc_get_cpubind(t->t, b, HWLOC_CPUBIND_PROCESS) != 0)
        rc = rp__err(RP_ESTATE, "cannot read the binding: %s", strerror(errno));
    else
        rc = list_string(b, cpuset);
    hwloc_bitmap_free(b);
    return rc;
}

int rp__topo_bind(rp__topo *t, const char *cpuset) {
    int rc;
    hwloc_bitmap_t b = parse_set(cpuset, &rc);
    if (b == NULL)
        return rc;
    /* Every thread: MPI's own threads started before us must not stay outside. */
    if (hwloc_set_cpubind(t->t, b, HWLOC_CPUBIND_PROCESS) != 0)
        rc = rp__err(RP_ESTATE, "cannot bind to %s: %s", cpuset, strerror(errno));
    hwloc_bitmap_free(b);
    return rc;
}

static int count(hwloc_topology_t t, hwloc_obj_type_t type) {
    int n = hwloc_get_nbobjs_by_type(t, type);
    return n > 0 ? n : 0;
}

int rp__topo_summary(rp__topo *t, char **out) {
    int pk = count(t->t, HWLOC_OBJ_PACKAGE), nu = count(t->t, HWLOC_OBJ_NUMANODE);
    int co = count(t->t, HWLOC_OBJ_CORE), pu = count(t->t, HWLOC_OBJ_PU);
    char buf[160];
    snprintf(buf, sizeof buf, "%d package%s, %d NUMA node%s, %d core%s, %d PU%s", pk,
             pk == 1 ? "" : "s", nu, nu == 1 ? "" : "s", co, co == 1 ? "" : "s", pu,
             pu == 1 ? "" : "s");
    *out = strdup(buf);
    return *out ? 0 : rp__err(RP_ENOMEM, "out of memory");
}

/* The depth of a granularity's units; PUs if the topology has no core level. */
static int unit_depth(hwloc_topology_t t, int granularity) {
    if (granularity != RP_GRAIN_PU) {
        int d = hwloc_get_type_depth(t, HWLOC_OBJ_CORE);
        if (d >= 0)
            return d;
    }
    return hwloc_get_type_depth(t, HWLOC_OBJ_PU);
}

/* Logical indexes of the objects of @p type that intersect @p set, as a list string. */
static int touched(hwloc_topology_t t, hwloc_obj_type_t type, hwloc_const_bitmap_t set,
                   char **out) {
    hwloc_bitmap_t idx = hwloc_bitmap_alloc();
    if (idx == NULL)
        return rp__err(RP_ENOMEM, "out of memory");
    int n = count(t, type);
    for (int i = 0; i < n; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(t, type, (unsigned)i);
        if (o && o->cpuset && hwloc_bitmap_intersects(o->cpuset, set))
            hwloc_bitmap_set(idx, o->logical_index);
    }
    int rc = list_string(idx, out);
    hwloc_bitmap_free(idx);
    return rc;
}

int rp__topo_describe(rp__topo *t, const char *cpuset, int granularity, rp__where *w) {
    int rc;
    hwloc_bitmap_t set = parse_set(cpuset, &rc);
    if (set == NULL)
        return rc;
    *w = (rp__where){NULL, NULL, NULL, 0};
    int depth = unit_depth(t->t, granularity);
    int n = depth >= 0 ? hwloc_get_nbobjs_by_depth(t->t, (unsigned)depth) : 0;
    for (int i = 0; i < n; i++)
        if (hwloc_bitmap_intersects(
                hwloc_get_obj_by_depth(t->t, (unsigned)depth, (unsigned)i)->cpuset, set))
            w->units++;
    rc = touched(t->t, HWLOC_OBJ_CORE, set, &w->cores);
    if (rc == 0)
        rc = touched(t->t, HWLOC_OBJ_PACKAGE, set, &w->packages);
    if (rc == 0)
        rc = touched(t->t, HWLOC_OBJ_NUMANODE, set, &w->numa);
    hwloc_bitmap_free(set);
    if (rc != 0)
        rp__where_free(w);
    return rc;
}

void rp__where_free(rp__where *w) {
    free(w->cores);
    free(w->packages);
    free(w->numa);
    w->cores = w->packages = w->numa = NULL;
}

/* A unit of placement and its scatter key. */
typedef struct unit {
    hwloc_obj_t obj;
    int key[MAX_DEPTH];
    int nkey;
} unit;

/* Index of @p o among its siblings that intersect @p avail: siblings with
 * nothing usable do not count, so a restricted cpuset still spreads evenly. */
static int usable_sibling_index(hwloc_obj_t o, hwloc_const_bitmap_t avail) {
    int i = 0;
    for (hwloc_obj_t s = o->prev_sibling; s; s = s->prev_sibling)
        if (s->cpuset && hwloc_bitmap_intersects(s->cpuset, avail))
            i++;
    return i;
}

/* Scatter order: compare the index within the parent first, then the
 * parent's within its parent, and so on up to the packages.  Consecutive
 * units then differ at the highest level possible: packages first, then
 * NUMA nodes and caches, then cores, then PUs. */
static int cmp_scatter(const void *a, const void *b) {
    const unit *x = a, *y = b;
    int n = x->nkey < y->nkey ? x->nkey : y->nkey;
    for (int i = 0; i < n; i++)
        if (x->key[i] != y->key[i])
            return x->key[i] < y->key[i] ? -1 : 1;
    return (x->obj->logical_index > y->obj->logical_index) -
           (x->obj->logical_index < y->obj->logical_index);
}

/* The units of @p avail in the policy's order; *n may be 0. */
static int units_in_order(hwloc_topology_t t, hwloc_const_bitmap_t avail, int policy,
                          int granularity, unit **out, int *n) {
    int depth = unit_depth(t, granularity);
    int all = depth >= 0 ? hwloc_get_nbobjs_by_depth(t, (unsigned)depth) : 0;
    unit *u = calloc(all > 0 ? (size_t)all : 1, sizeof *u);
    if (u == NULL)
        return rp__err(RP_ENOMEM, "out of memory");
    int k = 0;
    for (int i = 0; i < all; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_depth(t, (unsigned)depth, (unsigned)i);
        if (!hwloc_bitmap_intersects(o->cpuset, avail))
            continue;
        u[k].obj = o;
        for (hwloc_obj_t p = o; p->parent && u[k].nkey < MAX_DEPTH; p = p->parent)
            u[k].key[u[k].nkey++] = usable_sibling_index(p, avail);
        k++;
    }
    if (policy == RP_PLACE_SCATTER)
        qsort(u, (size_t)k, sizeof *u, cmp_scatter);
    *out = u;
    *n = k;
    return 0;
}

int rp__place(rp__topo *t, const char *given, const rp__place_in *in, rp__plan *out) {
    if (in->size < 1 || in->rank < 0 || in->rank >= in->size)
        return rp__err(RP_EINVAL, "rank %d of %d", in->rank, in->size);
    int rc;
    hwloc_bitmap_t g = parse_set(given, &rc);
    if (g == NULL)
        return rc;
    *out = (rp__plan){NULL, 0, 0, 0, 0};
    hwloc_bitmap_t avail = hwloc_bitmap_alloc(), set = hwloc_bitmap_alloc();
    unit *u = NULL;
    int nu = 0;
    if (avail == NULL || set == NULL) {
        rc = rp__err(RP_ENOMEM, "out of memory");
        goto done;
    }
    /* Only PUs this process may use at all (cgroups): hwloc knows them. */
    hwloc_bitmap_and(avail, g, hwloc_topology_get_allowed_cpuset(t->t));
    hwloc_bitmap_copy(set, g);
    int mgr = in->manager > 0 ? in->manager : 0;
    out->workers = in->size - mgr;
    if ((in->policy == RP_PLACE_COMPACT || in->policy == RP_PLACE_SCATTER) &&
        !hwloc_bitmap_iszero(avail)) {
        rc = units_in_order(t->t, avail, in->policy, in->granularity, &u, &nu);
        if (rc != 0)
            goto done;
        out->units = nu;
        out->oversubscribed = out->workers > nu;
        /* The manager is mostly asleep and main() may run anything, and a
         * server waits for calls: they keep the whole cpuset.  A rank alone in its cpuset was
         * placed by whoever gave it that cpuset: it keeps it too. */
        int worker = in->rank - mgr;
        if (nu > 0 && in->size > 1 && worker >= 0) {
            hwloc_bitmap_and(set, u[worker % nu].obj->cpuset, avail);
            out->pinned = 1;
        }
    }
    rc = list_string(set, &out->cpuset);
done:
    free(u);
    hwloc_bitmap_free(set);
    hwloc_bitmap_free(avail);
    hwloc_bitmap_free(g);
    return rc;
}

int rp__placement_parse(const char *s, int *policy, int *granularity) {
    static const struct {
        const char *name;
        int value;
    } pols[] = {{"compact", RP_PLACE_COMPACT},
                {"scatter", RP_PLACE_SCATTER},
                {"none", RP_PLACE_NONE}},
      grains[] = {{"core", RP_GRAIN_CORE}, {"pu", RP_GRAIN_PU}, {"hwthread", RP_GRAIN_PU}};
    const char *colon = s ? strchr(s, ':') : NULL;
    size_t plen = s ? (colon ? (size_t)(colon - s) : strlen(s)) : 0;
    int p = -1, g = RP_GRAIN_DEFAULT;
    for (size_t i = 0; i < sizeof pols / sizeof pols[0]; i++)
        if (plen == strlen(pols[i].name) && strncasecmp(s, pols[i].name, plen) == 0)
            p = pols[i].value;
    if (p >= 0 && colon) {
        g = -1;
        for (size_t i = 0; i < sizeof grains / sizeof grains[0]; i++)
            if (strcasecmp(colon + 1, grains[i].name) == 0)
                g = grains[i].value;
    }
    if (p < 0 || g < 0)
        return rp__err(RP_EINVAL,
                       "RP_PLACEMENT='%s': expected compact, scatter or none, optionally "
                       "followed by :core or :pu",
                       s ? s : "(null)");
    *policy = p;
    *granularity = g;
    return 0;
}

int rp__placement_resolve(int opt_policy, int opt_granularity, const char *env,
                          const char *launcher, int *policy, int *granularity) {
    int ep = RP_PLACE_DEFAULT, eg = RP_GRAIN_DEFAULT;
    if (env && env[0] != '\0') {
        int rc = rp__placement_parse(env, &ep, &eg);
        if (rc != 0)
            return rc;
    }
    int p = opt_policy != RP_PLACE_DEFAULT ? opt_policy : ep;
    int g = opt_granularity != RP_GRAIN_DEFAULT ? opt_granularity : eg;
    *policy = p != RP_PLACE_DEFAULT ? p : RP_PLACE_SCATTER;
    *granularity = g != RP_GRAIN_DEFAULT ? g : RP_GRAIN_CORE;
    /* The user's explicit request to the launcher is the last word. */
    if (launcher && launcher[0] != '\0')
        *policy = RP_PLACE_MPIRUN;
    return 0;
}

const char *rp_placement_name(int policy) {
    static const char *const names[] = {[RP_PLACE_DEFAULT] = "default",
                                        [RP_PLACE_COMPACT] = "compact",
                                        [RP_PLACE_SCATTER] = "scatter",
                                        [RP_PLACE_NONE] = "none",
                                        [RP_PLACE_MPIRUN] = "mpirun"};
    return policy >= 0 && policy <= RP_PLACE_MPIRUN ? names[policy] : "unknown";
}

const char *rp_granularity_name(int granularity) {
    static const char *const names[] = {
        [RP_GRAIN_DEFAULT] = "default", [RP_GRAIN_CORE] = "core", [RP_GRAIN_PU] = "pu"};
    return granularity >= 0 && granularity <= RP_GRAIN_PU ? names[granularity] : "unknown";
}

int rp_cpu_count(void) {
#ifdef __linux__
    /* Grow the mask until the kernel's fits (machines with > 1024 CPUs). */
    for (int ncpu = 1024; ncpu <= (1 << 20); ncpu *= 2) {
        cpu_set_t *m = CPU_ALLOC((size_t)ncpu);
        if (m == NULL)
            break;
        size_t sz = CPU_ALLOC_SIZE((size_t)ncpu);
        int rc = sched_getaffinity(0, sz, m), n = rc == 0 ? CPU_COUNT_S(sz, m) : 0;
        CPU_FREE(m);
        if (rc == 0 && n > 0)
            return n;
        if (rc != 0 && errno != EINVAL)
            break;
    }
#else
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) == 0) {
        int n = 0;
        hwloc_bitmap_t b = hwloc_bitmap_alloc();
        if (b && hwloc_topology_load(t) == 0 && hwloc_get_cpubind(t, b, HWLOC_CPUBIND_THREAD) == 0)
            n = hwloc_bitmap_weight(b);
        hwloc_bitmap_free(b);
        hwloc_topology_destroy(t);
        if (n > 0)
            return n;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < (1L << 30) ? (int)n : 1;
}

void rp__hwloc_versions(char *built, size_t built_size, char *running, size_t running_size) {
    unsigned api = HWLOC_API_VERSION, now = hwloc_get_api_version();
#ifdef HWLOC_VERSION
    snprintf(built, built_size, "%s (API %u.%u.%u)", HWLOC_VERSION, api >> 16, (api >> 8) & 0xff,
             api & 0xff);
#else
    snprintf(built, built_size, "API %u.%u.%u", api >> 16, (api >> 8) & 0xff, api & 0xff);
#endif
    snprintf(running, running_size, "API %u.%u.%u", now >> 16, (now >> 8) & 0xff, now & 0xff);
}
