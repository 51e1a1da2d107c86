/*
 * string.h - freestanding shim for the RISC-V guest build only (the native
 * build uses the host's libc headers). Declares what guests/src/rt.c defines.
 */
#ifndef PVM_SHIM_STRING_H
#define PVM_SHIM_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
