/*
 * pvm.h — the C ABI of the pvm engine (libpvm.so / libpvm.a).
 *
 * An exactly conformant interpreter of the JAM Polkadot Virtual Machine (Gray Paper
 * appendix A, version 0.8.0, as PolkaVM 0.37's JamV1 instruction set implements it), with
 * a switch for GP 0.7 programs. This header is kept by hand; a test checks that every
 * function declared here is exported by libpvm.so and that libpvm.so exports nothing else.
 *
 * Link: cc app.c -Ipath/to/include path/to/libpvm.a -lpthread -ldl -lm
 *   or: cc app.c -Ipath/to/include -Lpath/to/lib -lpvm
 *
 * ---------------------------------------------------------------------------------------
 * Ownership and lifetimes
 * ---------------------------------------------------------------------------------------
 *  - A pvm_vm_t is created by one of the pvm_create* functions and owned by the caller
 *    until pvm_destroy. Every input buffer (code, bitmask, jump table, blob, program,
 *    argument data, RAM data) is copied before the call returns: the caller keeps
 *    ownership and may free it at once.
 *  - Pointers returned by the library point into the VM and are never freed by the
 *    caller: pvm_get_registers (valid until pvm_destroy; the contents change as the VM
 *    runs), pvm_memory_ptr (valid until the VM runs again, its pages are remapped, or it
 *    is destroyed), pvm_last_error (valid until the next call on that VM). pvm_version
 *    returns a static string.
 *  - A VM is not thread-safe: use one VM from one thread at a time. Different VMs are
 *    fully independent and may run on different threads at the same time.
 *  - pvm_destroy takes the VM back: once it returns (from the VM's own host callback:
 *    once that callback returns) the pointer is dangling, and passing it to any function
 *    of this API, pvm_destroy included, is undefined behaviour. The same holds for any
 *    pointer that did not come from a pvm_create* function. The library checks only for
 *    NULL and a tag word at the start of the VM: it cannot recognise a dangling pointer
 *    (checking would read freed memory). As a debugging aid pvm_destroy overwrites the tag
 *    with a poison value; while the freed memory still holds it, a debug build of the
 *    library aborts with a message on such a call, and valgrind or ASan report it.
 *
 * ---------------------------------------------------------------------------------------
 * Loaded modules and the program cache (start the same program many times)
 * ---------------------------------------------------------------------------------------
 *  A pvm_module_t is a program parsed and validated once, with its memory image: every
 *  VM made from it by pvm_create_from_module shares its code and the blocks prepared so
 *  far, and costs only the memory set-up (microseconds, whatever the program's size).
 *  A pvm_cache_t keeps modules by code hash (blake2b-256 of the program bytes, as JAM
 *  names code), program format and GP version, bounded in bytes (pvm_module_footprint),
 *  least recently used evicted first.
 *
 *  Ownership:
 *  - A pvm_module_t* is one reference to a reference-counted module. pvm_module_load,
 *    pvm_module_clone and pvm_cache_load each return a new reference, which the caller
 *    owns and frees exactly once with pvm_module_free. The module lives until its last
 *    reference is freed and the last VM made from it is destroyed: a VM keeps its module
 *    alive, so a module reference may be freed right after pvm_create_from_module.
 *  - A module returned by pvm_cache_load is independent of the cache: it stays valid
 *    after its entry is evicted, after pvm_cache_clear and after pvm_cache_free.
 *  - A pvm_cache_t from pvm_cache_new is owned by the caller until pvm_cache_free, which
 *    drops the cache's own references only.
 *  - Input bytes are copied (or only hashed, on a cache hit); the caller keeps them.
 *  - As for VMs, a freed module or cache pointer is dangling (undefined behaviour; the
 *    library checks NULL and a tag word, and a debug build aborts on the poisoned tag).
 *
 *  Thread-safety:
 *  - Modules are immutable and thread-safe: any number of threads may use one module
 *    (create VMs from it, look up exports, read its counters) at the same time, and the
 *    VMs of one module may run on different threads at once (blocks prepared lazily by
 *    one are synchronised for all). pvm_module_free of one reference may race with uses
 *    of other references to the same module, not with uses of the reference being freed.
 *  - A cache is thread-safe: pvm_cache_load, pvm_cache_stats and pvm_cache_clear may be
 *    called from several threads at once (loads of different programs do not wait for
 *    each other; two threads missing on the same program both load it and get the same
 *    module back). pvm_cache_free must not race with any other use of that cache.
 *  - A VM is not: one thread at a time per pvm_vm_t, as above.
 *
 *  Errors: the module and cache functions that fail return NULL, -1 or 0 as documented
 *  and keep the message for pvm_last_error(NULL) on the calling thread.
 *
 * ---------------------------------------------------------------------------------------
 * Why pvm_vm_t is opaque
 * ---------------------------------------------------------------------------------------
 *  The proposal this API follows exposed `struct VM` with its fields (registers, pc, gas,
 *  region pointers). We do not: the engine pre-decodes the program, keeps guest memory in
 *  one 4 GiB reservation with a per-page access table, and tracks whether the current
 *  basic block's gas is paid; none of that can be kept consistent if callers write fields
 *  directly, and a public layout would freeze the engine's internals into the ABI. Every
 *  field the proposal exposed has an accessor below; pvm_get_registers and
 *  pvm_memory_ptr give zero-copy access where speed matters.
 *
 * ---------------------------------------------------------------------------------------
 * Execution and exits
 * ---------------------------------------------------------------------------------------
 *  pvm_execute(vm, entry, is_child) sets pc = entry, charges the entry basic block's gas
 *  and runs. Gas is charged per basic block as the engine does (GP 0.8 pipeline model, or
 *  one per instruction for GP 0.7): out-of-gas leaves the gas unchanged at the block that
 *  could not be paid. An `ecalli` costs only its block; the host function charges its
 *  own gas (pvm_set_gas) if the protocol requires it.
 *
 *    engine exit                   pvm_result_t            machine state   result code
 *    halt (jump to 0xFFFF0000)     PVM_RESULT_OK           PVM_HALT        PVM_WORKDIGEST_OK
 *    out of gas                    PVM_RESULT_OOG          PVM_OOG         PVM_WORKDIGEST_OOG
 *    panic (trap, bad jump, ...)   PVM_RESULT_PANIC        PVM_PANIC       PVM_WORKDIGEST_PANIC
 *    page fault                    PVM_RESULT_PANIC        PVM_FAULT       PVM_WORKDIGEST_PANIC
 *    ecalli, child or no callback  PVM_RESULT_HOST_CALL    PVM_HOST        PVM_WORKDIGEST_OK
 *    callback -> TERMINATE         PVM_RESULT_OK           PVM_HALT        PVM_WORKDIGEST_OK
 *    callback -> ERROR             PVM_RESULT_PANIC        PVM_PANIC       PVM_WORKDIGEST_PANIC
 *    misuse / internal error       PVM_RESULT_ERROR        (unchanged)     (unchanged)
 *
 *  A page fault is reported as PVM_RESULT_PANIC because pvm_result_t has no fault code and
 *  a fault ends a top-level invocation like a panic (GP: the outer Psi treats F as panic).
 *  Tell them apart with pvm_get_machine_state (PVM_FAULT) and pvm_get_fault_address. A
 *  fault is resumable: map the page and call pvm_resume, which re-executes the faulting
 *  instruction (without charging its block again). Likewise after PVM_RESULT_OOG:
 *  pvm_set_gas, then pvm_resume retries the block. After a host-call exit, pvm_resume
 *  continues after the `ecalli`. After a halt or panic pvm_resume reports the same
 *  result again; pvm_execute starts a new invocation at any entry point.
 *
 *  pc after an exit is the instruction that caused it (for out-of-gas, the start of the
 *  block that could not be paid), as in the conformance vectors.
 *
 * ---------------------------------------------------------------------------------------
 * Host calls
 * ---------------------------------------------------------------------------------------
 *  With a callback set (pvm_set_host_callback) and is_child == 0, every `ecalli n` calls
 *  callback(vm, n) on the calling thread while pvm_execute/pvm_resume is in progress. The
 *  callback may use every function of this API on `vm` (registers, gas, RAM, pc, ...),
 *  and may create, run and destroy other VMs. It must not call pvm_execute/pvm_resume on
 *  the same `vm` (they return PVM_RESULT_ERROR). If it calls pvm_destroy(vm) on its own
 *  VM, the VM is freed once the callback returns and the run returns PVM_RESULT_ERROR.
 *  Return PVM_HOST_CONTINUE to resume after the `ecalli`, PVM_HOST_TERMINATE to stop the
 *  VM as halted, PVM_HOST_ERROR (or any other value) to stop it as panicked.
 *
 *  Without a callback, or with is_child != 0 ("child VM" mode), `ecalli n` returns
 *  PVM_RESULT_HOST_CALL from pvm_execute/pvm_resume; pvm_get_host_func_id gives n. Serve
 *  the call, then pvm_resume.
 *
 * ---------------------------------------------------------------------------------------
 * Guest memory
 * ---------------------------------------------------------------------------------------
 *  The 32-bit address space is made of 4 KiB pages, each inaccessible, read-only or
 *  read-write; the low 64 KiB can never be mapped. A new VM has nothing mapped (the blob
 *  and raw-part constructors) or the layout of its program format (standard program,
 *  .polkavm). Host reads need readable pages. Host writes need writable pages, except
 *  before the first pvm_execute, when any mapped page can be written (to load read-only
 *  data). A failed host access changes nothing.
 *
 * ---------------------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------------------------
 *  No function aborts or unwinds into C (the one exception is the debug-build check for a
 *  destroyed VM above, which is undefined behaviour anyway). A NULL vm makes every function
 *  return a neutral value (0, NULL, PVM_RESULT_ERROR, -1) or do nothing. Invalid
 *  arguments return the documented failure value and store a message for
 *  pvm_last_error(vm). A constructor that returns NULL stores its message for
 *  pvm_last_error(NULL) on the calling thread.
 *
 * ---------------------------------------------------------------------------------------
 * Gray Paper version
 * ---------------------------------------------------------------------------------------
 *  VMs follow GP 0.8.0 (PolkaVM JamV1 opcodes, pipeline gas, whole-program validation)
 *  unless created by a pvm_create*_ex function with PVM_FLAG_GP_0_7 (old opcode numbers,
 *  one gas per instruction, implicit trap past the end of the code). The version is fixed
 *  for the VM's lifetime.
 *
 * ---------------------------------------------------------------------------------------
 * Engines
 * ---------------------------------------------------------------------------------------
 *  A VM runs on one of two engines, chosen at creation and fixed for its lifetime: the
 *  interpreter (every platform) or the recompiler (the program compiled to x86-64 machine
 *  code, once per program; x86-64 Linux). Both give the same exits, pc, registers, memory,
 *  gas and page-fault addresses; everything in this header works the same on both, except
 *  tracing (pvm_set_tracing), which needs the interpreter.
 *
 *  The default engine is the recompiler where it is supported (pvm_engine_supported:
 *  x86-64 Linux on a CPU with popcnt, lzcnt and bmi1) and the interpreter elsewhere. The
 *  functions without flags, the _ex functions without an engine flag, and the seed-004
 *  names of pvm_compat.h use it. A VM on the default engine can still be traced: while
 *  tracing is on, its runs take the interpreter (pvm_get_engine keeps reporting the
 *  recompiler). A program the recompiler cannot compile (beyond its size limits) makes
 *  creation on the default engine fail, as it would with the recompiler named. The
 *  environment variable PVM_DEFAULT_ENGINE=interpreter (read once per process) makes the
 *  interpreter the default, e.g. under valgrind, where every recompiler VM costs seconds
 *  (its 4 GiB of guest address space changes protection); named engines are unaffected.
 *
 *  Name an engine with one flag of a pvm_create*_ex function (or
 *  pvm_create_from_polkavm_ex / pvm_create_from_module_ex):
 *    PVM_FLAG_ENGINE_INTERPRETER   the interpreter, whatever the default;
 *    PVM_FLAG_ENGINE_RECOMPILER    the recompiler; where it is not supported, or for a
 *                                  program beyond its limits, creation fails with NULL and
 *                                  a message for pvm_last_error(NULL): there is no silent
 *                                  fallback. Such a VM refuses tracing.
 *  Both flags at once make creation fail. pvm_get_engine tells which engine a VM runs on.
 */
#ifndef PVM_H
#define PVM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================================== */
/* Constants                                                                             */
/* ===================================================================================== */

/*
 * Versions. PVM_VERSION is the release (the workspace version of the Rust sources, the
 * same in the CLI and every binding); pvm_version() returns the library's, which starts
 * with it. PVM_ABI_VERSION is the C ABI's number: it changes whenever a program compiled
 * against an older pvm.h could misbehave with a newer library (a function removed or its
 * signature or semantics changed, a constant or enum value changed); additions keep it.
 * The shared library's SONAME is libpvm.so.<PVM_ABI_VERSION>, so the dynamic loader refuses
 * a library of another ABI. Compare pvm_abi_version() with PVM_ABI_VERSION to check the
 * library a program was loaded with. A test checks these against the Rust crate's version.
 */
#define PVM_VERSION_MAJOR 0
#define PVM_VERSION_MINOR 1
#define PVM_VERSION_PATCH 0
#define PVM_VERSION "0.1.0"
#define PVM_ABI_VERSION 1


/** Number of registers. */
#define PVM_REG_SIZE 13
/** Z_P: the page size. */
#define PVM_Z_P (1 << 12)
/** Z_A: the dynamic jump alignment factor. */
#define PVM_Z_A 2
/** Z_Q: as in the proposal (2^16). */
#define PVM_Z_Q (1 << 16)
/** Z_I: the largest argument data of a standard program (16 MiB). */
#define PVM_Z_I (1 << 24)
/** Z_Z: the zone size separating standard-program regions (64 KiB). */
#define PVM_Z_Z (1 << 16)
/** W_X, M, V: protocol sizes kept from the proposal. */
#define PVM_W_X 1024
#define PVM_M 128
#define PVM_V 1023
/** The dynamic jump address that halts the machine. */
#define PVM_HALT_ADDRESS 0xFFFF0000u

/*
 * Host-call result codes, written to a register by host functions (GP 0.8 appendix B).
 * Registers are 64-bit since GP 0.5, so these are 2^64 - k; the proposal's 2^32 - k are
 * the older 32-bit values. PVM_OOB is also what pvm_write_ram_bytes* return on failure.
 */
#define PVM_OK   ((uint64_t)0)
#define PVM_NONE ((uint64_t)0xFFFFFFFFFFFFFFFFull) /* 2^64 - 1: item does not exist */
#define PVM_WHAT ((uint64_t)0xFFFFFFFFFFFFFFFEull) /* 2^64 - 2: name unknown */
#define PVM_OOB  ((uint64_t)0xFFFFFFFFFFFFFFFDull) /* 2^64 - 3: memory not accessible */
#define PVM_WHO  ((uint64_t)0xFFFFFFFFFFFFFFFCull) /* 2^64 - 4: index unknown */
#define PVM_FULL ((uint64_t)0xFFFFFFFFFFFFFFFBull) /* 2^64 - 5: storage full */
#define PVM_CORE ((uint64_t)0xFFFFFFFFFFFFFFFAull) /* 2^64 - 6: core index unknown */
#define PVM_CASH ((uint64_t)0xFFFFFFFFFFFFFFF9ull) /* 2^64 - 7: insufficient funds */
#define PVM_LOW  ((uint64_t)0xFFFFFFFFFFFFFFF8ull) /* 2^64 - 8: gas limit too low */
#define PVM_HUH  ((uint64_t)0xFFFFFFFFFFFFFFF7ull) /* 2^64 - 9: already solicited / cannot forget */

/* Machine states (pvm_get_machine_state); the inner-invocation codes of GP's `invoke`. */
#define PVM_HALT  0
#define PVM_PANIC 1
#define PVM_FAULT 2
#define PVM_HOST  3
#define PVM_OOG   4

/* Work-digest (work result) codes (pvm_get_result_code). */
#define PVM_WORKDIGEST_OK         0
#define PVM_WORKDIGEST_OOG        1
#define PVM_WORKDIGEST_PANIC      2
#define PVM_WORKDIGEST_BAD_EXPORT 3
#define PVM_WORKDIGEST_OVERSIZE   4
#define PVM_WORKDIGEST_BAD        5
#define PVM_WORKDIGEST_BIG        6

/* Page access rights (pvm_map_pages). PVM_ACCESS_WRITE implies read. */
#define PVM_ACCESS_NONE  0
#define PVM_ACCESS_READ  1
#define PVM_ACCESS_WRITE 2

/* Creation flags (pvm_create*_ex). Without an engine flag a VM runs on the default engine:
 * the recompiler where it is supported, else the interpreter (see "Engines"). */
#define PVM_FLAG_GP_0_7 1u             /* GP 0.7 rules instead of GP 0.8.0 */
#define PVM_FLAG_ENGINE_RECOMPILER 2u  /* run on the recompiler (see "Engines") */
#define PVM_FLAG_ENGINE_INTERPRETER 4u /* run on the interpreter (see "Engines") */

/** The engine a VM runs on (pvm_get_engine, pvm_engine_supported). */
typedef enum {
    PVM_ENGINE_INTERPRETER = 0, /* the interpreter: every platform; the default elsewhere */
    PVM_ENGINE_RECOMPILER = 1   /* x86-64 machine code: x86-64 Linux, the default there */
} pvm_engine_t;

/** What pvm_execute and pvm_resume return. */
typedef enum {
    PVM_RESULT_OK = 0,        /* halted */
    PVM_RESULT_OOG = 1,       /* out of gas */
    PVM_RESULT_PANIC = 2,     /* panicked, or page fault (machine state PVM_FAULT) */
    PVM_RESULT_HOST_CALL = 3, /* ecalli without callback / in child mode */
    PVM_RESULT_ERROR = 4      /* API misuse or internal error: see pvm_last_error */
} pvm_result_t;

/** What a host callback returns. */
typedef enum {
    PVM_HOST_CONTINUE = 0,  /* resume after the ecalli */
    PVM_HOST_TERMINATE = 1, /* stop as halted */
    PVM_HOST_ERROR = 2      /* stop as panicked */
} pvm_host_result_t;

/** An opaque VM handle (see "Why pvm_vm_t is opaque" above). */
typedef struct pvm_vm pvm_vm_t;

/** A host function: called at every `ecalli func_id` (see "Host calls" above). */
typedef pvm_host_result_t (*pvm_host_callback_t)(pvm_vm_t* vm, int func_id);

/* ===================================================================================== */
/* Lifecycle                                                                             */
/* ===================================================================================== */

/**
 * Creates a VM from a program's parts (GP 0.8): `code` (code_len bytes), the packed
 * opcode bitmask (one bit per code byte, LSB first, exactly ceil(code_len / 8) bytes, as
 * in the program blob) and the jump table (code offsets). `initial_regs` points to 13
 * registers, or is NULL for zeros. Nothing is mapped. Returns NULL (see
 * pvm_last_error(NULL)) if an argument is NULL with a nonzero length or the program is
 * invalid.
 */
pvm_vm_t* pvm_create(uint32_t service_index,
                     const uint8_t* code, size_t code_len,
                     const uint64_t* initial_regs,
                     const uint8_t* bitmask, size_t bitmask_len,
                     const uint32_t* jump_table, size_t jump_table_len,
                     uint64_t initial_gas);

/** pvm_create with creation flags (PVM_FLAG_GP_0_7 and at most one of
 * PVM_FLAG_ENGINE_INTERPRETER, PVM_FLAG_ENGINE_RECOMPILER; unknown bits or both engine
 * flags make it fail, and so does the recompiler where it is not supported). */
pvm_vm_t* pvm_create_ex(uint32_t service_index,
                        const uint8_t* code, size_t code_len,
                        const uint64_t* initial_regs,
                        const uint8_t* bitmask, size_t bitmask_len,
                        const uint32_t* jump_table, size_t jump_table_len,
                        uint64_t initial_gas, uint32_t flags);

/**
 * Creates a VM from a raw program blob (GP A.2 `deblob`: jump table, code, bitmask), as
 * in the conformance vectors. Registers are zero, nothing is mapped.
 */
pvm_vm_t* pvm_create_from_blob(uint32_t service_index, const uint8_t* blob, size_t blob_len,
                               uint64_t initial_gas);

/** pvm_create_from_blob with creation flags. */
pvm_vm_t* pvm_create_from_blob_ex(uint32_t service_index, const uint8_t* blob,
                                  size_t blob_len, uint64_t initial_gas, uint32_t flags);

/**
 * Creates a VM from a JAM standard program and its argument data (GP A.7, Y(p, a)): RO
 * data, RW data + heap, stack and arguments mapped, r0 = the halt address, r1 = the stack
 * top, r7 = the argument address, r8 = the argument length, heap pointer set. Run it with
 * pvm_execute(vm, entry, 0) (entry 0 for refine, 5 for accumulate, ...).
 */
pvm_vm_t* pvm_create_from_standard(uint32_t service_index,
                                   const uint8_t* program, size_t program_len,
                                   const uint8_t* args, size_t args_len,
                                   uint64_t initial_gas);

/** pvm_create_from_standard with creation flags. */
pvm_vm_t* pvm_create_from_standard_ex(uint32_t service_index,
                                      const uint8_t* program, size_t program_len,
                                      const uint8_t* args, size_t args_len,
                                      uint64_t initial_gas, uint32_t flags);

/**
 * Creates a VM from a PolkaVM `.polkavm` program (always GP 0.8): RO data, RW data and
 * stack mapped as PolkaVM 0.37 lays them out. Call an export with pvm_find_export,
 * pvm_prepare_call and pvm_execute.
 */
pvm_vm_t* pvm_create_from_polkavm(uint32_t service_index, const uint8_t* bytes, size_t len,
                                  uint64_t initial_gas);

/** pvm_create_from_polkavm with creation flags: an engine flag only (PVM_FLAG_GP_0_7
 * makes it fail: a .polkavm program is always GP 0.8). */
pvm_vm_t* pvm_create_from_polkavm_ex(uint32_t service_index, const uint8_t* bytes,
                                     size_t len, uint64_t initial_gas, uint32_t flags);

/** 1 if `engine` (a pvm_engine_t) can run on this platform, else 0. */
int pvm_engine_supported(int engine);

/**
 * The code offset of the `.polkavm` export `name` (NUL-terminated), or -1 if there is no
 * such export (or the VM was not made by pvm_create_from_polkavm).
 */
int64_t pvm_find_export(pvm_vm_t* vm, const char* name);

/**
 * Prepares a call of the function at `pc` the way PolkaVM does: registers cleared,
 * r0 = the halt address (so returning halts), r1 = the stack top, `args` (at most 9) in
 * r7..r12 then r2..r4. Then pvm_execute(vm, pc, ...). Returns 0, or -1 on failure.
 */
int pvm_prepare_call(pvm_vm_t* vm, uint32_t pc, const uint64_t* args, size_t nargs);

/**
 * Destroys a VM and frees everything it owns. NULL is ignored. Called from the VM's own
 * host callback, the VM is freed when the callback returns (see "Host calls"). Afterwards
 * `vm` is dangling: using it again, or destroying it twice, is undefined behaviour (see
 * "Ownership and lifetimes").
 */
void pvm_destroy(pvm_vm_t* vm);

/** The library version, e.g. "0.1.0 (GP 0.8.0, JamV1)": PVM_VERSION of the header it was
 * built with, then the Gray Paper version; a static string. */
const char* pvm_version(void);

/** The library's C ABI version: PVM_ABI_VERSION of the header it was built with. */
uint32_t pvm_abi_version(void);

/* ===================================================================================== */
/* Loaded modules and the program cache (see "Loaded modules and the program cache")      */
/* ===================================================================================== */

/* Program formats (pvm_module_load, pvm_cache_load). */
#define PVM_FORMAT_RAW      0 /* a raw program blob (GP A.2), as pvm_create_from_blob */
#define PVM_FORMAT_STANDARD 1 /* a JAM standard program (GP A.7), as pvm_create_from_standard */
#define PVM_FORMAT_POLKAVM  2 /* a PolkaVM .polkavm program, as pvm_create_from_polkavm */

/** A loaded program: an opaque, reference-counted, thread-safe handle. */
typedef struct pvm_module pvm_module_t;

/** A cache of loaded programs by code hash: opaque, thread-safe. */
typedef struct pvm_cache pvm_cache_t;

/** What pvm_cache_stats reports. */
typedef struct {
    size_t entries;     /* modules held */
    size_t bytes;       /* sum of their footprints */
    size_t max_bytes;   /* the bound given to pvm_cache_new */
    uint64_t hits;      /* loads answered from the cache */
    uint64_t misses;    /* loads that parsed the program */
    uint64_t evictions; /* modules dropped to make room */
} pvm_cache_stats_t;

/**
 * Parses and validates `bytes` (len bytes) in `format` (PVM_FORMAT_*) once, with the
 * creation flags of the pvm_create*_ex functions (PVM_FLAG_GP_0_7; not with
 * PVM_FORMAT_POLKAVM, which is always GP 0.8; the engine is chosen per VM, by
 * pvm_create_from_module_ex, so the engine flags are refused here). Returns a new module
 * reference (free it with pvm_module_free), or NULL (see pvm_last_error(NULL)) for an
 * invalid program, format or flag, or NULL bytes with a nonzero length.
 */
pvm_module_t* pvm_module_load(int format, const uint8_t* bytes, size_t len, uint32_t flags);

/** A new reference to the same module (free each with pvm_module_free); NULL if `module`
 * is not a live module. */
pvm_module_t* pvm_module_clone(const pvm_module_t* module);

/** Frees one module reference. NULL is ignored. The module itself lives on while other
 * references or VMs made from it exist. */
void pvm_module_free(pvm_module_t* module);

/** The code offset of the .polkavm export `name` (NUL-terminated), or -1 (no such
 * export, not a .polkavm module, or a bad argument; see pvm_last_error(NULL)). */
int64_t pvm_module_find_export(const pvm_module_t* module, const char* name);

/** The number of basic blocks of the module's code (0 for a bad pointer). */
size_t pvm_module_block_count(const pvm_module_t* module);

/** The number of basic blocks prepared so far (blocks are prepared the first time any VM
 * of the module enters them): shows which code has run. 0 for a bad pointer. */
size_t pvm_module_prepared_blocks(const pvm_module_t* module);

/** Bytes the module keeps (code, tables, data): what a cache counts. 0 for a bad pointer. */
size_t pvm_module_footprint(const pvm_module_t* module);

/**
 * Creates a VM from a loaded module with `initial_gas`, as the constructor of the
 * module's format would: a raw blob with nothing mapped; a standard program with its
 * GP A.7 image and argument data `args` (args_len bytes; ignored by the other formats);
 * a .polkavm program with its data and stack mapped and its exports (pvm_find_export).
 * The VM keeps the module alive. Returns NULL (see pvm_last_error(NULL)) if `module` is
 * not a live module or the arguments are too large.
 */
pvm_vm_t* pvm_create_from_module(uint32_t service_index, const pvm_module_t* module,
                                 const uint8_t* args, size_t args_len,
                                 uint64_t initial_gas);

/** pvm_create_from_module with creation flags: an engine flag only (the GP version was
 * fixed by pvm_module_load, so PVM_FLAG_GP_0_7 makes it fail). The machine code is
 * compiled once per module, by its first recompiler VM (named or default), and shared by
 * all the others. */
pvm_vm_t* pvm_create_from_module_ex(uint32_t service_index, const pvm_module_t* module,
                                    const uint8_t* args, size_t args_len,
                                    uint64_t initial_gas, uint32_t flags);

/** A new, empty cache holding modules of at most `max_bytes` in total (free it with
 * pvm_cache_free). A module larger than the bound is loaded but not kept. */
pvm_cache_t* pvm_cache_new(size_t max_bytes);

/**
 * The module for `bytes` in `format` under the GP version `flags` select (as
 * pvm_module_load): from the cache if it holds the same code hash, format and version,
 * else loaded and remembered (evicting least recently used modules to stay within the
 * bound). `code_hash` is the 32-byte blake2b-256 of `bytes` if the caller knows it (it
 * is trusted: a wrong hash makes later loads of that hash return this module), or NULL
 * to have it computed. Returns a new module reference (free it with pvm_module_free), or
 * NULL (see pvm_last_error(NULL)); load errors are not cached.
 */
pvm_module_t* pvm_cache_load(pvm_cache_t* cache, int format, const uint8_t* bytes, size_t len,
                             const uint8_t* code_hash, uint32_t flags);

/** Writes the cache's counters to *out. Returns 0, or -1 for a bad pointer. */
int pvm_cache_stats(const pvm_cache_t* cache, pvm_cache_stats_t* out);

/** Drops every cached module (modules referenced elsewhere stay alive); the hit, miss
 * and eviction counters are kept. */
void pvm_cache_clear(pvm_cache_t* cache);

/** Frees the cache (NULL is ignored). Modules it returned stay valid. */
void pvm_cache_free(pvm_cache_t* cache);

/* ===================================================================================== */
/* Execution                                                                             */
/* ===================================================================================== */

/**
 * Sets pc = entry_point and runs until an exit (see the table above). `is_child != 0`
 * makes every ecalli exit with PVM_RESULT_HOST_CALL instead of calling the callback; the
 * mode stays in force for pvm_resume.
 */
pvm_result_t pvm_execute(pvm_vm_t* vm, uint32_t entry_point, uint32_t is_child);

/**
 * Continues after the last exit: after an ecalli, after a page fault (retries the
 * instruction) or after out-of-gas (retries the block). PVM_RESULT_ERROR if pvm_execute
 * was never called.
 */
pvm_result_t pvm_resume(pvm_vm_t* vm);

/**
 * Completes the pending host call (after PVM_RESULT_HOST_CALL) as a callback returning
 * `answer` would: PVM_HOST_CONTINUE runs on after the `ecalli` (as pvm_resume),
 * PVM_HOST_TERMINATE stops the VM as halted (returns PVM_RESULT_OK), PVM_HOST_ERROR or any
 * other value stops it as panicked (PVM_RESULT_PANIC). PVM_RESULT_ERROR if no host call
 * is pending. Lets a binding serve host calls in its own loop (exit mode) with the
 * callback's semantics, which is cheaper than a callback where calls into the binding's
 * language are expensive (cgo).
 */
pvm_result_t pvm_resume_host(pvm_vm_t* vm, int answer);

/** Sets (or, with NULL, removes) the host callback. */
void pvm_set_host_callback(pvm_vm_t* vm, pvm_host_callback_t callback);

/**
 * The id of the most recent ecalli (the immediate; ids >= 2^31 come out negative, cast
 * to uint32_t), or -1 if none has run yet.
 */
int pvm_get_host_func_id(pvm_vm_t* vm);

/** The machine state after the last run: PVM_HALT (also before any run) ... PVM_OOG. */
uint8_t pvm_get_machine_state(pvm_vm_t* vm);

/** The work-digest code of the machine state: PVM_WORKDIGEST_OK, _OOG or _PANIC. */
int pvm_get_result_code(pvm_vm_t* vm);

/**
 * 1 if the last run stopped the machine (halt, panic, page fault, out of gas), 0 before
 * the first run and while a host call is pending. pvm_resume can still continue after a
 * fault or out-of-gas.
 */
int pvm_is_terminated(pvm_vm_t* vm);

/** The current pc: after an exit, the instruction that caused it. */
uint32_t pvm_get_pc(pvm_vm_t* vm);

/** The (page-aligned) address of the last page fault, 0 if none. */
uint32_t pvm_get_fault_address(pvm_vm_t* vm);

/** Gas left. */
uint64_t pvm_get_gas(pvm_vm_t* vm);

/** Sets the gas left. */
void pvm_set_gas(pvm_vm_t* vm, uint64_t gas);

/** The service index given at creation. */
uint32_t pvm_get_service_index(pvm_vm_t* vm);

/* ===================================================================================== */
/* Registers                                                                             */
/* ===================================================================================== */

/** Sets register `index` (0..12); another index does nothing and sets the last error. */
void pvm_set_register(pvm_vm_t* vm, int index, uint64_t value);

/** Register `index` (0..12); 0 (and the last error set) for another index. */
uint64_t pvm_get_register(pvm_vm_t* vm, int index);

/**
 * The 13 registers, read-only and zero-copy: valid until pvm_destroy; the contents change
 * as the VM runs and as registers are set. Use pvm_set_register to write.
 */
const uint64_t* pvm_get_registers(pvm_vm_t* vm);

/* ===================================================================================== */
/* Memory                                                                                */
/* ===================================================================================== */

/**
 * Maps the proposal's four regions, each [addr, end) rounded out to whole pages: RW data
 * read-write, RO data read-only, output read-write, stack read-write (applied in the
 * order RO, RW, output, stack, so a page shared by two regions gets the later right). An
 * empty range (end <= addr) maps nothing. Pages already mapped keep their contents; new
 * pages read as zero. A range touching the low 64 KiB is skipped and sets the last error.
 */
void pvm_set_memory_bounds(pvm_vm_t* vm,
                           uint32_t rw_addr, uint32_t rw_end,
                           uint32_t ro_addr, uint32_t ro_end,
                           uint32_t output_addr, uint32_t output_end,
                           uint32_t stack_addr, uint32_t stack_end);

/**
 * Sets the access of [address, address + length) rounded out to whole pages:
 * PVM_ACCESS_NONE unmaps (and zeroes), READ / WRITE map. Pages that stay mapped keep their
 * contents; newly mapped pages read as zero. Returns 0, or -1 (nothing changed) for an
 * invalid access value or a range touching the low 64 KiB or past 4 GiB.
 */
int pvm_map_pages(pvm_vm_t* vm, uint32_t address, uint32_t length, int access);

/** Sets the heap pointer (the end of the RW data + heap; GP 0.7 `sbrk` grows it). */
void pvm_set_heap_pointer(pvm_vm_t* vm, uint32_t pointer);

/** The heap pointer. */
uint32_t pvm_get_heap_pointer(pvm_vm_t* vm);

/* Writes (little-endian): 0 on success, PVM_OOB if any byte is not writable (nothing is
 * written then). `data` may be NULL only when `length` is 0. */
uint64_t pvm_write_ram_bytes_8(pvm_vm_t* vm, uint32_t address, uint8_t data);
uint64_t pvm_write_ram_bytes_16(pvm_vm_t* vm, uint32_t address, uint16_t data);
uint64_t pvm_write_ram_bytes_32(pvm_vm_t* vm, uint32_t address, uint32_t data);
uint64_t pvm_write_ram_bytes_64(pvm_vm_t* vm, uint32_t address, uint64_t data);
uint64_t pvm_write_ram_bytes(pvm_vm_t* vm, uint32_t address, const uint8_t* data,
                             uint32_t length);

/* Reads (little-endian): the value, and *error_code = 0; or 0 and *error_code = 1 if any
 * byte is not readable. `error_code` may be NULL. */
uint8_t pvm_read_ram_bytes_8(pvm_vm_t* vm, uint32_t address, int* error_code);
uint16_t pvm_read_ram_bytes_16(pvm_vm_t* vm, uint32_t address, int* error_code);
uint32_t pvm_read_ram_bytes_32(pvm_vm_t* vm, uint32_t address, int* error_code);
uint64_t pvm_read_ram_bytes_64(pvm_vm_t* vm, uint32_t address, int* error_code);

/** Reads `length` bytes into `buffer`: 0 on success, PVM_OOB on failure (buffer
 * untouched); *error_code (if not NULL) is 0 or 1 accordingly. */
uint64_t pvm_read_ram_bytes(pvm_vm_t* vm, uint32_t address, uint8_t* buffer, uint32_t length,
                            int* error_code);

/**
 * Zero-copy access: a pointer to guest memory [address, address + length) if every byte
 * is readable (and writable when `writable` != 0), else NULL. Guest memory is one flat
 * region, so any such range is contiguous. `length` must be > 0. Valid until the VM runs
 * again, the pages are remapped, or the VM is destroyed; inside a host callback it may be
 * used until the callback returns. A writable pointer obeys the guest's rights even
 * before the first run (use pvm_write_ram_bytes to load read-only data).
 */
uint8_t* pvm_memory_ptr(pvm_vm_t* vm, uint32_t address, uint32_t length, int writable);

/* ===================================================================================== */
/* Diagnostics                                                                           */
/* ===================================================================================== */

/** Logging: one line per exit and host call on stderr. */
void pvm_set_logging(pvm_vm_t* vm, int enable);

/**
 * Tracing: one line per executed instruction on stderr, as `pvm trace` prints: pc,
 * instruction, changed registers, gas left. Tracing needs the interpreter: a VM on the
 * default engine runs on the interpreter while tracing is on (same results); on a VM
 * created with PVM_FLAG_ENGINE_RECOMPILER, enabling it changes nothing and stores a
 * message for pvm_last_error(vm) (logging works on both engines).
 */
void pvm_set_tracing(pvm_vm_t* vm, int enable);

/** The engine `vm` runs on (a pvm_engine_t), or -1 for NULL. */
int pvm_get_engine(pvm_vm_t* vm);

/**
 * The message of the most recent failure on `vm` ("" if none), or with vm == NULL the
 * reason the last pvm_create* (or pvm_module_* / pvm_cache_* function) on this thread
 * failed. Never NULL. Valid until the next call on that VM (or the next such failure on
 * this thread).
 */
const char* pvm_last_error(pvm_vm_t* vm);

/* ===================================================================================== */
/* User data                                                                             */
/* ===================================================================================== */

/** Attaches an arbitrary pointer to the VM (for bindings; the library never reads it). */
void pvm_set_user_data(pvm_vm_t* vm, void* data);

/** The pointer given to pvm_set_user_data, NULL by default. */
void* pvm_get_user_data(pvm_vm_t* vm);

#ifdef __cplusplus
}
#endif

#endif /* PVM_H */
