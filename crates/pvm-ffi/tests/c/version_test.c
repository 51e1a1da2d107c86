/*
 * version_test.c — prints what pvm.h and the linked library say their versions are, one
 * "name value" line each, for tests/version.rs to compare with the crate's version.
 */
#include <stdio.h>

#include "pvm.h"

int main(void) {
    printf("PVM_VERSION %s\n", PVM_VERSION);
    printf("PVM_VERSION_MAJOR %d\n", PVM_VERSION_MAJOR);
    printf("PVM_VERSION_MINOR %d\n", PVM_VERSION_MINOR);
    printf("PVM_VERSION_PATCH %d\n", PVM_VERSION_PATCH);
    printf("PVM_ABI_VERSION %d\n", PVM_ABI_VERSION);
    printf("pvm_version %s\n", pvm_version());
    printf("pvm_abi_version %u\n", (unsigned)pvm_abi_version());
    return 0;
}
