/*
 * rankpool-info: what this rankpool is and how a run would be configured,
 * as ompi_info does for Open MPI: the library's version and ABI, the MPI it
 * was built with and the one it runs with, hwloc's versions, and every
 * option a run takes from the environment with its value and where that
 * came from (default or environment; a program's own rp_options come on
 * top).  Needs no mpirun and starts no MPI.
 *
 *     rankpool-info                 a report for people
 *     rankpool-info --parsable      one "key:value" line per fact
 *     RP_PREFETCH=8 rankpool-info   the options as a run in this environment sees them
 *
 * Exit status: 0; 1 if a variable of the environment holds a bad value
 * (rp_init would fail: the message names it); 2 for a bad command line.
 */
#include <rankpool.h>

#include <stdio.h>
#include <string.h>

static const char *const source_names[] = {"default", "environment", "program"};

static void usage(FILE *f) {
    fprintf(f, "usage: rankpool-info [--parsable | -p] [--version | -V] [--help | -h]\n"
               "Print rankpool's version, the MPI and hwloc it uses, and every option with its\n"
               "value and where it came from (RP_<NAME> in the environment, or the default).\n");
}

/* The library's facts, as label and rp_library_info key. */
static const struct {
    const char *label, *key;
    int info;
} facts[] = {
    {"rankpool", "version", RP_INFO_VERSION},
    {"MPI built with", "mpi_built", RP_INFO_MPI_BUILT},
    {"MPI running", "mpi_running", RP_INFO_MPI_RUNNING},
    {"MPI standard", "mpi_standard", RP_INFO_MPI_STANDARD},
    {"MPI thread level", "mpi_thread_level", RP_INFO_THREAD_LEVEL},
    {"hwloc built with", "hwloc_built", RP_INFO_HWLOC_BUILT},
    {"hwloc running", "hwloc_running", RP_INFO_HWLOC_RUNNING},
};

int main(int argc, char **argv) {
    int parsable = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--parsable") == 0 || strcmp(argv[i], "-p") == 0) {
            parsable = 1;
        } else if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
            printf("rankpool-info %s\n", rp_version_string());
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "rankpool-info: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (rp_version() / 100 != RP_VERSION / 100)
        fprintf(stderr, "rankpool-info: built with rankpool %d.%d, running with %s\n",
                RP_VERSION_MAJOR, RP_VERSION_MINOR, rp_version_string());
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        const char *v = rp_library_info(facts[i].info);
        if (parsable)
            printf("%s:%s\n", facts[i].key, v ? v : "");
        else
            printf("%-18s %s\n", facts[i].label, v ? v : "?");
    }
    if (!parsable)
        printf("\n%-18s %-14s %-12s %-20s %s\n", "option", "value", "source", "variable",
               "meaning");
    int n = rp_option_count();
    for (int i = 0; i < n; i++) {
        const char *name, *env, *help;
        char value[64];
        int source = RP_SOURCE_DEFAULT;
        rp_option_info(i, &name, &env, &help);
        int rc = rp_option_value(NULL, i, value, sizeof value, &source);
        if (rc != 0) {
            fprintf(stderr, "rankpool-info: %s: %s\n", rp_err_name(rc), rp_last_error());
            return 1;
        }
        if (parsable)
            printf("option:%s:%s:%s:%s\n", name, value, source_names[source], env);
        else
            printf("%-18s %-14s %-12s %-20s %s\n", name, value, source_names[source], env, help);
    }
    return 0;
}
