/*
 * stdlib.h - freestanding shim for the RISC-V guest build only. Guests have no
 * heap (they use static arenas): nothing here is defined, these declarations
 * only let third-party headers compile. Calling one fails at link time.
 */
#ifndef PVM_SHIM_STDLIB_H
#define PVM_SHIM_STDLIB_H

#include <stddef.h>

_Noreturn void abort(void);
void *malloc(size_t size);
void free(void *ptr);

#endif
