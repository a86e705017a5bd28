/*
 * The shared window of Value and Array: the only MPI window calls.  One
 * arena per runtime: at init the ranks of rank 0's host make one
 * MPI_Win_allocate_shared window in which rank 0 holds every byte, and each
 * maps it with MPI_Win_shared_query; rank 0 alone on its host maps shared
 * memory of its own instead, which the processes it forks inherit.  See
 * docs/arrays.md.
 */
#include "net/net.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int rp__shm_init(rp__shm *sh, MPI_Comm comm, int rank, size_t arena_size, int ok) {
    memset(sh, 0, sizeof *sh);
    sh->node = MPI_COMM_NULL;
    sh->win = MPI_WIN_NULL;
    int rc = 0, remote = 0;
    /* A testing and diagnostic switch: every access goes through the manager. */
    const char *env = getenv("RP_ARRAY_REMOTE");
    if (env != NULL && env[0] != '\0') {
        if (strcmp(env, "1") == 0)
            remote = 1;
        else if (strcmp(env, "0") != 0)
            rc = rp__err(RP_EINVAL, "RP_ARRAY_REMOTE='%s': use 1 or 0", env);
    }
    MPI_Comm node;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) != MPI_SUCCESS)
        return rc ? rc : rp__err(RP_EMPI, "MPI_Comm_split_type failed");
    MPI_Comm_set_errhandler(node, MPI_ERRORS_RETURN);
    /* One call tells the host whether rank 0 is on it, the arena's size
     * (rank 0's option) and whether some rank here already failed: then
     * nobody makes the window and the agreement fails init everywhere. */
    uint64_t mine[3] = {rank == 0, rank == 0 ? arena_size : 0, !ok || rc != 0}, all[3];
    if (MPI_Allreduce(mine, all, 3, MPI_UINT64_T, MPI_MAX, node) != MPI_SUCCESS) {
        MPI_Comm_free(&node);
        return rc ? rc : rp__err(RP_EMPI, "MPI_Allreduce on the host failed");
    }
    if (!all[0] || all[1] == 0 || all[2]) {
        MPI_Comm_free(&node);
        return rc;
    }
    size_t size = (size_t)all[1];
    int alone = 0;
    MPI_Comm_size(node, &alone);
    if (alone == 1) {
        /* Rank 0 alone on its host (a one-rank job): it forks the Process
         * children itself, and they must write the memory it reads.  MPI's
         * window for one process may be private memory, which a fork copies;
         * a shared mapping of our own is inherited as it is. */
        void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            MPI_Comm_free(&node);
            return rp__err(RP_ENOMEM, "no shared mapping of %zu bytes for the arena", size);
        }
        sh->node = node;
        sh->mapped = 1;
        sh->base = m;
        sh->size = size;
        sh->direct = !remote;
        return 0;
    }
    void *mem = NULL;
    if (MPI_Win_allocate_shared(rank == 0 ? (MPI_Aint)size : 0, 1, MPI_INFO_NULL, node, &mem,
                                &sh->win) != MPI_SUCCESS) {
        MPI_Comm_free(&node);
        return rp__err(RP_EMPI, "MPI_Win_allocate_shared of %zu bytes failed", size);
    }
    MPI_Win_set_errhandler(sh->win, MPI_ERRORS_RETURN);
    sh->node = node;
    sh->joined = 1;
    MPI_Aint qsize = 0;
    int unit = 0;
    void *base = NULL;
    if (MPI_Win_shared_query(sh->win, 0, &qsize, &unit, &base) != MPI_SUCCESS || base == NULL ||
        (size_t)qsize < size)
        return rp__err(RP_EMPI, "MPI_Win_shared_query gave no mapping of the arena");
    sh->base = base;
    sh->size = size;
    sh->direct = !remote;
    return 0;
}

int rp__shm_fini(rp__shm *sh) {
    int rc = 0;
    if (sh->mapped) {
        munmap(sh->base, sh->size);
        MPI_Comm_free(&sh->node);
    }
    if (sh->joined) {
        if (MPI_Win_free(&sh->win) != MPI_SUCCESS)
            rc = rp__err(RP_EMPI, "MPI_Win_free failed");
        MPI_Comm_free(&sh->node);
    }
    memset(sh, 0, sizeof *sh);
    return rc;
}
