/* scripts/test-dist.sh: a host call and a page fault through the installed C SDK. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pvm.h"

#define VALUE UINT64_C(0x1122334455667788)

static int calls;

static pvm_host_result_t host(pvm_vm_t* vm, int id) {
    if (id != 1) return PVM_HOST_ERROR;
    calls++;
    pvm_set_register(vm, 7, 42);
    return PVM_HOST_CONTINUE;
}

#define EXPECT(cond)                                                       \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "check.c:%d: %s failed\n", __LINE__, #cond); \
            return 1;                                                      \
        }                                                                  \
    } while (0)

int main(void) {
    static const uint8_t blob[] = {0, 0, 9, 10, 1, 58, 8, 0, 0, 2, 50, 0, 0x85, 0x00};
    EXPECT(pvm_abi_version() == PVM_ABI_VERSION);
    EXPECT(strncmp(pvm_version(), PVM_VERSION " ", strlen(PVM_VERSION) + 1) == 0);
    pvm_vm_t* vm = pvm_create_from_blob(0, blob, sizeof blob, 10000);
    EXPECT(vm != NULL);
    pvm_set_register(vm, 0, PVM_HALT_ADDRESS);
    pvm_set_host_callback(vm, host);
    EXPECT(pvm_execute(vm, 0, 0) == PVM_RESULT_PANIC);
    EXPECT(calls == 1);
    EXPECT(pvm_get_machine_state(vm) == PVM_FAULT);
    EXPECT(pvm_get_fault_address(vm) == 0x20000);
    EXPECT(pvm_map_pages(vm, 0x20000, 4096, PVM_ACCESS_WRITE) == 0);
    EXPECT(pvm_write_ram_bytes_64(vm, 0x20000, VALUE) == PVM_OK);
    EXPECT(pvm_resume(vm) == PVM_RESULT_OK);
    EXPECT(pvm_get_machine_state(vm) == PVM_HALT);
    EXPECT(pvm_get_register(vm, 7) == 42 && pvm_get_register(vm, 8) == VALUE);
    printf("c %s (ABI %u): host call 1 -> r7 = 42, page fault at 0x20000 -> r8 = 0x%" PRIx64
           ", halt\n",
           PVM_VERSION, (unsigned)pvm_abi_version(), pvm_get_register(vm, 8));
    pvm_destroy(vm);
    return 0;
}
