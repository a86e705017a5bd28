/*
 * The seed's Pipe example ("send and receive several times"), in C:
 *
 *     def f(conn):
 *         conn.send([66, None, 'hello,word'])   # to the parent
 *         conn.send("QQ")
 *         print(conn.recv())                    # from the parent
 *         conn.close()
 *     parent_conn, child_conn = Pipe()          # duplex
 *     p = Process(target=f, args=(child_conn,)); p.start()
 *     print(parent_conn.recv())
 *     print(parent_conn.recv())                 # twice
 *     parent_conn.send("微信")
 *     p.join()
 *
 * The child is a pool task on a worker, given its end of the pipe in its
 * argument; the parent is main on rank 0.  After the seed's exchange the
 * child also sends the numbers 1..5 before it closes its end, and the parent
 * reads until recv reports the end of the stream (Python's EOFError).
 *
 * Run: mpirun -np 3 build/apps/pipe
 */
#include <rankpool.h>

#include <stdio.h>
#include <string.h>

#define NUMBERS 5

static int f(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    rp_conn conn = *(const rp_conn *)arg;
    rp_runtime *rt = rp_task_runtime(ctx);
    rp_value got = rp_none();
    int rc = rp_conn_send(rt, conn, rp_str("[66, None, 'hello,word']"));
    if (rc == 0)
        rc = rp_conn_send(rt, conn, rp_str("QQ"));
    if (rc == 0 && (rc = rp_conn_recv(rt, conn, RP_FOREVER, &got)) == 0) {
        printf("child on rank %d got %s\n", rp_task_rank(ctx), (const char *)got.data);
        fflush(stdout);
        rc = rp_return(ctx, got.data, got.len + 1); /* what it got, to check */
    }
    rp_value_free(&got);
    for (int i = 1; rc == 0 && i <= NUMBERS; i++)
        rc = rp_conn_send(rt, conn, rp_int(i));
    int r = rp_conn_close(rt, conn);
    if (rc == 0)
        rc = r;
    return rc == 0 ? 0 : rp_fail(ctx, rc, "%s", rp_last_error());
}

/* parent_conn.recv() of a string, printed. */
static int recv_print(rp_runtime *rt, rp_conn c) {
    rp_value v;
    int rc = rp_conn_recv(rt, c, RP_FOREVER, &v);
    if (rc == 0 && v.type != RP_T_BYTES)
        rc = RP_ETYPE;
    if (rc == 0)
        printf("%s\n", (const char *)v.data);
    rp_value_free(&v);
    return rc;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc, (void)argv, (void)user;
    rp_conn parent_conn, child_conn;
    rp_pool *pool = NULL;
    rp_result *p = NULL;
    int n = 0, eof = 0, poll_eof = 0, send_eof = 0, got_ok = 0;
    int64_t sum = 0;
    int rc = rp_pipe_open(rt, NULL, 0, 1, &parent_conn, &child_conn); /* Pipe() */
    if (rc == 0)
        rc = rp_pool_create(rt, NULL, &pool);
    if (rc == 0)
        rc = rp_pool_apply_async(pool, "f", &child_conn, sizeof child_conn, NULL, &p);
    if (rc == 0)
        rc = recv_print(rt, parent_conn);
    if (rc == 0)
        rc = recv_print(rt, parent_conn);
    if (rc == 0)
        rc = rp_conn_send(rt, parent_conn, rp_str("微信"));
    const void *got = NULL;
    if (rc == 0 && (rc = rp_result_get(p, RP_FOREVER, &got, NULL)) == 0) /* p.join() */
        got_ok = strcmp(got, "微信") == 0;
    /* The child has closed its end; what it sent before is still there, in order. */
    rp_value v;
    while (rc == 0 && (rc = rp_conn_recv(rt, parent_conn, 1.0, &v)) == 0) {
        if (v.type == RP_T_INT && v.i == n + 1)
            sum += v.i;
        n++;
        rp_value_free(&v);
    }
    if (rc == RP_EEOF) { /* end of stream: recv, poll and send all say so */
        eof = 1;
        poll_eof = rp_conn_poll(rt, parent_conn, 0) == 1;
        send_eof = rp_conn_send(rt, parent_conn, rp_int(0)) == RP_EEOF;
        rc = rp_conn_close(rt, parent_conn);
    }
    if (rc == 0) {
        int ok = got_ok && n == NUMBERS && sum == NUMBERS * (NUMBERS + 1) / 2 && eof && poll_eof &&
                 send_eof;
        printf("end of stream seen by recv: %s, poll: %s, send: %s\n", eof ? "yes" : "no",
               poll_eof ? "yes" : "no", send_eof ? "yes" : "no");
        printf("child got %s, then %d numbers in order, sum %lld: %s\n",
               got_ok ? "the parent's message" : "something else", n, (long long)sum,
               ok ? "OK" : "WRONG");
    } else {
        fprintf(stderr, "%s: %s\n", rp_err_name(rc), rp_last_error());
    }
    rp_result_free(p);
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
