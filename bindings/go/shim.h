/* C helpers of the Go binding (shim.c): one cgo call per served host call. */
#ifndef PVM_GO_SHIM_H
#define PVM_GO_SHIM_H

#include <stdint.h>

#include "pvm.h"

/* pvm_resume_host, then stores the id of the ecalli the VM stopped at (if it did) in
 * *func_id, so the Go loop needs one cgo call per host call. */
pvm_result_t pvm_go_resume_host(pvm_vm_t* vm, int answer, int* func_id);

#endif
