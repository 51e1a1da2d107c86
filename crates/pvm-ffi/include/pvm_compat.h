/*
 * pvm_compat.h — the unprefixed names of the original pvm.h proposal, for code written
 * against it. Include this instead of pvm.h; it includes pvm.h.
 *
 * Differences from the proposal that this header cannot hide:
 *  - `VM` is an opaque type: its fields are not visible (see pvm.h for why). Use the
 *    accessor functions (pvm_get_registers, pvm_get_gas, pvm_memory_ptr, ...).
 *  - The host-call result codes NONE ... HUH are the GP 0.8 values 2^64 - k. The proposal
 *    used the 32-bit values 2^32 - k of Gray Paper versions before 64-bit registers.
 *    Code that compares against these macros keeps working; code with the 32-bit numbers
 *    written out does not.
 *  - HUH is 2^64 - 9 (GP 0.6.3 and later have no HIGH code).
 *  - The proposal's private functions (reg_name, pvm_panic, dispatch_table, ...) are not
 *    part of the library.
 *
 * These macros have short, common names (OK, M, V, HALT, ...). Do not include this header
 * where they would clash.
 */
#ifndef PVM_COMPAT_H
#define PVM_COMPAT_H

#include "pvm.h"

typedef pvm_vm_t VM;

#define REG_SIZE PVM_REG_SIZE
#define Z_P PVM_Z_P
#define Z_A PVM_Z_A
#define W_X PVM_W_X
#define M PVM_M
#define V PVM_V
#define Z_Q PVM_Z_Q
#define Z_I PVM_Z_I
#define Z_Z PVM_Z_Z

#define OK PVM_OK
#define NONE PVM_NONE
#define WHAT PVM_WHAT
#define OOB PVM_OOB
#define WHO PVM_WHO
#define FULL PVM_FULL
#define CORE PVM_CORE
#define CASH PVM_CASH
#define LOW PVM_LOW
#define HUH PVM_HUH

#define HALT PVM_HALT
#define PANIC PVM_PANIC
#define FAULT PVM_FAULT
#define HOST PVM_HOST
#define OOG PVM_OOG

#define WORKDIGEST_OK PVM_WORKDIGEST_OK
#define WORKDIGEST_OOG PVM_WORKDIGEST_OOG
#define WORKDIGEST_PANIC PVM_WORKDIGEST_PANIC
#define WORKDIGEST_BAD_EXPORT PVM_WORKDIGEST_BAD_EXPORT
#define WORKDIGEST_OVERSIZE PVM_WORKDIGEST_OVERSIZE
#define WORKDIGEST_BAD PVM_WORKDIGEST_BAD
#define WORKDIGEST_BIG PVM_WORKDIGEST_BIG

#endif /* PVM_COMPAT_H */
