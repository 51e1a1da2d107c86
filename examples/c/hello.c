/*
 * hello.c — the smallest useful libpvm program.
 *
 * 1. Runs a hand-assembled raw program blob (load_imm r7, 42; jump_ind r0).
 * 2. If given the path of guests/bin/hostcall.polkavm, calls its export hostcall(10),
 *    serving its host_add import (ecalli 0) with a C host function.
 *
 * Build (from the workspace root, after `cargo build -p pvm-ffi`):
 *   cc -Icrates/pvm-ffi/include examples/c/hello.c target/debug/libpvm.a \
 *      -lpthread -ldl -lm -o hello
 *   ./hello guests/bin/hostcall.polkavm
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "pvm.h"

/* host_add(a, b) = a + b: arguments in r7, r8; the result goes back in r7. */
static pvm_host_result_t host(pvm_vm_t* vm, int func_id) {
    if (func_id != 0) return PVM_HOST_ERROR;
    pvm_set_register(vm, 7, pvm_get_register(vm, 7) + pvm_get_register(vm, 8));
    return PVM_HOST_CONTINUE;
}

int main(int argc, char** argv) {
    printf("libpvm %s\n", pvm_version());

    /* load_imm r7, 42 ; jump_ind r0 — r0 holds the halt address. */
    const uint8_t blob[] = {0, 0, 5, 51, 7, 42, 50, 0, 0x09};
    pvm_vm_t* vm = pvm_create_from_blob(0, blob, sizeof blob, 1000);
    if (!vm) {
        fprintf(stderr, "create failed: %s\n", pvm_last_error(NULL));
        return 1;
    }
    pvm_set_register(vm, 0, PVM_HALT_ADDRESS);
    pvm_result_t result = pvm_execute(vm, 0, 0);
    printf("raw blob: result %d, r7 = %" PRIu64 ", gas left %" PRIu64 "\n", result,
           pvm_get_register(vm, 7), pvm_get_gas(vm));
    pvm_destroy(vm);
    if (result != PVM_RESULT_OK) return 1;

    if (argc < 2) return 0;
    FILE* f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    uint8_t bytes[1 << 16];
    size_t len = fread(bytes, 1, sizeof bytes, f);
    fclose(f);

    vm = pvm_create_from_polkavm(0, bytes, len, 10000000);
    if (!vm) {
        fprintf(stderr, "create failed: %s\n", pvm_last_error(NULL));
        return 1;
    }
    int64_t pc = pvm_find_export(vm, "hostcall");
    const uint64_t args[1] = {10};
    if (pc < 0 || pvm_prepare_call(vm, (uint32_t)pc, args, 1) != 0) {
        fprintf(stderr, "%s\n", pvm_last_error(vm));
        pvm_destroy(vm);
        return 1;
    }
    pvm_set_host_callback(vm, host);
    result = pvm_execute(vm, (uint32_t)pc, 0);
    printf("hostcall(10) = %" PRIu64 " (result %d, gas left %" PRIu64 ")\n",
           pvm_get_register(vm, 7), result, pvm_get_gas(vm));
    pvm_destroy(vm);
    return result == PVM_RESULT_OK ? 0 : 1;
}
