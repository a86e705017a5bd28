/*
 * The CPU-bound workload every benchmark program runs, defined once so that
 * rankpool and the baselines do exactly the same work: count the primes
 * below a bound that grows with the task index, so costs are uneven and a
 * static split of the index range is unbalanced.
 */
#ifndef RP_BENCH_WORKLOAD_H
#define RP_BENCH_WORKLOAD_H

#include <stdint.h>

static inline uint32_t primes_bound(int64_t i) {
    return 20000u + 300u * (uint32_t)i;
}

static inline int64_t count_primes_below(uint32_t bound) {
    int64_t count = 0;
    for (uint32_t n = 2; n < bound; n++) {
        int prime = 1;
        for (uint32_t d = 2; d * d <= n; d++)
            if (n % d == 0) {
                prime = 0;
                break;
            }
        count += prime;
    }
    return count;
}

#endif
