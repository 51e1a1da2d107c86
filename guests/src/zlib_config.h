/*
 * zlib_config.h - how every translation unit of the zlib guest compiles zlib
 * 1.3.2 (third_party/zlib): Z_SOLO (no libc; the caller supplies the
 * allocator), no gzip support, memcpy/memset (rt.c on PVM) instead of zlib's
 * byte loops, and z_-prefixed symbols so that a native build cannot clash with
 * a system zlib. Include this before any zlib file.
 */
#ifndef GUEST_ZLIB_CONFIG_H
#define GUEST_ZLIB_CONFIG_H

#include <string.h>

#define Z_SOLO
#define NO_GZIP
#define HAVE_MEMCPY
#define Z_PREFIX

#if defined(__clang__)
#pragma clang diagnostic ignored "-Wimplicit-fallthrough"
#pragma clang diagnostic ignored "-Wunused-parameter"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

#endif
