/*
 * The seed's RLock example, in C:
 *
 *     class Account:        # __init__: self._balance = balance; self.lock = RLock()
 *         def draw(self, draw_amount):
 *             self.lock.acquire()
 *             try:
 *                 if self._balance >= draw_amount:
 *                     print(name + "取钱成功！吐出钞票:" + str(draw_amount))   # paid out
 *                     time.sleep(0.001)
 *                     self._balance -= draw_amount
 *                     print("\t余额为: " + str(self._balance))                # balance
 *                 else:
 *                     print(name + "取钱失败！余额不足！")                    # refused
 *             finally:
 *                 self.lock.release()
 *     count = Account(1, 200)      # two threads: count.draw(100), count.draw(200)
 *
 * The balance lives in a shared dict and the RLock in the manager; the users
 * are pool tasks.  draw() reads, pauses and writes, so only the lock keeps
 * updates from being lost.  First the seed as written: of 100 and 200 from
 * 200, one is paid and one refused, whichever comes first.  Then eight
 * users each make five rounds of deposit(10) and draw_with_fee(5, 1), which
 * holds the lock while it calls draw() twice and, on failure, deposit(): the
 * nested acquires are why the lock is an RLock (a Lock refuses them).
 *
 * Run: mpirun -np 4 build/apps/bank_account
 */
#include <rankpool.h>

#include <stdio.h>
#include <time.h>

#define BAL rp_key_str("balance")
#define USERS 8
#define ROUNDS 5

typedef struct account {
    rp_lock lock; /* an RLock */
    rp_dict d;    /* "balance" */
    int64_t amount;
} account;

/* Release after a step done with the lock held; the step's error comes first. */
static int unlock(rp_runtime *rt, const account *a, int rc) {
    int r = rp_lock_release(rt, a->lock);
    return rc != 0 ? rc : r;
}

/* balance += amount unless it would go below 0: a read, a pause, a write,
 * so only the caller's lock keeps two changes from losing one. */
static int change(rp_runtime *rt, const account *a, int64_t amount, int *paid, int rank) {
    int64_t bal;
    int rc = rp_dict_get_int(rt, a->d, BAL, &bal);
    if (rc != 0 || bal + amount < 0) {
        *paid = 0;
        if (rc == 0 && rank >= 0)
            printf("rank %d: draw %lld refused, balance too low\n", rank, (long long)-amount);
        return rc;
    }
    struct timespec ts = {0, 1000000L}; /* time.sleep(0.001) */
    nanosleep(&ts, NULL);
    *paid = 1;
    if (rank >= 0)
        printf("rank %d: draw %lld paid out\n\tbalance %lld\n", rank, (long long)-amount,
               (long long)(bal + amount));
    return rp_dict_set(rt, a->d, BAL, rp_int(bal + amount));
}

static int deposit(rp_runtime *rt, const account *a, int64_t amount) {
    int paid, rc = rp_lock_acquire(rt, a->lock, RP_FOREVER);
    return rc != 0 ? rc : unlock(rt, a, change(rt, a, amount, &paid, -1));
}

/* rank >= 0: print, as the seed does. */
static int draw(rp_runtime *rt, const account *a, int64_t amount, int *paid, int rank) {
    int rc = rp_lock_acquire(rt, a->lock, RP_FOREVER);
    return rc != 0 ? rc : unlock(rt, a, change(rt, a, -amount, paid, rank));
}

static int draw_fee_locked(rp_runtime *rt, const account *a, int64_t amount, int64_t fee) {
    int paid, rc = draw(rt, a, amount, &paid, -1);
    if (rc == 0 && paid && (rc = draw(rt, a, fee, &paid, -1)) == 0 && !paid)
        rc = deposit(rt, a, amount); /* cannot pay the fee: give the money back */
    return rc;
}

/* Both draws, or neither, with no one else in between. */
static int draw_with_fee(rp_runtime *rt, const account *a, int64_t amount, int64_t fee) {
    int rc = rp_lock_acquire(rt, a->lock, RP_FOREVER);
    return rc != 0 ? rc : unlock(rt, a, draw_fee_locked(rt, a, amount, fee));
}

static int seed_draw(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const account *a = arg;
    int paid = 0, rc = draw(rp_task_runtime(ctx), a, a->amount, &paid, rp_task_rank(ctx));
    fflush(stdout);
    return rc != 0 ? rp_fail(ctx, rc, "%s", rp_last_error()) : rp_return(ctx, &paid, sizeof paid);
}

static int user(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    rp_runtime *rt = rp_task_runtime(ctx);
    int rc = 0;
    for (int r = 0; rc == 0 && r < ROUNDS; r++)
        if ((rc = deposit(rt, arg, 10)) == 0)
            rc = draw_with_fee(rt, arg, 5, 1);
    return rc == 0 ? 0 : rp_fail(ctx, rc, "%s", rp_last_error());
}

static int body(rp_runtime *rt, int argc, char **argv, void *unused) {
    (void)argc, (void)argv, (void)unused;
    account a = {{0}, {0}, 0}, in[USERS];
    rp_lock plain;
    rp_pool *pool = NULL;
    int paid[2] = {0, 0};
    int64_t bal1 = -1, bal2 = -1;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1; /* every user its own task, so they run side by side */
    int rc = rp_lock_open(rt, NULL, 0, 1, &a.lock); /* threading.RLock() */
    if (rc == 0)
        rc = rp_dict_open(rt, NULL, 0, &a.d);
    if (rc == 0)
        rc = rp_dict_set(rt, a.d, BAL, rp_int(200)); /* Account(1, 200) */
    if (rc == 0)
        rc = rp_pool_create(rt, NULL, &pool);
    in[0] = in[1] = a;
    in[0].amount = 100;
    in[1].amount = 200;
    if (rc == 0)
        rc = rp_pool_map(pool, "seed_draw", in, 2, sizeof in[0], paid, sizeof paid[0], &co);
    if (rc == 0)
        rc = rp_dict_get_int(rt, a.d, BAL, &bal1);
    if (rc == 0)
        printf("seed: %s, balance %lld: %s\n",
               paid[0] + paid[1] == 1 ? "one draw paid, one refused" : "WRONG number paid",
               (long long)bal1,
               paid[0] + paid[1] == 1 && bal1 == 200 - (paid[0] ? 100 : 200) ? "OK" : "WRONG");
    for (int i = 0; i < USERS; i++)
        in[i] = a;
    if (rc == 0)
        rc = rp_dict_set(rt, a.d, BAL, rp_int(200));
    if (rc == 0)
        rc = rp_pool_map(pool, "user", in, USERS, sizeof in[0], NULL, 0, &co);
    if (rc == 0)
        rc = rp_dict_get_int(rt, a.d, BAL, &bal2);
    if (rc == 0)
        printf("%d users x %d rounds of +10, -5, -1: balance %lld (expected %d): %s\n", USERS,
               ROUNDS, (long long)bal2, 200 + USERS * ROUNDS * 4,
               bal2 == 200 + USERS * ROUNDS * 4 ? "OK" : "WRONG");
    /* The same nesting with a plain Lock: the second acquire is refused, not a hang. */
    if (rc == 0 && (rc = rp_lock_open(rt, NULL, 0, 0, &plain)) == 0 &&
        (rc = rp_lock_acquire(rt, plain, RP_FOREVER)) == 0) {
        int again = rp_lock_acquire(rt, plain, RP_FOREVER);
        printf("a plain Lock taken twice by one thread: %s\n",
               again == RP_EDEADLK ? "refused as a deadlock (hence the RLock)" : "WRONG");
        rc = rp_lock_release(rt, plain);
    }
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", rp_err_name(rc), rp_last_error());
    rp_pool_destroy(pool);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(seed_draw), RP_TASK(user)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 2;
    return rp_main(&argc, &argv, &opt, body, NULL);
}
