/*
 * The seed's printing-lock example, in C:
 *
 *     def f(l, i):
 *         l.acquire()
 *         try:
 *             print("hello world", i)
 *         finally:
 *             l.release()
 *     lock = Lock()
 *     for num in range(10): Process(target=f, args=(lock, num)).start()
 *
 * "They share one screen": the lock makes each user's output one piece.
 * Ten pool tasks print their line on their worker's stdout while holding a
 * Lock held by the manager.  Lines from different ranks reach mpirun's
 * terminal by different pipes, so their order there proves nothing; to check
 * the lock, each user also writes its line to a shared "screen" (a shared
 * list) in three pieces, "hello ", "world ", "i\n", pausing between them.
 * With the lock every line on the screen comes out whole; without it, pieces
 * of different users may interleave (shown, not checked).
 *
 * Run: mpirun -np 4 build/apps/print_lock
 */
#include <rankpool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USERS 10

typedef struct args {
    rp_lock lock;
    rp_list screen;
    int locked;
} args;

static int f(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const args *a = arg;
    rp_runtime *rt = rp_task_runtime(ctx);
    int i = (int)rp_task_index(ctx), rc = 0;
    char last[16];
    snprintf(last, sizeof last, "%d\n", i);
    const char *piece[3] = {"hello ", "world ", last};
    if (a->locked && (rc = rp_lock_acquire(rt, a->lock, RP_FOREVER)) != 0)
        return rp_fail(ctx, rc, "%s", rp_last_error());
    if (a->locked) { /* the seed's print, on this worker's stdout */
        printf("hello world %d (rank %d)\n", i, rp_task_rank(ctx));
        fflush(stdout);
    }
    for (int k = 0; k < 3 && rc == 0; k++) {
        struct timespec ts = {0, 2000000L}; /* 2 ms: room for others to cut in */
        nanosleep(&ts, NULL);
        rc = rp_list_append(rt, a->screen, rp_str(piece[k]));
    }
    if (a->locked) {
        int r = rp_lock_release(rt, a->lock); /* finally: l.release() */
        if (rc == 0)
            rc = r;
    }
    return rc == 0 ? 0 : rp_fail(ctx, rc, "%s", rp_last_error());
}

/* Run the ten users, then read the screen back into @p text (malloc'd). */
static int run(rp_runtime *rt, rp_pool *pool, args a, char **text) {
    args in[USERS];
    rp_items s = {0};
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1; /* one user per task, side by side on the workers */
    for (int i = 0; i < USERS; i++)
        in[i] = a;
    int rc = rp_pool_map(pool, "f", in, USERS, sizeof in[0], NULL, 0, &co);
    if (rc == 0)
        rc = rp_list_slice(rt, a.screen, 0, RP_SLICE_END, &s);
    size_t len = 0;
    for (size_t k = 0; k < s.n; k++)
        len += s.values[k].len;
    if (rc == 0 && (*text = calloc(1, len + 1)) == NULL)
        rc = RP_ENOMEM;
    for (size_t k = 0, at = 0; rc == 0 && k < s.n; at += s.values[k++].len)
        memcpy(*text + at, s.values[k].data, s.values[k].len);
    rp_items_free(&s);
    return rc;
}

/* Lines of @p text that read exactly "hello world i", each i once. */
static int whole_lines(const char *text) {
    int seen[USERS] = {0}, whole = 0;
    for (const char *p = text; *p != '\0';) {
        const char *end = strchr(p, '\n');
        int i, n = -1;
        if (sscanf(p, "hello world %d%n", &i, &n) == 1 && p + n == end && i >= 0 && i < USERS &&
            !seen[i]++)
            whole++;
        p = end ? end + 1 : p + strlen(p);
    }
    return whole;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc, (void)argv, (void)user;
    args a = {{0}, {0}, 1};
    rp_pool *pool = NULL;
    char *with = NULL, *without = NULL;
    int rc = rp_lock_open(rt, NULL, 0, 0, &a.lock); /* Lock() */
    if (rc == 0)
        rc = rp_list_open(rt, NULL, 0, &a.screen);
    if (rc == 0)
        rc = rp_pool_create(rt, NULL, &pool);
    if (rc == 0)
        rc = run(rt, pool, a, &with);
    a.locked = 0;
    if (rc == 0 && (rc = rp_list_open(rt, NULL, 0, &a.screen)) == 0)
        rc = run(rt, pool, a, &without);
    if (rc == 0) {
        int w = whole_lines(with), wo = whole_lines(without);
        char *cut = strchr(without, '\n');
        printf("without the lock, %d of %d lines came out whole (first: \"%.*s\")\n", wo, USERS,
               cut ? (int)(cut - without) : 0, without);
        printf("with the lock, the shared screen:\n%s", with);
        printf("%d of %d lines whole, none interleaved: %s\n", w, USERS,
               w == USERS ? "OK" : "WRONG");
    } else {
        fprintf(stderr, "%s: %s\n", rp_err_name(rc), rp_last_error());
    }
    free(with);
    free(without);
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
