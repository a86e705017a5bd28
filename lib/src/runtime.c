/*
 * Runtime: init and finalize, the task table and the check that all ranks
 * agree on it, and the manager thread's start and stop.
 */
#include "client/client.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RP__MAX_NAME 63

static const rp_options default_options = RP_OPTIONS_INIT;

/* Check the task table and the options that depend on each other on this
 * rank (each field's own range: rp__config_env). */
static int check_options(const rp_options *o) {
    if (o->ntasks > 0 && o->tasks == NULL)
        return rp__err(RP_EINVAL, "ntasks is %zu but tasks is NULL", o->ntasks);
    if (!(o->idle_deep_sleep >= o->idle_sleep_max))
        return rp__err(RP_EINVAL, "need idle_sleep_max <= idle_deep_sleep");
    if (o->shm_arena_size != 0 && o->shm_arena_size < 4096)
        return rp__err(RP_EINVAL, "shm_arena_size %zu: need 0 or 4 KiB .. 1 TiB",
                       o->shm_arena_size);
    if (rp__timeout_check(o->shutdown_timeout, "shutdown_timeout") != 0)
        return RP_EINVAL;
    for (size_t i = 0; i < o->ntasks; i++) {
        const char *n = o->tasks[i].name;
        if (n == NULL || n[0] == '\0' || strlen(n) > RP__MAX_NAME || o->tasks[i].fn == NULL)
            return rp__err(RP_EINVAL, "task %zu: name must be 1..%d characters and fn set", i,
                           RP__MAX_NAME);
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->tasks[j].name, n) == 0)
                return rp__err(RP_EINVAL, "task name '%s' registered twice", n);
    }
    return 0;
}

/* FNV-1a over the names in order: equal tables give equal hashes. */
static uint64_t table_hash(const rp_options *o) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < o->ntasks; i++) {
        for (const char *c = o->tasks[i].name; *c; c++)
            h = (h ^ (uint8_t)*c) * 1099511628211ull;
        h = (h ^ 0xff) * 1099511628211ull; /* separator */
    }
    return h ^ o->ntasks;
}

/* Rank 0's state for the manager; a failure here is agreed on by all ranks. */
static int prepare_manager(rp_runtime *rt) {
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&rt->lock, NULL);
    pthread_mutex_init(&rt->prog, NULL);
    rp__subs_init(rt);
    pthread_cond_init(&rt->wake, &ca);
    pthread_cond_init(&rt->done, &ca);
    pthread_condattr_destroy(&ca);
    rt->nworkers = rt->size > 1 ? rt->size - 1 : 1;
    rt->workers = calloc((size_t)rt->nworkers, sizeof *rt->workers);
    rt->task_ns = calloc(rt->tasks.n ? rt->tasks.n : 1, sizeof *rt->task_ns);
    rt->store = rp__store_new(&rt->opt, 0);
    if (rt->workers == NULL || rt->task_ns == NULL || rt->store == NULL)
        return RP_ENOMEM;
    rt->obj_deadline = -1;
    rp__store_set_notify(rt->store, rp__objects_ready, rt);
    for (int i = 0; i < rt->nworkers; i++) {
        rt->workers[i].rank = rt->size > 1 ? i + 1 : 0;
        rt->workers[i].server = rt->size > 1 && i < rt->nservers;
        rt->workers[i].feeder = rt->size > 1 ? rp__feeder_of(i + 1, rt->feeds) : 0;
    }
    return 0;
}

static void release_manager(rp_runtime *rt) {
    pthread_mutex_destroy(&rt->lock);
    pthread_mutex_destroy(&rt->prog);
    pthread_cond_destroy(&rt->wake);
    pthread_cond_destroy(&rt->done);
    rp__dispatch_free(rt);
    rp__job_blocks_fini(rt);
    free(rt->workers);
    free(rt->task_ns);
    rp__store_free(rt->store);
}

/* After the agreement the workers are serving: if the manager thread cannot
 * start, this thread (still the only MPI user) sends them home. */
static int start_manager(rp_runtime *rt) {
    if (pthread_create(&rt->mgr, NULL, rp__manager_main, rt) == 0) {
        rt->mgr_started = 1;
        return 0;
    }
    uint8_t m[RP__HDR_SIZE];
    rp__hdr h = {.kind = RP__MSG_SHUTDOWN};
    rp__hdr_encode(m, &h);
    for (int r = 1; r < rt->size; r++)
        MPI_Send(m, RP__HDR_SIZE, MPI_BYTE, r, RP__MSG_SHUTDOWN, rt->comm);
    return rp__err(RP_ENOMEM, "could not start the manager thread");
}

int rp_init_comm(rp_runtime **out, MPI_Comm comm, const rp_options *opts) {
    if (out == NULL)
        return rp__err(RP_EINVAL, "NULL runtime pointer");
    *out = NULL; /* until it works */
    int flag = 0, fin = 0;
    MPI_Initialized(&flag);
    MPI_Finalized(&fin);
    if (!flag || fin)
        return rp__err(RP_ESTATE, "MPI is not running");
    /* Before MPI sees it: MPI's own check of a communicator ends the job
     * (MPI_Comm_dup of MPI_COMM_NULL aborts, the default error handler). */
    int inter = 0;
    if (comm == MPI_COMM_NULL)
        return rp__err(RP_EINVAL, "rp_init_comm: MPI_COMM_NULL is not a communicator");
    if (MPI_Comm_test_inter(comm, &inter) != MPI_SUCCESS || inter)
        return rp__err(RP_EINVAL, "rp_init_comm: an intercommunicator; rankpool needs an "
                                  "intracommunicator");
    rp_runtime *rt = calloc(1, sizeof *rt);
    if (rt == NULL)
        return rp__err(RP_ENOMEM, "out of memory");
    /* The program's options, then the environment's (every rank reads its own). */
    unsigned char sources[64];
    int local = rp__opts_take(&rt->opt, &default_options, sizeof rt->opt, opts, RP__OPTIONS_MIN,
                              "rp_options");
    if (local == 0)
        local = rp__config_env(&rt->opt, sources);
    if (MPI_Comm_dup(comm, &rt->comm) != MPI_SUCCESS) {
        free(rt);
        return rp__err(RP_EMPI, "MPI_Comm_dup failed");
    }
    MPI_Comm_set_errhandler(rt->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(rt->comm, &rt->rank);
    MPI_Comm_size(rt->comm, &rt->size);
    rt->tasks.defs = rt->opt.tasks;
    rt->tasks.n = rt->opt.ntasks;
    rt->tasks.rt = rt;
    rt->env = (rp__wenv){.comm = rt->comm,
                         .rank = rt->rank,
                         .opt = &rt->opt,
                         .tasks = &rt->tasks,
                         .lease = &rt->lease};

    /* Servers (docs/scale.md): at least one worker stays. */
    rt->nservers = rt->opt.servers < rt->size - 1 ? rt->opt.servers : rt->size - 2;
    if (rt->nservers < 0)
        rt->nservers = 0;
    rt->feeds = rt->opt.server_tasks ? rt->nservers : 0;
    rt->servers.n = rt->nservers;
    rt->env.servers = &rt->servers;
    rt->env.feeder = rp__feeder_of(rt->rank, rt->feeds);

    rp__log_set_rank(rt->rank);
    if (local == 0 && rt->opt.log_level != RP_LOG_DEFAULT)
        rp_log_set_level(rt->opt.log_level);
    /* Local checks first; then all ranks agree on the outcome and the table. */
    if (local == 0)
        local = check_options(&rt->opt);
    if (local == 0 && rt->rank == 0 && rt->size > 1) {
        int provided = MPI_THREAD_SINGLE;
        MPI_Query_thread(&provided);
        if (provided < MPI_THREAD_SERIALIZED)
            local = rp__err(RP_ETHREAD,
                            "rank 0 needs MPI_THREAD_SERIALIZED or better (MPI_Init_thread)");
    }
    int prepared = 0;
    if (local == 0 && rt->rank == 0) {
        local = prepare_manager(rt);
        prepared = 1;
    }
    /* Placement is collective: every rank takes part, even after a local error. */
    int placed = rp__placement_init(&rt->place, rt->comm, rt->rank, rt->size,
                                    rt->rank <= rt->nservers, &rt->opt, local == 0);
    if (local == 0)
        local = placed;
    /* So is the shared memory of Value and Array, before the manager thread
     * starts: until then this thread is rank 0's only MPI caller. */
    int shm = rp__shm_init(&rt->shm, rt->comm, rt->rank, rt->opt.shm_arena_size, local == 0);
    if (local == 0 && shm == 0 && rt->store != NULL && rt->shm.base != NULL &&
        rp__store_set_arena(rt->store, rt->shm.base, rt->shm.size) != 0)
        shm = rp__err(RP_ENOMEM, "out of memory for the arena's free list");
    if (local == 0)
        local = shm;
    /* And the workers' leases (how rank 0 notices one is lost). */
    int lease = rp__lease_init(&rt->lease, rt->comm, rt->rank, rt->size, local == 0);
    if (local == 0)
        local = lease;
    uint64_t h = local == 0 ? table_hash(&rt->opt) : 0;
    uint64_t k = (uint64_t)rt->opt.servers << 1 | (rt->opt.server_tasks != 0);
    uint64_t v[5] = {h, ~h, (uint64_t)(-local), k, ~k}, all[5];
    int rc = local;
    if (MPI_Allreduce(v, all, 5, MPI_UINT64_T, MPI_MAX, rt->comm) != MPI_SUCCESS)
        rc = rp__err(RP_EMPI, "MPI_Allreduce in init failed");
    else if (rc == 0 && all[2] != 0)
        rc = rp__err(-(int)all[2], "another rank failed to initialize (%s)",
                     rp_err_name(-(int)all[2]));
    else if (rc == 0 && all[0] != ~all[1])
        rc = rp__err(RP_EMISMATCH, "ranks registered different task tables (%zu tasks here)",
                     rt->opt.ntasks);
    else if (rc == 0 && all[3] != ~all[4])
        rc = rp__err(RP_EMISMATCH,
                     "ranks asked for different servers or server_tasks (%d and %d here)",
                     rt->opt.servers, rt->opt.server_tasks);
    if (rc == 0)
        rp__placement_start(&rt->place); /* warnings and the OMP hint, once init succeeds */
    if (rc == 0 && rt->rank == 0)
        rc = start_manager(rt);
    if (rc == 0) {
        rp__lease_hooks hooks = {rp__worker_leased, rp__worker_lost, rp__worker_given_up, rt};
        rp__lease_start(&rt->lease, &hooks);
    }
    if (rc != 0) {
        rp__lease_fini(&rt->lease);
        rp__placement_fini(&rt->place);
        if (prepared)
            release_manager(rt);
        rp__shm_fini(&rt->shm);
        MPI_Comm_free(&rt->comm);
        free(rt);
        return rc;
    }
    pthread_mutex_init(&rt->client_lock, NULL);
    if (rt->opt.handle_signals)
        rp__signals_install(rt->rank != 0);
    if (rt->rank == 0)
        rp__log(RP_LOG_INFO, "rankpool %s up: %d rank(s), %d server(s), %d worker(s), %zu task(s)",
                rp_version_string(), rt->size, rt->nservers, rp_worker_count(rt), rt->tasks.n);
    if (rt->rank == 0 && rt->nservers < rt->opt.servers)
        rp__log(RP_LOG_INFO, "servers = %d asked, %d used: a job of %d rank(s) keeps a worker",
                rt->opt.servers, rt->nservers, rt->size);
    rp__config_log(&rt->opt, sources);
    *out = rt;
    rp__err_clear();
    return 0;
}

int rp_init(rp_runtime **out, int *argc, char ***argv, const rp_options *opts) {
    if (out == NULL)
        return rp__err(RP_EINVAL, "NULL runtime pointer");
    *out = NULL;
    int flag = 0, fin = 0, own = 0;
    MPI_Initialized(&flag);
    MPI_Finalized(&fin);
    if (fin)
        return rp__err(RP_ESTATE, "MPI was already finalized");
    if (!flag) {
        /* Oversubscribed, Open MPI yields the core (sched_yield) in every
         * poll that finds nothing.  rankpool's loops have a backoff of their
         * own (spin, then yield now and then, then sleep; docs/design.md,
         * "Idle cost"), and a yield in every poll makes a caller that waits
         * for an answer lose its core just before the answer comes.  A
         * value the user set stays. */
        setenv("OMPI_MCA_mpi_yield_when_idle", "0", 0);
        int provided;
        if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
            return rp__err(RP_EMPI, "MPI_Init_thread failed");
        own = 1;
    }
    int rc = rp_init_comm(out, MPI_COMM_WORLD, opts);
    if (rc != 0) {
        if (own)
            MPI_Finalize();
        return rc;
    }
    (*out)->own_mpi = own;
    return 0;
}

int rp_serve(rp_runtime *rt) {
    if (rt == NULL)
        return rp__err(RP_EINVAL, "NULL runtime");
    if (rt->rank == 0)
        return 0;
    if (rt->served)
        return rp__err(RP_ESTATE, "rp_serve called twice");
    rt->served = 1;
    if (rt->rank <= rt->nservers)
        return rp__server_serve(rt);
    int rc = rp__worker_serve(&rt->env);
    rt->peers_lost |= rt->env.peers_lost;
    return rc;
}

/*
 * At rank 0's exit after a loss under --enable-recovery: once every process
 * has exited, Open MPI 4.1 ends a job that lost a rank on its own host, but
 * its launcher and daemons wait forever when the lost rank was on another
 * host (docs/recovery.md).  The survivors are done by now: ask the launcher
 * that started this process to end the job.
 */
static void end_launcher(void) {
    static const char *const launchers[] = {"mpirun", "mpiexec", "orterun",
                                            "orted",  "prterun", "prted"};
    pid_t ppid = getppid();
    char path[64], comm[32] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", (int)ppid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    if (fgets(comm, sizeof comm, f) == NULL)
        comm[0] = '\0';
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    for (size_t i = 0; i < sizeof launchers / sizeof *launchers; i++)
        if (strcmp(comm, launchers[i]) == 0) {
            rp__log(RP_LOG_WARN, "asking %s (pid %d) to end the job, which lost ranks", comm,
                    (int)ppid);
            fflush(stderr);
            kill(ppid, SIGTERM);
            return;
        }
}

/*
 * Some workers were lost or did not stop (rank 0, after the others stopped).
 * By default Open MPI ends a job that lost a rank by itself; one that did not
 * stop would keep the job from ending: rank 0 ends it.  Under mpirun
 * --enable-recovery the job ends once every survivor has exited, so the
 * survivors finish without the collective calls the lost would be waited
 * for in (rt->peers_lost).
 */
static void end_job(rp_runtime *rt) {
    char list[256] = "";
    size_t at = 0;
    int stuck = 0;
    for (int i = 0; i < rt->nworkers && at < sizeof list - 32; i++) {
        const rp__worker *w = &rt->workers[i];
        stuck += w->stuck;
        if (rp__worker_gone(w))
            at +=
                (size_t)snprintf(list + at, sizeof list - at, "%s%d (%s)", at ? ", " : "", w->rank,
                                 w->lost ? (w->server ? "server, lost" : "lost") : "did not stop");
    }
    if (rp__recovery_enabled()) {
        rp__log(RP_LOG_WARN, "finishing without worker rank(s) %s", list);
        rt->peers_lost = 1;
        atexit(end_launcher);
        return;
    }
    int status = rt->exit_status != 0 ? rt->exit_status : stuck > 0;
    rp__log(RP_LOG_ERROR, "ending the job with status %d: worker rank(s) %s", status, list);
    fflush(stdout);
    fflush(stderr);
    MPI_Abort(rt->comm, status);
}

int rp_finalize(rp_runtime *rt) {
    if (rt == NULL)
        return 0;
    int rc = 0;
    if (rt->rank == 0) {
        rp__processes_fini(rt);
        /* Tasks still running get shutdown_timeout to end, all told. */
        double deadline = rp__deadline(rt->opt.shutdown_timeout);
        rp__pools_destroy_all(rt, deadline);
        pthread_mutex_lock(&rt->lock);
        /* With a worker gone, the collective calls of an orderly end would
         * wait for it forever: the workers are told to skip them. */
        rt->peers_lost = rt->nlost > 0;
        if (rt->size > 1)
            for (int i = 0; i < rt->nworkers; i++) {
                rp__hdr h = {.kind = RP__MSG_SHUTDOWN, .code = rt->peers_lost};
                rp__ctrl_push(rt, i, &h, NULL, 0);
            }
        /* Idle workers answer at once; give them a moment even when the
         * pools took all of shutdown_timeout. */
        double soon = rp__now() + 2.0;
        rt->stop_deadline = deadline < 0 ? -1 : deadline > soon ? deadline : soon;
        rt->stop = 1;
        pthread_cond_signal(&rt->wake);
        pthread_mutex_unlock(&rt->lock);
        pthread_join(rt->mgr, NULL);
        rp__lease_fini(&rt->lease);
        rc = rt->fatal;
        if (rt->shutdown_failed) {
            /* Workers that did not hear SHUTDOWN would serve forever and the
             * collective calls below would wait for them: end the job. */
            rp__log(RP_LOG_ERROR, "could not stop the workers after a communication failure; "
                                  "aborting the job");
            MPI_Abort(rt->comm, 1);
        }
        if (rt->nlost > 0)
            end_job(rt);
        /* Handles the user still holds are complete (their pools were
         * joined): detach them so they outlive the runtime. */
        for (rp_result *j = rt->live; j; j = j->lnext) {
            j->rt = NULL;
            j->pool = NULL;
        }
        for (int i = 0; i < rt->nworkers; i++)
            free(rt->workers[i].fifo);
        release_manager(rt);
    } else {
        if (!rt->served)
            rc = rp_serve(rt);
        rp__lease_bye(&rt->lease); /* (done already if it served) */
    }
    /* Collective over rank 0's host; rank 0's manager thread has stopped. */
    if (!rt->peers_lost) {
        int src = rp__shm_fini(&rt->shm);
        if (rc == 0)
            rc = src;
    }
    rp__placement_fini(&rt->place);
    rp__lease_fini(&rt->lease);
    if (!rt->peers_lost && MPI_Comm_free(&rt->comm) != MPI_SUCCESS && rc == 0)
        rc = rp__err(RP_EMPI, "MPI_Comm_free failed");
    /* MPI_Finalize frees what is left, the shared window too: a collective
     * call that would wait for the lost rank.  The process just exits. */
    if (rt->own_mpi && !rt->peers_lost && MPI_Finalize() != MPI_SUCCESS && rc == 0)
        rc = rp__err(RP_EMPI, "MPI_Finalize failed");
    if (rt->peers_lost && rc == 0)
        rc = rp__err(RP_ELOST, "ranks of the job were lost: MPI_Finalize would wait for them; "
                               "end the process without it");
    pthread_mutex_destroy(&rt->client_lock);
    if (rt->opt.handle_signals)
        rp__signals_restore();
    free(rt);
    return rc;
}

int rp_main(int *argc, char ***argv, const rp_options *opts, rp_main_fn fn, void *user) {
    rp_runtime *rt;
    int rc = rp_init(&rt, argc, argv, opts);
    if (rc != 0) {
        rp__log(RP_LOG_ERROR, "rp_init: %s: %s", rp_err_name(rc), rp_last_error());
        return 1;
    }
    int status = 0;
    if (rt->rank == 0 && fn != NULL)
        status = fn(rt, argc ? *argc : 0, argv ? *argv : NULL, user);
    int sig = rp_interrupted(rt);
    if (status == 0 && sig != 0)
        status = 128 + sig; /* as a shell reports a program ended by a signal */
    rt->exit_status = status;
    rc = rp_finalize(rt);
    if (rc == RP_ELOST)
        return status; /* the job went on without them, as asked */
    if (rc != 0) {
        rp__log(RP_LOG_ERROR, "rp_finalize: %s: %s", rp_err_name(rc), rp_last_error());
        return 1;
    }
    return status;
}

int rp_is_manager(const rp_runtime *rt) {
    return rt != NULL && rt->rank == 0;
}

int rp_rank(const rp_runtime *rt) {
    return rt ? rt->rank : -1;
}

int rp_size(const rp_runtime *rt) {
    return rt ? rt->size : 0;
}

int rp_workers_lost(rp_runtime *rt) {
    if (rt == NULL || rt->rank != 0)
        return 0;
    pthread_mutex_lock(&rt->lock);
    int n = rt->nlost - rt->nsrv_lost;
    pthread_mutex_unlock(&rt->lock);
    return n;
}

int rp_worker_count(const rp_runtime *rt) {
    if (rt == NULL)
        return 0;
    return rt->size > 1 ? rt->size - 1 - rt->nservers : 1;
}

int rp_server_count(const rp_runtime *rt) {
    return rt ? rt->nservers : 0;
}

int rp_interrupted(const rp_runtime *rt) {
    return rt != NULL && rt->opt.handle_signals ? rp__signal_pending() : 0;
}

int rp_placement_get(const rp_runtime *rt, int rank, rp_placement_info *info) {
    if (rt == NULL || info == NULL)
        return rp__err(RP_EINVAL, "NULL runtime or info");
    if (rank < 0 || rank >= rt->size)
        return rp__err(RP_ERANGE, "no rank %d in a runtime of %d", rank, rt->size);
    const rp__placement *pl = &rt->place;
    if (rt->rank == 0)
        *info = pl->info[rank];
    else if (rank == rt->rank)
        *info = pl->info[0];
    else
        return rp__err(RP_ENOTMANAGER, "rank %d can only ask about itself, not rank %d", rt->rank,
                       rank);
    return 0;
}
