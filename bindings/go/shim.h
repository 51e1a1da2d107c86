/* C helpers of the Go binding (shim.c): installing the Go trampoline as the host callback
 * and keeping a cgo.Handle in the VM's user data, without Go code converting integers to
 * pointers. */
#ifndef PVM_GO_SHIM_H
#define PVM_GO_SHIM_H

#include <stdint.h>

#include "pvm.h"

/* Sets the VM's host callback to the exported Go function goPvmHostTrampoline. */
void pvm_go_install_trampoline(pvm_vm_t* vm);
/* Stores / loads a cgo.Handle in the VM's user data. */
void pvm_go_set_handle(pvm_vm_t* vm, uintptr_t handle);
uintptr_t pvm_go_handle(pvm_vm_t* vm);

#endif
