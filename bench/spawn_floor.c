/*
 * The floor of a command runner: N jobs started one after another with
 * posix_spawnp and waited for with waitpid, nothing else (no pipes, no
 * scheduling).  bench/runner.sh runs it beside rankpool-run and GNU
 * parallel.  Usage: spawn_floor N COMMAND [ARGS...]; prints
 * "floor jobs=N seconds=S per_job_ms=M".
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: spawn_floor N COMMAND [ARGS...]\n");
        return 2;
    }
    long n = atol(argv[1]);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        pid_t pid;
        int status;
        if (posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ) != 0 ||
            waitpid(pid, &status, 0) != pid) {
            perror("spawn_floor");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("floor jobs=%ld seconds=%.4f per_job_ms=%.4f\n", n, s, n > 0 ? s * 1e3 / (double)n : 0);
    return 0;
}
