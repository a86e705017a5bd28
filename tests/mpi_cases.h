/*
 * The main() of an MPI test: rp_init with the test's options, its cmocka
 * cases on rank 0 while the other ranks serve, rp_finalize.  Include after
 * <rankpool.h> and <cmocka.h>.
 */
#ifndef RP_TEST_MPI_CASES_H
#define RP_TEST_MPI_CASES_H

#include <stdio.h>

/* Runs @p cases (@p n of them) on rank 0 between rp_init (into *rt) and
 * rp_finalize; returns the number of failures, counting a failed init or
 * finalize as one. */
static inline int rp_test_run_cases(rp_runtime **rt, int *argc, char ***argv, const rp_options *opt,
                                    const struct CMUnitTest *cases, size_t n) {
    int rc = rp_init(rt, argc, argv, opt);
    if (rc != 0) {
        fprintf(stderr, "rp_init: %s: %s\n", rp_err_name(rc), rp_last_error());
        return 1;
    }
    int failed = 0;
    if (rp_is_manager(*rt))
        failed = _cmocka_run_group_tests("cases", cases, n, NULL, NULL);
    rc = rp_finalize(*rt);
    if (rc != 0) {
        fprintf(stderr, "rp_finalize: %s\n", rp_err_name(rc));
        failed++;
    }
    return failed;
}

/* rp_test_run_cases over a whole array of cases. */
#define RP_TEST_RUN_CASES(rt, argc, argv, opt, cases)                                              \
    rp_test_run_cases((rt), (argc), (argv), (opt), (cases), sizeof(cases) / sizeof((cases)[0]))

#endif
