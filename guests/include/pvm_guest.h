/*
 * pvm_guest.h - minimal C support for writing PolkaVM / JAM (JamV1) guest
 * programs with clang, without Rust or polkavm-derive.
 *
 * The polkavm-linker (0.37) does not look at ELF symbols to find a
 * program's entry points or host calls. It reads two special sections:
 *
 *   .polkavm_metadata  - "extern metadata" records (one per export/import)
 *   .polkavm_exports   - one record per exported function
 *
 * and, for host calls, a special custom-0 RISC-V instruction in the code.
 * The macros below emit exactly the byte layout the linker parses (the same
 * layout that polkavm-derive 0.37's #[polkavm_export] / #[polkavm_import]
 * generate for Rust guests).
 *
 * ---------------------------------------------------------------------
 * Extern metadata record (in .polkavm_metadata, packed, little endian):
 *
 *   offset size field
 *   0      1    version        1 for exports, 2 for imports
 *   1      4    flags          must be 0
 *   5      4    symbol_length  length in bytes of the symbol name
 *   9      8    symbol         absolute pointer to the name bytes
 *                              (the linker reads the R_RISCV_64 relocation,
 *                              not the stored value)
 *   17     1    input_regs     number of argument registers used (a0..a5)
 *   18     1    output_regs    number of result registers (a0, a1)
 *   -- version 2 only:
 *   19     1    has_index      1 if an explicit host-call index follows
 *   20     4    index          the ecalli index (used if has_index != 0)
 *
 * Export record (in .polkavm_exports, flags "Ra" = retained + alloc, rv64):
 *
 *   offset size content
 *   0      1    version = 1
 *   1      8    "auipc zero, %pcrel_hi(METADATA)" + 4 zero bytes
 *   9      8    "auipc zero, %pcrel_hi(FUNCTION)" + 4 zero bytes
 *
 *   The two 8-byte slots are pointer-sized placeholders; the linker only
 *   uses the R_RISCV_PCREL_HI20 relocations attached to them (it treats a
 *   PCREL_HI20 relocation inside .polkavm_exports as an absolute pointer).
 *   A PC-relative relocation is used so that no text relocation is needed
 *   in a read-only section of a position-independent link.
 *
 * Host call (inside code):
 *
 *   .insn r 0xb, 0, 0, zero, zero, zero   ; custom-0, funct3=0: "ecalli"
 *   auipc zero, %pcrel_hi(METADATA)       ; + 4 zero bytes (8 byte slot)
 *
 *   The linker replaces these 12 bytes with a PolkaVM `ecalli N`, where N is
 *   the explicit index from the metadata or, without one, the position of
 *   the import's symbol among all used imports sorted by name.  The host
 *   may clobber t0-t2 and a0-a5; results come back in a0 (and a1).
 *
 * Minimum stack size (in .polkavm_min_stack_size, flags "R"): a 4-byte
 * little-endian value; the linker uses the maximum of all such values
 * (rounded up to a page).  The linker's default is 8 KiB.
 * ---------------------------------------------------------------------
 *
 * Usage:
 *
 *   #include "pvm_guest.h"
 *
 *   PVM_EXPORT(fib, 1)
 *   uint64_t fib(uint64_t n) { ... }
 *
 *   PVM_IMPORT2(host_add)            // uint64_t host_add(uint64_t, uint64_t)
 *   PVM_MIN_STACK_SIZE(65536)
 *
 * PVM_EXPORT(name, n_in) must directly precede the definition of a function
 * called `name` taking n_in (0..6) uint64_t arguments and returning uint64_t.
 * It expands to file-scope assembly plus attributes for the function (own
 * section, kept, not inlined, hidden visibility).
 *
 * When compiled for anything other than RISC-V with the E extension (e.g. the
 * native x86-64 reference build) the macros degrade gracefully: exports are
 * plain external functions and imports become extern declarations that the
 * native driver must define.
 */
#ifndef PVM_GUEST_H
#define PVM_GUEST_H

#include <stdint.h>
#include <stddef.h>

#define PVM_STR_(x) #x
#define PVM_STR(x) PVM_STR_(x)

#if defined(__riscv) && defined(__riscv_e) && (__riscv_xlen == 64)
#define PVM_TARGET 1
#else
#define PVM_TARGET 0
#endif

#if PVM_TARGET

/* Emit the metadata record `label` for symbol `name`. */
#define PVM_METADATA_V1_(label, name, n_in, n_out)                           \
    ".pushsection .polkavm_metadata,\"aw\",@progbits\n"                       \
    label "_name:\n"                                                          \
    "  .ascii \"" name "\"\n"                                                 \
    label ":\n"                                                               \
    "  .byte 1\n"                                        /* version      */   \
    "  .4byte 0\n"                                       /* flags        */   \
    "  .4byte " label " - " label "_name\n"              /* symbol len   */   \
    "  .8byte " label "_name\n"                          /* symbol ptr   */   \
    "  .byte " PVM_STR(n_in) "\n"                        /* input regs   */   \
    "  .byte " PVM_STR(n_out) "\n"                       /* output regs  */   \
    ".popsection\n"

#define PVM_METADATA_V2_(label, name, n_in, n_out, has_index, index)         \
    ".pushsection .polkavm_metadata,\"aw\",@progbits\n"                       \
    label "_name:\n"                                                          \
    "  .ascii \"" name "\"\n"                                                 \
    label ":\n"                                                               \
    "  .byte 2\n"                                        /* version      */   \
    "  .4byte 0\n"                                       /* flags        */   \
    "  .4byte " label " - " label "_name\n"              /* symbol len   */   \
    "  .8byte " label "_name\n"                          /* symbol ptr   */   \
    "  .byte " PVM_STR(n_in) "\n"                        /* input regs   */   \
    "  .byte " PVM_STR(n_out) "\n"                       /* output regs  */   \
    "  .byte " PVM_STR(has_index) "\n"                   /* has_index    */   \
    "  .4byte " PVM_STR(index) "\n"                      /* index        */   \
    ".popsection\n"

/*
 * Export `name` (n_in uint64_t arguments, one uint64_t result).
 * Follow it with the function definition.
 */
#define PVM_EXPORT(name, n_in) PVM_EXPORT_EX(name, n_in, 1)

/* Same, with an explicit number of result registers (0, 1 or 2). */
#define PVM_EXPORT_EX(name, n_in, n_out)                                     \
    __asm__(                                                                  \
        PVM_METADATA_V1_("__pvm_export_meta_" #name, #name, n_in, n_out)     \
        ".pushsection .polkavm_exports,\"Ra\",@note\n"                        \
        "  .byte 1\n"                                                         \
        "  auipc zero, %pcrel_hi(__pvm_export_meta_" #name ")\n"              \
        "  .4byte 0\n"                                                        \
        "  auipc zero, %pcrel_hi(" #name ")\n"                                \
        "  .4byte 0\n"                                                        \
        ".popsection\n");                                                     \
    __attribute__((used, noinline, visibility("hidden"),                      \
                   section(".text.polkavm_export." #name)))

/*
 * Raw host call: index/metadata given by `label`, six argument registers,
 * returns a0.  Internal; use PVM_IMPORTn below.
 */
#define PVM_IMPORT_RAW_(name, n_in, has_index, index)                        \
    __asm__(PVM_METADATA_V2_("__pvm_import_meta_" #name, #name, n_in, 1,     \
                             has_index, index));                              \
    static inline __attribute__((always_inline)) uint64_t                     \
    pvm_hostcall_##name(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3,   \
                        uint64_t x4, uint64_t x5)                             \
    {                                                                         \
        register uint64_t a0 __asm__("a0") = x0;                              \
        register uint64_t a1 __asm__("a1") = x1;                              \
        register uint64_t a2 __asm__("a2") = x2;                              \
        register uint64_t a3 __asm__("a3") = x3;                              \
        register uint64_t a4 __asm__("a4") = x4;                              \
        register uint64_t a5 __asm__("a5") = x5;                              \
        __asm__ volatile(                                                     \
            ".insn r 0xb, 0, 0, zero, zero, zero\n"                           \
            "auipc zero, %%pcrel_hi(__pvm_import_meta_" #name ")\n"           \
            ".4byte 0\n"                                                      \
            : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5)      \
            :                                                                 \
            : "t0", "t1", "t2", "memory");                                    \
        return a0;                                                            \
    }

#define PVM_IMPORT_DECL_(name, n_in, has_index, index)                       \
    PVM_IMPORT_RAW_(name, n_in, has_index, index)

#define PVM_MIN_STACK_SIZE(bytes)                                             \
    __asm__(".pushsection .polkavm_min_stack_size,\"R\",@note\n"             \
            "  .4byte " PVM_STR(bytes) "\n"                                   \
            ".popsection\n");

#else /* !PVM_TARGET: native reference build */

#define PVM_EXPORT(name, n_in)
#define PVM_EXPORT_EX(name, n_in, n_out)
#define PVM_IMPORT_DECL_(name, n_in, has_index, index)
#define PVM_MIN_STACK_SIZE(bytes)

#endif

/*
 * Imports: PVM_IMPORTn(name) makes `uint64_t name(...)` with n uint64_t
 * arguments available; the import's symbol is "name" and the linker picks
 * the ecalli index.  PVM_IMPORTn_AT(name, index) pins the ecalli index.
 * Natively, these just declare an extern function.
 */
#if PVM_TARGET
#define PVM_IMPORT_WRAP_(name, n, params, args, has_index, index)            \
    PVM_IMPORT_DECL_(name, n, has_index, index)                               \
    static inline uint64_t name params { return pvm_hostcall_##name args; }
#else
#define PVM_IMPORT_WRAP_(name, n, params, args, has_index, index)            \
    extern uint64_t name params;
#endif

#define PVM_IMPORT0_AT(name, idx) PVM_IMPORT_WRAP_(name, 0, (void), (0, 0, 0, 0, 0, 0), 1, idx)
#define PVM_IMPORT1_AT(name, idx) PVM_IMPORT_WRAP_(name, 1, (uint64_t a), (a, 0, 0, 0, 0, 0), 1, idx)
#define PVM_IMPORT2_AT(name, idx) PVM_IMPORT_WRAP_(name, 2, (uint64_t a, uint64_t b), (a, b, 0, 0, 0, 0), 1, idx)
#define PVM_IMPORT3_AT(name, idx) PVM_IMPORT_WRAP_(name, 3, (uint64_t a, uint64_t b, uint64_t c), (a, b, c, 0, 0, 0), 1, idx)
#define PVM_IMPORT4_AT(name, idx) PVM_IMPORT_WRAP_(name, 4, (uint64_t a, uint64_t b, uint64_t c, uint64_t d), (a, b, c, d, 0, 0), 1, idx)

#define PVM_IMPORT0(name) PVM_IMPORT_WRAP_(name, 0, (void), (0, 0, 0, 0, 0, 0), 0, 0)
#define PVM_IMPORT1(name) PVM_IMPORT_WRAP_(name, 1, (uint64_t a), (a, 0, 0, 0, 0, 0), 0, 0)
#define PVM_IMPORT2(name) PVM_IMPORT_WRAP_(name, 2, (uint64_t a, uint64_t b), (a, b, 0, 0, 0, 0), 0, 0)
#define PVM_IMPORT3(name) PVM_IMPORT_WRAP_(name, 3, (uint64_t a, uint64_t b, uint64_t c), (a, b, c, 0, 0, 0), 0, 0)
#define PVM_IMPORT4(name) PVM_IMPORT_WRAP_(name, 4, (uint64_t a, uint64_t b, uint64_t c, uint64_t d), (a, b, c, d, 0, 0), 0, 0)

#endif /* PVM_GUEST_H */
