/*
 * polkavm_export.h - write PolkaVM (polkavm-linker 0.37, JamV1) guest programs in C.
 *
 * This reproduces, in plain C + assembler, what the `polkavm-derive` 0.37 Rust
 * macros (`#[polkavm_export]`, `#[polkavm_import]`, `min_stack_size!`) emit, so
 * that `polkavm_linker::program_from_elf(Config::default(), TargetInstructionSet::JamV1, elf)`
 * accepts an ELF built by clang.
 *
 * Build (clang/lld 19, RV64E, PIE-style shared object with relocations kept):
 *
 *   clang-19 --target=riscv64-unknown-none-elf -march=rv64emac_zbb -mabi=lp64e \
 *     -mno-relax -O2 -g -ffreestanding -fno-builtin -nostdlib -fPIC -fvisibility=hidden \
 *     -fno-exceptions -fno-asynchronous-unwind-tables -fno-unwind-tables \
 *     -fuse-ld=lld -Wl,-shared \
 *     -Wl,--emit-relocs -Wl,--unique -Wl,--apply-dynamic-relocs \
 *     -Wl,--no-allow-shlib-undefined -Wl,-Bsymbolic \
 *     prog.c -o prog.elf
 *
 * Notes: clang's bare-metal driver silently drops a plain `-shared`, so it must be
 * passed to lld as `-Wl,-shared` (same as Rust's cdylib for the polkavm target).
 * `-mno-relax` makes clang pass `--no-relax` to lld itself. `-g` is optional: with
 * it the linker adds debug-info sections (ids 128..130) to the blob.
 * then link `prog.elf` with polkavm-linker into a `.polkavm` blob.
 * The program must be self-contained: no libc (no memcpy/memset calls unless
 * you define them yourself).
 *
 * On-disk layouts (all little-endian, packed, no padding; pointers are 8 bytes
 * on RV64 and are resolved by polkavm-linker through their ELF relocations,
 * the bytes written in place are ignored):
 *
 *   .polkavm_exports entry (17 bytes, one per export):
 *       u8  version = 1
 *       [8] pointer to the extern metadata   -- `auipc zero, %pcrel_hi(META)` + `.4byte 0`
 *       [8] pointer to the function's code   -- `auipc zero, %pcrel_hi(FN)`   + `.4byte 0`
 *     (an R_RISCV_PCREL_HI20 relocation in .polkavm_exports is treated by the
 *      linker as an absolute 64-bit pointer to its target)
 *
 *   extern metadata V1 (exports), 19 bytes, in .polkavm_metadata:
 *       u8  version = 1
 *       u32 flags = 0
 *       u32 symbol_length           (bytes of the name, no NUL)
 *       u64 symbol pointer          (R_RISCV_64 relocation to the name bytes)
 *       u8  input_regs              (number of argument registers used, 0..=6)
 *       u8  output_regs             (number of result registers, 0..=2)
 *
 *   extern metadata V2 (imports), 24 bytes, in .polkavm_metadata:
 *       V1 fields with version = 2, then
 *       u8  has_index               (1: `index` is the ecalli number)
 *       u32 index
 *
 *   an import call site, inside code:
 *       .insn r 0xb, 0, 0, zero, zero, zero     (4 bytes: ecalli marker)
 *       auipc zero, %pcrel_hi(META_V2)          (4 bytes) + .4byte 0  (8-byte pointer slot)
 *     arguments in a0..a5, results in a0 (and a1); the linker assumes
 *     t0-t2 and a0-a5 are clobbered.
 *
 *   .polkavm_min_stack_size: one u32 per use; the largest wins (rounded up to
 *     4 KiB by the linker; the linker's default minimum is 8 KiB).
 *
 * Integer arguments `nin`/`nout`/`index`/`size` must be plain integer literals
 * (they are pasted into assembler text).
 */
#ifndef POLKAVM_EXPORT_H
#define POLKAVM_EXPORT_H

#include <stdint.h>

/*
 * POLKAVM_EXPORT(ret, name, (params), nin, nout) { body }
 *
 * Defines a function `name` and registers it as a PolkaVM export called "name".
 * Example:  POLKAVM_EXPORT(uint64_t, add, (uint64_t a, uint64_t b), 2, 1) { return a + b; }
 */
#define POLKAVM_EXPORT(ret, name, params, nin, nout)                                   \
    __asm__(".pushsection .polkavm_metadata,\"aw\",@progbits\n"                      \
            "__polkavm_export_symbol_" #name ":\n"                                   \
            ".ascii \"" #name "\"\n"                                                 \
            "__polkavm_export_symbol_end_" #name ":\n"                               \
            "__polkavm_export_metadata_" #name ":\n"                                 \
            ".byte 1\n"                                                              \
            ".4byte 0\n"                                                             \
            ".4byte __polkavm_export_symbol_end_" #name                              \
            " - __polkavm_export_symbol_" #name "\n"                                 \
            ".8byte __polkavm_export_symbol_" #name "\n"                             \
            ".byte " #nin "\n"                                                       \
            ".byte " #nout "\n"                                                      \
            ".popsection\n"                                                          \
            ".pushsection .polkavm_exports,\"Ra\",@note\n"                           \
            ".byte 1\n"                                                              \
            "auipc zero, %pcrel_hi(__polkavm_export_metadata_" #name ")\n"           \
            ".4byte 0\n"                                                             \
            "auipc zero, %pcrel_hi(" #name ")\n"                                     \
            ".4byte 0\n"                                                             \
            ".popsection\n");                                                        \
    __attribute__((used, noinline, visibility("hidden"))) ret name params

/*
 * POLKAVM_IMPORT(name, index, nin, nout)
 *
 * Declares a host function called "name" with ecalli number `index` and defines
 *   static inline uint64_t name(uint64_t a0, uint64_t a1, uint64_t a2,
 *                               uint64_t a3, uint64_t a4, uint64_t a5);
 * which performs `ecalli index` and returns a0. Pass 0 for unused arguments.
 * (Use at file scope, once per import.)
 */
#define POLKAVM_IMPORT(name, index, nin, nout)                                          \
    __asm__(".pushsection .polkavm_metadata,\"aw\",@progbits\n"                      \
            "__polkavm_import_symbol_" #name ":\n"                                   \
            ".ascii \"" #name "\"\n"                                                 \
            "__polkavm_import_symbol_end_" #name ":\n"                               \
            "__polkavm_import_metadata_" #name ":\n"                                 \
            ".byte 2\n"                                                              \
            ".4byte 0\n"                                                             \
            ".4byte __polkavm_import_symbol_end_" #name                              \
            " - __polkavm_import_symbol_" #name "\n"                                 \
            ".8byte __polkavm_import_symbol_" #name "\n"                             \
            ".byte " #nin "\n"                                                       \
            ".byte " #nout "\n"                                                      \
            ".byte 1\n"                                                              \
            ".4byte " #index "\n"                                                    \
            ".popsection\n");                                                        \
    static inline __attribute__((always_inline)) uint64_t name(                       \
        uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) \
    {                                                                                \
        register uint64_t r_a0 __asm__("a0") = a0;                                   \
        register uint64_t r_a1 __asm__("a1") = a1;                                   \
        register uint64_t r_a2 __asm__("a2") = a2;                                   \
        register uint64_t r_a3 __asm__("a3") = a3;                                   \
        register uint64_t r_a4 __asm__("a4") = a4;                                   \
        register uint64_t r_a5 __asm__("a5") = a5;                                   \
        __asm__ volatile(".insn r 0xb, 0, 0, zero, zero, zero\n"                     \
                         "auipc zero, %%pcrel_hi(__polkavm_import_metadata_" #name ")\n" \
                         ".4byte 0\n"                                                \
                         : "+r"(r_a0), "+r"(r_a1), "+r"(r_a2), "+r"(r_a3),           \
                           "+r"(r_a4), "+r"(r_a5)                                    \
                         :                                                           \
                         : "t0", "t1", "t2", "memory");                              \
        return r_a0;                                                                 \
    }

/* POLKAVM_MIN_STACK_SIZE(bytes): request at least `bytes` of stack (file scope). */
#define POLKAVM_MIN_STACK_SIZE(size)                                                    \
    __asm__(".pushsection .polkavm_min_stack_size,\"R\",@note\n"                     \
            ".4byte " #size "\n"                                                     \
            ".popsection\n")

#endif /* POLKAVM_EXPORT_H */
