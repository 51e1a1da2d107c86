/*
 * stdio.h - freestanding shim for the RISC-V guest build only. Declarations
 * for third-party error paths that the guests never reach (nothing is
 * defined: calling one fails at link time).
 */
#ifndef PVM_SHIM_STDIO_H
#define PVM_SHIM_STDIO_H

#include <stddef.h>

typedef struct pvm_shim_file FILE;
extern FILE *stderr;
int fprintf(FILE *stream, const char *format, ...);

#endif
