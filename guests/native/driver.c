/*
 * driver.c - native (host) reference driver for the guest programs.
 *
 * Links the same guest C sources compiled for the host. Reads lines
 *   PROGRAM EXPORT ARG [bench]
 * from stdin, calls EXPORT(ARG) and prints
 *   PROGRAM EXPORT ARG RESULT [bench]
 * (RESULT as decimal u64). Exits non-zero on an unknown program/export.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t fib(uint64_t);
uint64_t sieve(uint64_t);
uint64_t quicksort(uint64_t);
uint64_t matmul(uint64_t);
uint64_t memset_memcpy(uint64_t);
uint64_t interp(uint64_t);
uint64_t parse(uint64_t);
uint64_t hostcall(uint64_t);
uint64_t lz4_roundtrip(uint64_t);
uint64_t zlib_deflate(uint64_t);
uint64_t xxhash_digest(uint64_t);
uint64_t sha256_digest(uint64_t);

/* Native stand-in for the PolkaVM import used by hostcall.c. */
uint64_t host_add(uint64_t a, uint64_t b) { return a + b; }

static const struct {
    const char *program;
    const char *export;
    uint64_t (*fn)(uint64_t);
} exports[] = {
    {"fib", "fib", fib},
    {"sieve", "sieve", sieve},
    {"sort", "quicksort", quicksort},
    {"matmul", "matmul", matmul},
    {"memops", "memset_memcpy", memset_memcpy},
    {"bytecode", "interp", interp},
    {"parser", "parse", parse},
    {"hostcall", "hostcall", hostcall},
    {"lz4", "lz4_roundtrip", lz4_roundtrip},
    {"zlib", "zlib_deflate", zlib_deflate},
    {"xxhash", "xxhash_digest", xxhash_digest},
    {"sha256", "sha256_digest", sha256_digest},
};

int main(void)
{
    char line[512];
    int lineno = 0;
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        char program[128], export[128], extra[128];
        uint64_t arg;
        extra[0] = 0;
        if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
            continue;
        int got = sscanf(line, "%127s %127s %" SCNu64 " %127s", program, export, &arg, extra);
        if (got < 3) {
            fprintf(stderr, "driver: line %d: cannot parse: %s", lineno, line);
            return 1;
        }
        size_t i;
        for (i = 0; i < sizeof exports / sizeof exports[0]; i++)
            if (!strcmp(exports[i].program, program) && !strcmp(exports[i].export, export))
                break;
        if (i == sizeof exports / sizeof exports[0]) {
            fprintf(stderr, "driver: line %d: unknown program/export %s %s\n", lineno, program, export);
            return 1;
        }
        uint64_t result = exports[i].fn(arg);
        if (got == 4)
            printf("%s %s %" PRIu64 " %" PRIu64 " %s\n", program, export, arg, result, extra);
        else
            printf("%s %s %" PRIu64 " %" PRIu64 "\n", program, export, arg, result);
    }
    return 0;
}
