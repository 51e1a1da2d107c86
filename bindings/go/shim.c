#include "shim.h"

#include "_cgo_export.h"

void pvm_go_install_trampoline(pvm_vm_t* vm) {
    pvm_set_host_callback(vm, goPvmHostTrampoline);
}

void pvm_go_set_handle(pvm_vm_t* vm, uintptr_t handle) {
    pvm_set_user_data(vm, (void*)handle);
}

uintptr_t pvm_go_handle(pvm_vm_t* vm) {
    return (uintptr_t)pvm_get_user_data(vm);
}
