/*
 * assert.h - freestanding shim for the RISC-V guest build only: assertions
 * compile to nothing, as with NDEBUG.
 */
#ifndef PVM_SHIM_ASSERT_H
#define PVM_SHIM_ASSERT_H

#define assert(expr) ((void)0)
#ifndef __cplusplus
#define static_assert _Static_assert
#endif

#endif
