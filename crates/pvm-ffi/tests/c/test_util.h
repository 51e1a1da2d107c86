/* Shared helpers of the C tests: checks that count failures, and the small hand-assembled
 * programs the tests run. */
#ifndef PVM_TEST_UTIL_H
#define PVM_TEST_UTIL_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvm.h"

static int g_checks;
static int g_failures;

#define CHECK(cond)                                                                \
    do {                                                                           \
        g_checks++;                                                                \
        if (!(cond)) {                                                             \
            g_failures++;                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                          \
    } while (0)

#define CHECK_EQ_U64(actual, expected)                                                  \
    do {                                                                                \
        uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);                    \
        g_checks++;                                                                     \
        if (a_ != e_) {                                                                 \
            g_failures++;                                                               \
            fprintf(stderr, "%s:%d: %s == %" PRIu64 ", expected %" PRIu64 "\n", __FILE__, \
                    __LINE__, #actual, a_, e_);                                         \
        }                                                                               \
    } while (0)

/*
 * 0: ecalli 1
 * 2: load_u64 r9, 0x20008     ; reads what the host wrote
 * 8: jump_ind r0, 0           ; r0 = 0xFFFF0000 halts
 */
static const uint8_t HOSTCALL_BLOB[] = {0, 0, 10, 10, 1, 58, 9, 8, 0, 2, 0, 50, 0, 0x05, 0x01};
static const uint8_t HOSTCALL_CODE[] = {10, 1, 58, 9, 8, 0, 2, 0, 50, 0};
static const uint8_t HOSTCALL_BITMASK[] = {0x05, 0x01};

/*
 * 0: ecalli 7
 * 2: add_imm_64 r7, r7, -1
 * 5: branch_ne_imm r7, 0, @0  ; loops r7 times
 * 8: jump_ind r0, 0
 */
static const uint8_t LOOP_BLOB[] = {0, 0, 10, 10, 7, 0x95, 0x77, 0xFF, 0x52, 0x07, 0xFB, 0x32, 0x00, 0x25, 0x01};

/* Reads a whole file; returns NULL on failure. */
static uint8_t* read_file(const char* path, size_t* len) {
    FILE* f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t* data = malloc(size > 0 ? (size_t)size : 1);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return data;
}

#endif
