/*
 * zlib.c - deflate + inflate round trip with zlib 1.3.2 (third_party/zlib,
 * zlib licence, unmodified). This file compiles zutil.c, adler32.c, trees.c,
 * deflate.c and inflate.c; zlib_inftrees.c and zlib_inffast.c the rest.
 * Configuration in zlib_config.h. Allocations come from a static bump arena,
 * reset per call.
 */
#include "pvm_guest.h"
#include "zlib_config.h"

#include "../third_party/zlib/zutil.c"
#include "../third_party/zlib/adler32.c"
#include "../third_party/zlib/trees.c"
#include "../third_party/zlib/deflate.c"
#include "../third_party/zlib/inflate.c"

#undef MIN /* deflate.c's; common.h defines its own */
#include "gen.h"

#define ZLIB_BENCH_MAX (2u * 1024u * 1024u)
#define ZLIB_COMPRESSED_CAP (ZLIB_BENCH_MAX + ZLIB_BENCH_MAX / 8u + 1024u)
#define ZLIB_ARENA_SIZE (512u * 1024u)

static uint8_t input[ZLIB_BENCH_MAX];
static uint8_t compressed[ZLIB_COMPRESSED_CAP];
static uint8_t output[ZLIB_BENCH_MAX];

static uint8_t arena[ZLIB_ARENA_SIZE] __attribute__((aligned(16)));
static size_t arena_used;

/* zalloc: zeroed 16-byte-aligned memory from the arena, NULL when it is full. */
static voidpf arena_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    size_t bytes = ((size_t)items * size + 15u) & ~(size_t)15u;
    if (bytes > ZLIB_ARENA_SIZE - arena_used)
        return Z_NULL;
    uint8_t *p = arena + arena_used;
    arena_used += bytes;
    memset(p, 0, bytes);
    return p;
}

/* zfree: the arena is reset as a whole at the start of every call. */
static void arena_free(voidpf opaque, voidpf ptr)
{
    (void)opaque;
    (void)ptr;
}

/*
 * zlib_deflate(n): n (clamped to 2 MiB) bytes of generated text, compressed
 * in one deflate(Z_FINISH) call at level 6 (zlib's default: 32 KiB window,
 * memLevel 8) and decompressed with one inflate(Z_FINISH). Returns a checksum
 * of the compressed bytes, the decompressed bytes and the Adler-32; values
 * near all ones mark a zlib error.
 */
PVM_EXPORT(zlib_deflate, 1)
uint64_t zlib_deflate(uint64_t n)
{
    if (n > ZLIB_BENCH_MAX)
        n = ZLIB_BENCH_MAX;
    gen_text(input, n, 0x7a6c6962u);
    arena_used = 0;

    z_stream s;
    memset(&s, 0, sizeof s);
    s.zalloc = arena_alloc;
    s.zfree = arena_free;
    if (deflateInit(&s, 6) != Z_OK)
        return ~0ull;
    s.next_in = input;
    s.avail_in = (uInt)n;
    s.next_out = compressed;
    s.avail_out = (uInt)sizeof compressed;
    if (deflate(&s, Z_FINISH) != Z_STREAM_END)
        return ~0ull - 1;
    size_t csize = s.total_out;
    if (deflateEnd(&s) != Z_OK)
        return ~0ull - 2;

    memset(&s, 0, sizeof s);
    s.zalloc = arena_alloc;
    s.zfree = arena_free;
    if (inflateInit(&s) != Z_OK)
        return ~0ull - 3;
    s.next_in = compressed;
    s.avail_in = (uInt)csize;
    s.next_out = output;
    s.avail_out = (uInt)sizeof output;
    if (inflate(&s, Z_FINISH) != Z_STREAM_END || s.total_out != n)
        return ~0ull - 4;
    uint64_t adler = s.adler;
    if (inflateEnd(&s) != Z_OK)
        return ~0ull - 5;

    uint64_t h = checksum_bytes(FNV64_OFFSET, compressed, csize);
    h = checksum_bytes(h, output, n);
    return fnv_mix64(h, adler);
}
