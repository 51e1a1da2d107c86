/*
 * bench_hostcall.c — the cost of one host-call round trip through the C ABI.
 *
 * A 4-instruction loop does N `ecalli`s:
 *   0: ecalli 7 ; 2: add_imm_64 r7, r7, -1 ; 5: branch_ne_imm r7, 0, @0 ; 8: jump_ind r0
 * measured two ways: with a trivial callback (the trampoline), and without one
 * (pvm_execute/pvm_resume return to the caller at every ecalli).
 *
 * Build (from the workspace root, after `cargo build --release -p pvm-ffi` for real
 * numbers):
 *   cc -O2 -Icrates/pvm-ffi/include examples/c/bench_hostcall.c target/release/libpvm.a \
 *      -lpthread -ldl -lm -o bench_hostcall
 *   ./bench_hostcall 10000000
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pvm.h"

static const uint8_t LOOP_BLOB[] = {0,    0,    10,   10,   7,    0x95, 0x77, 0xFF,
                                    0x52, 0x07, 0xFB, 0x32, 0x00, 0x25, 0x01};

static uint64_t g_calls;

static pvm_host_result_t trivial(pvm_vm_t* vm, int func_id) {
    (void)vm;
    (void)func_id;
    g_calls++;
    return PVM_HOST_CONTINUE;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static pvm_vm_t* loop_vm(uint64_t n) {
    pvm_vm_t* vm = pvm_create_from_blob(0, LOOP_BLOB, sizeof LOOP_BLOB, UINT64_MAX);
    if (!vm) {
        fprintf(stderr, "create failed: %s\n", pvm_last_error(NULL));
        exit(1);
    }
    pvm_set_register(vm, 0, PVM_HALT_ADDRESS);
    pvm_set_register(vm, 7, n);
    return vm;
}

int main(int argc, char** argv) {
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    if (n == 0) n = 1;

    /* With a callback: pvm_execute runs the whole loop. */
    pvm_vm_t* vm = loop_vm(n);
    pvm_set_host_callback(vm, trivial);
    double start = now_ns();
    pvm_result_t result = pvm_execute(vm, 0, 0);
    double callback_ns = (now_ns() - start) / (double)n;
    pvm_destroy(vm);
    if (result != PVM_RESULT_OK || g_calls != n) {
        fprintf(stderr, "callback run failed: result %d, %" PRIu64 " calls\n", result, g_calls);
        return 1;
    }

    /* Without a callback: every ecalli returns to this loop. */
    vm = loop_vm(n);
    uint64_t exits = 0;
    start = now_ns();
    result = pvm_execute(vm, 0, 0);
    while (result == PVM_RESULT_HOST_CALL) {
        exits++;
        result = pvm_resume(vm);
    }
    double resume_ns = (now_ns() - start) / (double)n;
    pvm_destroy(vm);
    if (result != PVM_RESULT_OK || exits != n) {
        fprintf(stderr, "resume run failed: result %d, %" PRIu64 " exits\n", result, exits);
        return 1;
    }

    printf("%" PRIu64 " host calls: %.1f ns per host call (callback), %.1f ns per host call "
           "(exit + pvm_resume); each includes 3 guest instructions\n",
           n, callback_ns, resume_ns);
    return 0;
}
