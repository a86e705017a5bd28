/*
 * Runs a fuzz target's entry point once on each file named on the command
 * line (the seed corpus, crash reproducers), for builds without libFuzzer:
 * the ordinary test run replays the corpus under its own checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            perror(argv[i]);
            return 1;
        }
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0, n;
        do {
            if (len == cap) {
                cap = cap ? 2 * cap : 4096;
                uint8_t *p = realloc(buf, cap);
                if (p == NULL) {
                    fprintf(stderr, "%s: out of memory\n", argv[i]);
                    return 1;
                }
                buf = p;
            }
            n = fread(buf + len, 1, cap - len, f);
            len += n;
        } while (n > 0);
        fclose(f);
        /* An exact-size copy, so that reading past the end is caught. */
        uint8_t *exact = malloc(len ? len : 1);
        if (exact == NULL)
            return 1;
        for (size_t k = 0; k < len; k++)
            exact[k] = buf[k];
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    printf("%d inputs\n", argc - 1);
    return 0;
}
