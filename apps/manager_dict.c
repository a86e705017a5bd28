/*
 * The seed's Manager example, in C:
 *
 *     def f(d, l):
 *         d[os.getpid()] = os.getpid()
 *         l.append(os.getpid())
 *     with Manager() as manager:
 *         d = manager.dict()
 *         l = manager.list(range(5))
 *         for i in range(10): Process(target=f, args=(d, l)).start()   # ... join
 *         print(d); print(l)
 *
 * Here ten pool tasks share a dict and a list held by rank 0; each records
 * which rank ran it.  The handles travel inside the tasks' arguments.
 *
 * Run: mpirun -np 4 build/apps/manager_dict
 */
#include <rankpool.h>

#include <stdio.h>

typedef struct args {
    rp_dict d;
    rp_list l;
} args;

static int f(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const args *a = arg;
    rp_runtime *rt = rp_task_runtime(ctx);
    char key[32];
    snprintf(key, sizeof key, "task %zu", rp_task_index(ctx));
    int rc = rp_dict_set(rt, a->d, rp_key_str(key), rp_int(rp_task_rank(ctx)));
    if (rc == 0)
        rc = rp_list_append(rt, a->l, rp_int((int64_t)rp_task_index(ctx)));
    return rc == 0 ? 0 : rp_fail(ctx, rc, "%s", rp_last_error());
}

static int print_value(const rp_value *v) {
    if (v->type == RP_T_INT)
        return printf("%lld", (long long)v->i);
    if (v->type == RP_T_DOUBLE)
        return printf("%g", v->d);
    return printf("'%s'", (const char *)v->data);
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc, (void)argv, (void)user;
    args a;
    rp_pool *pool = NULL;
    rp_items d = {0}, l = {0};
    int rc = rp_dict_open(rt, NULL, 0, &a.d); /* manager.dict() */
    if (rc == 0)
        rc = rp_list_open(rt, NULL, 0, &a.l);
    for (int i = 0; rc == 0 && i < 5; i++) /* manager.list(range(5)) */
        rc = rp_list_append(rt, a.l, rp_int(i));
    if (rc == 0)
        rc = rp_pool_create(rt, NULL, &pool);
    args in[10];
    for (int i = 0; i < 10; i++)
        in[i] = a;
    if (rc == 0)
        rc = rp_pool_map(pool, "f", in, 10, sizeof in[0], NULL, 0, NULL);
    if (rc == 0)
        rc = rp_dict_items(rt, a.d, RP_KEYS | RP_VALUES, &d);
    if (rc == 0)
        rc = rp_list_slice(rt, a.l, 0, RP_SLICE_END, &l);
    if (rc == 0) {
        printf("{");
        for (size_t i = 0; i < d.n; i++) {
            printf("%s'%.*s': rank ", i ? ", " : "", (int)d.keys[i].len,
                   (const char *)d.keys[i].data);
            print_value(&d.values[i]);
        }
        printf("}\n[");
        for (size_t i = 0; i < l.n; i++) {
            printf("%s", i ? ", " : "");
            print_value(&l.values[i]);
        }
        printf("]\n%zu entries, %zu list items: %s\n", d.n, l.n,
               d.n == 10 && l.n == 15 ? "OK" : "WRONG");
    } else {
        fprintf(stderr, "%s: %s\n", rp_err_name(rc), rp_last_error());
    }
    rp_items_free(&d);
    rp_items_free(&l);
    rp_pool_destroy(pool);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(f)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    return rp_main(&argc, &argv, &opt, body, NULL);
}
