/*
 * C tests of libpvm through pvm.h. Run by crates/pvm-ffi/tests/c_api.rs:
 *
 *   pvm_test vectors FILE [recompiler]
 *                               conformance vectors pre-converted to text by the Rust test,
 *                               on the interpreter (default) or the recompiler
 *   pvm_test hostcall POLKAVM   host functions in C (raw blob + guests/bin/hostcall.polkavm)
 *   pvm_test ram                RAM reads/writes at every width, faults, mapping
 *   pvm_test reentrancy         callbacks that create, run and destroy VMs
 *   pvm_test threads POLKAVM    VMs running on several threads at once
 *   pvm_test modules POLKAVM    loaded modules and the program cache, also from threads
 *   pvm_test garbage            NULL and invalid arguments
 *   pvm_test engine POLKAVM     the engine flags and the default engine: host calls, page
 *                               faults, modules and .polkavm programs on the recompiler,
 *                               tracing refused there when named, taken by the
 *                               interpreter on the default engine
 *   pvm_test trace              tracing/logging output (checked by the Rust test)
 *   pvm_test all FILE POLKAVM   everything above but trace, the vectors on both engines
 *                               (used under valgrind)
 *
 * Every check counts; the program prints "N checks, N failed" and exits 1 on failure.
 */
#include <pthread.h>

#include "test_util.h"

/* ------------------------------------------------------------------------------------- */
/* Conformance vectors                                                                   */
/* ------------------------------------------------------------------------------------- */

typedef struct {
    uint32_t address, length;
} region_t;

static uint8_t* read_hex(FILE* f, size_t n) {
    uint8_t* bytes = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        unsigned int b;
        if (fscanf(f, " %2x", &b) != 1) {
            free(bytes);
            return NULL;
        }
        bytes[i] = (uint8_t)b;
    }
    return bytes;
}

typedef struct {
    char status[32];
    uint64_t gas, pc, regs[PVM_REG_SIZE], extra;
} expect_t;

static const char* status_of(pvm_vm_t* vm, pvm_result_t r) {
    switch (r) {
    case PVM_RESULT_OK: return pvm_get_machine_state(vm) == PVM_HALT ? "halt" : "?ok";
    case PVM_RESULT_OOG: return pvm_get_machine_state(vm) == PVM_OOG ? "out-of-gas" : "?oog";
    case PVM_RESULT_PANIC:
        switch (pvm_get_machine_state(vm)) {
        case PVM_PANIC: return "panic";
        case PVM_FAULT: return "page-fault";
        default: return "?panic";
        }
    case PVM_RESULT_HOST_CALL: return pvm_get_machine_state(vm) == PVM_HOST ? "ecalli" : "?host";
    default: return "error";
    }
}

/* Compares the VM against one assert: status, pc, gas, registers, fault address / host
 * call id, and every byte of every mapped region against the expected image. */
static int check_assert(const char* name, pvm_vm_t* vm, pvm_result_t r, const expect_t* e,
                        const region_t* regions, int nregions, uint8_t** mem_data,
                        const uint32_t* mem_addr, const uint32_t* mem_len, int nmem) {
    int bad = 0;
    const char* status = status_of(vm, r);
    if (strcmp(status, e->status) != 0) {
        fprintf(stderr, "%s: status %s, expected %s (%s)\n", name, status, e->status,
                pvm_last_error(vm));
        bad = 1;
    }
    if (pvm_get_gas(vm) != e->gas) {
        fprintf(stderr, "%s: gas %" PRIu64 ", expected %" PRIu64 "\n", name, pvm_get_gas(vm), e->gas);
        bad = 1;
    }
    if (pvm_get_pc(vm) != e->pc) {
        fprintf(stderr, "%s: pc %u, expected %" PRIu64 "\n", name, pvm_get_pc(vm), e->pc);
        bad = 1;
    }
    const uint64_t* regs = pvm_get_registers(vm);
    for (int i = 0; i < PVM_REG_SIZE; i++) {
        if (regs[i] != e->regs[i] || pvm_get_register(vm, i) != e->regs[i]) {
            fprintf(stderr, "%s: r%d = %" PRIu64 ", expected %" PRIu64 "\n", name, i, regs[i], e->regs[i]);
            bad = 1;
        }
    }
    if (strcmp(e->status, "page-fault") == 0 && pvm_get_fault_address(vm) != e->extra) {
        fprintf(stderr, "%s: fault address %u, expected %" PRIu64 "\n", name, pvm_get_fault_address(vm), e->extra);
        bad = 1;
    }
    if (strcmp(e->status, "ecalli") == 0 && (uint64_t)(uint32_t)pvm_get_host_func_id(vm) != e->extra) {
        fprintf(stderr, "%s: host call %d, expected %" PRIu64 "\n", name, pvm_get_host_func_id(vm), e->extra);
        bad = 1;
    }
    /* Expected bytes outside every mapped region cannot exist. */
    for (int m = 0; m < nmem; m++) {
        for (uint32_t i = 0; i < mem_len[m]; i++) {
            uint32_t a = mem_addr[m] + i;
            int inside = 0;
            for (int k = 0; k < nregions; k++)
                if (a - regions[k].address < regions[k].length) inside = 1;
            if (!inside && mem_data[m][i] != 0) {
                fprintf(stderr, "%s: expected byte at %#x outside mapped memory\n", name, a);
                bad = 1;
            }
        }
    }
    for (int k = 0; k < nregions; k++) {
        uint32_t len = regions[k].length;
        uint8_t* want = calloc(len, 1);
        uint8_t* got = malloc(len);
        for (int m = 0; m < nmem; m++)
            for (uint32_t i = 0; i < mem_len[m]; i++) {
                uint32_t off = mem_addr[m] + i - regions[k].address;
                if (off < len) want[off] = mem_data[m][i];
            }
        int err = -1;
        uint64_t rc = pvm_read_ram_bytes(vm, regions[k].address, got, len, &err);
        if (rc != 0 || err != 0) {
            fprintf(stderr, "%s: cannot read region %#x: %s\n", name, regions[k].address, pvm_last_error(vm));
            bad = 1;
        } else if (memcmp(want, got, len) != 0) {
            for (uint32_t i = 0; i < len; i++)
                if (want[i] != got[i]) {
                    fprintf(stderr, "%s: memory at %#x is %u, expected %u\n", name,
                            regions[k].address + i, got[i], want[i]);
                    break;
                }
            bad = 1;
        }
        free(want);
        free(got);
    }
    return bad;
}

/* The engine a VM created with `flags` runs on: the one an engine flag names, else the
 * default (the recompiler where it is supported). */
/* The engine of VMs created without an engine flag: the recompiler where supported, unless
 * PVM_DEFAULT_ENGINE=interpreter (see pvm.h, "Engines"). */
static int default_engine(void) {
    const char* forced = getenv("PVM_DEFAULT_ENGINE");
    if (forced && !strcmp(forced, "interpreter")) return PVM_ENGINE_INTERPRETER;
    return pvm_engine_supported(PVM_ENGINE_RECOMPILER) ? PVM_ENGINE_RECOMPILER : PVM_ENGINE_INTERPRETER;
}

static int engine_of_flags(uint32_t flags) {
    if (flags & PVM_FLAG_ENGINE_INTERPRETER) return PVM_ENGINE_INTERPRETER;
    if (flags & PVM_FLAG_ENGINE_RECOMPILER) return PVM_ENGINE_RECOMPILER;
    return default_engine();
}

/* The text format written by c_api.rs, one vector after another:
 *   vector NAME / blob N HEX / code N HEX / bitmask N HEX / jumps N V... / gas G / pc P /
 *   create blob|parts / map A L W / setreg R V / write A N HEX / run /
 *   assert STATUS GAS PC R0..R12 EXTRA / mem A N HEX / check / end */
static int run_vectors(const char* path, uint32_t flags) {
    const int engine = engine_of_flags(flags);
    FILE* f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    int passed = 0, failed = 0;
    char word[64], name[256] = "";
    uint8_t *blob = NULL, *code = NULL, *bitmask = NULL;
    uint32_t* jumps = NULL;
    size_t blob_len = 0, code_len = 0, bitmask_len = 0, njumps = 0;
    uint64_t gas = 0, pc = 0;
    pvm_vm_t* vm = NULL;
    region_t regions[64];
    int nregions = 0, runs = 0, bad = 0;
    pvm_result_t last = PVM_RESULT_ERROR;
    expect_t e;
    uint8_t* mem_data[256];
    uint32_t mem_addr[256], mem_len[256];
    int nmem = 0;

    while (fscanf(f, "%63s", word) == 1) {
        if (!strcmp(word, "vector")) {
            if (fscanf(f, "%255s", name) != 1) break;
            bad = 0;
            nregions = 0;
            runs = 0;
        } else if (!strcmp(word, "blob")) {
            if (fscanf(f, "%zu", &blob_len) != 1) break;
            blob = read_hex(f, blob_len);
        } else if (!strcmp(word, "code")) {
            if (fscanf(f, "%zu", &code_len) != 1) break;
            code = read_hex(f, code_len);
        } else if (!strcmp(word, "bitmask")) {
            if (fscanf(f, "%zu", &bitmask_len) != 1) break;
            bitmask = read_hex(f, bitmask_len);
        } else if (!strcmp(word, "jumps")) {
            if (fscanf(f, "%zu", &njumps) != 1) break;
            jumps = malloc((njumps ? njumps : 1) * sizeof(uint32_t));
            for (size_t i = 0; i < njumps; i++)
                if (fscanf(f, "%" SCNu32, &jumps[i]) != 1) break;
        } else if (!strcmp(word, "gas")) {
            if (fscanf(f, "%" SCNu64, &gas) != 1) break;
        } else if (!strcmp(word, "pc")) {
            if (fscanf(f, "%" SCNu64, &pc) != 1) break;
        } else if (!strcmp(word, "create")) {
            char mode[16];
            if (fscanf(f, "%15s", mode) != 1) break;
            if (!strcmp(mode, "blob"))
                vm = pvm_create_from_blob_ex(7, blob, blob_len, gas, flags);
            else
                vm = pvm_create_ex(7, code, code_len, NULL, bitmask, bitmask_len, jumps, njumps, gas, flags);
            if (!vm) {
                fprintf(stderr, "%s: create failed: %s\n", name, pvm_last_error(NULL));
                bad = 1;
            } else if (pvm_get_engine(vm) != engine) {
                fprintf(stderr, "%s: runs on engine %d, expected %d\n", name, pvm_get_engine(vm), engine);
                bad = 1;
            }
        } else if (!strcmp(word, "map")) {
            uint32_t a, l;
            int w;
            if (fscanf(f, "%" SCNu32 " %" SCNu32 " %d", &a, &l, &w) != 3) break;
            if (vm && pvm_map_pages(vm, a, l, w ? PVM_ACCESS_WRITE : PVM_ACCESS_READ) != 0) {
                fprintf(stderr, "%s: map failed: %s\n", name, pvm_last_error(vm));
                bad = 1;
            }
            if (nregions < 64) {
                regions[nregions].address = a & ~(uint32_t)(PVM_Z_P - 1);
                regions[nregions].length = (uint32_t)((((uint64_t)a + l + PVM_Z_P - 1) & ~(uint64_t)(PVM_Z_P - 1)) - regions[nregions].address);
                nregions++;
            }
        } else if (!strcmp(word, "setreg")) {
            int r;
            uint64_t v;
            if (fscanf(f, "%d %" SCNu64, &r, &v) != 2) break;
            pvm_set_register(vm, r, v);
        } else if (!strcmp(word, "write")) {
            uint32_t a;
            size_t n;
            if (fscanf(f, "%" SCNu32 " %zu", &a, &n) != 2) break;
            uint8_t* data = read_hex(f, n);
            if (vm && pvm_write_ram_bytes(vm, a, data, (uint32_t)n) != 0) {
                fprintf(stderr, "%s: write failed: %s\n", name, pvm_last_error(vm));
                bad = 1;
            }
            free(data);
        } else if (!strcmp(word, "run")) {
            /* The first run starts at the initial pc; later runs resume. Alternate between
             * child mode and "no callback" for the host-call exits. */
            if (vm) last = runs++ == 0 ? pvm_execute(vm, (uint32_t)pc, (uint32_t)(passed & 1)) : pvm_resume(vm);
        } else if (!strcmp(word, "assert")) {
            if (fscanf(f, "%31s %" SCNu64 " %" SCNu64, e.status, &e.gas, &e.pc) != 3) break;
            for (int i = 0; i < PVM_REG_SIZE; i++)
                if (fscanf(f, "%" SCNu64, &e.regs[i]) != 1) break;
            if (fscanf(f, "%" SCNu64, &e.extra) != 1) break;
            nmem = 0;
        } else if (!strcmp(word, "mem")) {
            size_t n;
            if (fscanf(f, "%" SCNu32 " %zu", &mem_addr[nmem], &n) != 2) break;
            mem_len[nmem] = (uint32_t)n;
            mem_data[nmem] = read_hex(f, n);
            nmem++;
        } else if (!strcmp(word, "check")) {
            if (vm) bad |= check_assert(name, vm, last, &e, regions, nregions, mem_data, mem_addr, mem_len, nmem);
            for (int m = 0; m < nmem; m++) free(mem_data[m]);
            nmem = 0;
        } else if (!strcmp(word, "end")) {
            if (bad || !vm) {
                failed++;
                fprintf(stderr, "FAILED %s\n", name);
            } else {
                passed++;
            }
            pvm_destroy(vm);
            vm = NULL;
            free(blob);
            free(code);
            free(bitmask);
            free(jumps);
            blob = code = bitmask = NULL;
            jumps = NULL;
            blob_len = code_len = bitmask_len = njumps = 0;
        } else {
            fprintf(stderr, "bad vector file token %s\n", word);
            failed++;
            break;
        }
    }
    fclose(f);
    printf("vectors: %d passed, %d failed (%s)\n", passed, failed,
           engine == PVM_ENGINE_RECOMPILER ? "recompiler" : "interpreter");
    g_checks += passed + failed;
    g_failures += failed;
    if (passed < 20) {
        fprintf(stderr, "fewer than 20 vectors ran\n");
        g_failures++;
    }
    return failed;
}

/* ------------------------------------------------------------------------------------- */
/* Host calls                                                                            */
/* ------------------------------------------------------------------------------------- */

static int g_callback_calls;

/* Host function 1: sums the r8 bytes at guest address r7, writes sum * 1000 + id as a
 * u64 at r7 + 8, returns the sum in r7 and charges 10 gas. */
static pvm_host_result_t sum_host(pvm_vm_t* vm, int func_id) {
    g_callback_calls++;
    if (func_id != 1) return PVM_HOST_ERROR;
    uint32_t address = (uint32_t)pvm_get_register(vm, 7);
    uint32_t length = (uint32_t)pvm_get_register(vm, 8);
    uint8_t buffer[64];
    int err = -1;
    if (length > sizeof buffer || pvm_read_ram_bytes(vm, address, buffer, length, &err) != 0) {
        pvm_set_register(vm, 7, PVM_OOB);
        return PVM_HOST_CONTINUE;
    }
    uint64_t sum = 0;
    for (uint32_t i = 0; i < length; i++) sum += buffer[i];
    if (pvm_write_ram_bytes_64(vm, address + 8, sum * 1000 + (uint64_t)func_id) != 0) return PVM_HOST_ERROR;
    pvm_set_register(vm, 7, sum);
    pvm_set_gas(vm, pvm_get_gas(vm) - 10);
    return PVM_HOST_CONTINUE;
}

static pvm_host_result_t terminate_host(pvm_vm_t* vm, int func_id) {
    (void)vm;
    (void)func_id;
    g_callback_calls++;
    return PVM_HOST_TERMINATE;
}

static pvm_host_result_t error_host(pvm_vm_t* vm, int func_id) {
    (void)vm;
    (void)func_id;
    g_callback_calls++;
    return PVM_HOST_ERROR;
}

static pvm_host_result_t bogus_host(pvm_vm_t* vm, int func_id) {
    (void)vm;
    (void)func_id;
    return (pvm_host_result_t)7;
}

/* host_add of guests/hostcall.c: a0 = a0 + a1. */
static pvm_host_result_t add_host(pvm_vm_t* vm, int func_id) {
    if (func_id != 0) return PVM_HOST_ERROR;
    pvm_set_register(vm, 7, pvm_get_register(vm, 7) + pvm_get_register(vm, 8));
    return PVM_HOST_CONTINUE;
}

/* A VM running HOSTCALL_BLOB with 1,2,3,4 at 0x20000; r7 = 0x20000, r8 = 4. */
/* The host-call program on the engine `flags` select, with its data page mapped. */
static pvm_vm_t* hostcall_vm_ex(int from_parts, uint32_t flags) {
    uint64_t regs[PVM_REG_SIZE] = {PVM_HALT_ADDRESS, 0, 0, 0, 0, 0, 0, 0x20000, 4};
    pvm_vm_t* vm;
    if (from_parts) {
        vm = pvm_create_ex(1, HOSTCALL_CODE, sizeof HOSTCALL_CODE, regs, HOSTCALL_BITMASK,
                           sizeof HOSTCALL_BITMASK, NULL, 0, 1000, flags);
    } else {
        vm = pvm_create_from_blob_ex(1, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB, 1000, flags);
        for (int i = 0; i < PVM_REG_SIZE; i++) pvm_set_register(vm, i, regs[i]);
    }
    CHECK(vm != NULL);
    CHECK(pvm_map_pages(vm, 0x20000, PVM_Z_P, PVM_ACCESS_WRITE) == 0);
    const uint8_t data[4] = {1, 2, 3, 4};
    CHECK(pvm_write_ram_bytes(vm, 0x20000, data, 4) == 0);
    return vm;
}

static pvm_vm_t* hostcall_vm(int from_parts) { return hostcall_vm_ex(from_parts, 0); }

static void test_hostcall(const char* polkavm_path) {
    /* Callback mode, from the blob and from the parts. */
    for (int parts = 0; parts < 2; parts++) {
        pvm_vm_t* vm = hostcall_vm(parts);
        pvm_set_host_callback(vm, sum_host);
        g_callback_calls = 0;
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
        CHECK(g_callback_calls == 1);
        CHECK_EQ_U64(pvm_get_register(vm, 7), 10);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 10001); /* the guest loaded what the host wrote */
        CHECK_EQ_U64(pvm_read_ram_bytes_64(vm, 0x20008, NULL), 10001);
        CHECK_EQ_U64(pvm_get_gas(vm), 1000 - 100 - 10); /* block cost 100, host charged 10 */
        CHECK(pvm_get_machine_state(vm) == PVM_HALT);
        CHECK(pvm_get_result_code(vm) == PVM_WORKDIGEST_OK);
        CHECK(pvm_is_terminated(vm) == 1);
        CHECK(pvm_get_host_func_id(vm) == 1);
        CHECK(pvm_get_pc(vm) == 8);
        CHECK(pvm_get_service_index(vm) == 1);
        pvm_destroy(vm);
    }

    /* No callback: the exit goes to the caller, who serves it zero-copy, then resumes. */
    {
        pvm_vm_t* vm = hostcall_vm(0);
        CHECK(pvm_get_host_func_id(vm) == -1);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_HOST_CALL);
        CHECK(pvm_get_machine_state(vm) == PVM_HOST);
        CHECK(pvm_is_terminated(vm) == 0);
        CHECK(pvm_get_host_func_id(vm) == 1);
        CHECK(pvm_get_pc(vm) == 0);
        const uint8_t* in = pvm_memory_ptr(vm, 0x20000, 4, 0);
        uint8_t* out = pvm_memory_ptr(vm, 0x20008, 8, 1);
        CHECK(in != NULL && out != NULL);
        if (in && out) {
            uint64_t v = (uint64_t)(in[0] + in[1] + in[2] + in[3]) * 7;
            memcpy(out, &v, 8);
        }
        CHECK(pvm_resume(vm) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 70);
        /* A halted VM reports the halt again. */
        CHECK(pvm_resume(vm) == PVM_RESULT_OK);
        /* A new invocation re-runs from the entry point. */
        pvm_set_gas(vm, 500);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_HOST_CALL);
        CHECK_EQ_U64(pvm_get_gas(vm), 400);
        pvm_destroy(vm);
    }

    /* pvm_resume_host: the caller serves the exit with a callback's semantics. */
    {
        pvm_vm_t* vm = hostcall_vm(0);
        CHECK(pvm_resume_host(vm, PVM_HOST_CONTINUE) == PVM_RESULT_ERROR); /* not started */
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_HOST_CALL);
        CHECK(pvm_resume_host(vm, PVM_HOST_CONTINUE) == PVM_RESULT_OK);
        CHECK(pvm_get_machine_state(vm) == PVM_HALT);
        /* Nothing pending after the halt. */
        CHECK(pvm_resume_host(vm, PVM_HOST_CONTINUE) == PVM_RESULT_ERROR);
        CHECK(strstr(pvm_last_error(vm), "no host call is pending") != NULL);

        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_HOST_CALL);
        CHECK(pvm_resume_host(vm, PVM_HOST_TERMINATE) == PVM_RESULT_OK);
        CHECK(pvm_get_machine_state(vm) == PVM_HALT);
        CHECK(pvm_get_pc(vm) == 0); /* halted at the ecalli */
        CHECK_EQ_U64(pvm_get_register(vm, 9), 0);

        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_HOST_CALL);
        CHECK(pvm_resume_host(vm, PVM_HOST_ERROR) == PVM_RESULT_PANIC);
        CHECK(pvm_get_machine_state(vm) == PVM_PANIC);
        CHECK(pvm_get_result_code(vm) == PVM_WORKDIGEST_PANIC);
        CHECK(pvm_resume(vm) == PVM_RESULT_PANIC);

        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_HOST_CALL);
        CHECK(pvm_resume_host(vm, 77) == PVM_RESULT_PANIC); /* bogus answer = ERROR */
        CHECK(pvm_resume_host(NULL, PVM_HOST_CONTINUE) == PVM_RESULT_ERROR);
        pvm_destroy(vm);
    }

    /* Child mode: the callback is not called. */
    {
        pvm_vm_t* vm = hostcall_vm(0);
        pvm_set_host_callback(vm, sum_host);
        g_callback_calls = 0;
        CHECK(pvm_execute(vm, 0, 1) == PVM_RESULT_HOST_CALL);
        CHECK(g_callback_calls == 0);
        CHECK(pvm_resume(vm) == PVM_RESULT_OK);
        CHECK(g_callback_calls == 0);
        pvm_destroy(vm);
    }

    /* TERMINATE halts at the ecalli, ERROR panics there, a bogus answer counts as ERROR. */
    {
        pvm_vm_t* vm = hostcall_vm(0);
        pvm_set_host_callback(vm, terminate_host);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
        CHECK(pvm_get_machine_state(vm) == PVM_HALT);
        CHECK(pvm_is_terminated(vm) == 1);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 0);
        CHECK(pvm_resume(vm) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 0);

        pvm_set_host_callback(vm, error_host);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_PANIC);
        CHECK(pvm_get_machine_state(vm) == PVM_PANIC);
        CHECK(pvm_get_result_code(vm) == PVM_WORKDIGEST_PANIC);
        CHECK(pvm_resume(vm) == PVM_RESULT_PANIC);

        pvm_set_host_callback(vm, bogus_host);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_PANIC);
        CHECK(strstr(pvm_last_error(vm), "not a pvm_host_result_t") != NULL);

        pvm_set_host_callback(vm, NULL);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_HOST_CALL);
        pvm_destroy(vm);
    }

    /* Out of gas, then more gas and resume. */
    {
        pvm_vm_t* vm = hostcall_vm(0);
        pvm_set_host_callback(vm, sum_host);
        pvm_set_gas(vm, 99);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OOG);
        CHECK(pvm_get_machine_state(vm) == PVM_OOG);
        CHECK(pvm_get_result_code(vm) == PVM_WORKDIGEST_OOG);
        CHECK_EQ_U64(pvm_get_gas(vm), 99);
        pvm_set_gas(vm, 110);
        CHECK(pvm_resume(vm) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_gas(vm), 0);
        pvm_destroy(vm);
    }

    /* A real guest: guests/bin/hostcall.polkavm calls host_add (ecalli 0) in a loop. */
    if (polkavm_path) {
        size_t len = 0;
        uint8_t* bytes = read_file(polkavm_path, &len);
        CHECK(bytes != NULL);
        if (!bytes) return;
        pvm_vm_t* vm = pvm_create_from_polkavm(3, bytes, len, 100000000);
        free(bytes);
        CHECK(vm != NULL);
        if (!vm) return;
        int64_t pc = pvm_find_export(vm, "hostcall");
        CHECK(pc >= 0);
        CHECK(pvm_find_export(vm, "nope") == -1);
        CHECK(strstr(pvm_last_error(vm), "nope") != NULL);
        pvm_set_host_callback(vm, add_host);
        const uint64_t n10[1] = {10}, n10000[1] = {10000};
        CHECK(pvm_prepare_call(vm, (uint32_t)pc, n10, 1) == 0);
        CHECK(pvm_execute(vm, (uint32_t)pc, 0) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_register(vm, 7), 14759);
        CHECK(pvm_prepare_call(vm, (uint32_t)pc, n10000, 1) == 0);
        CHECK(pvm_execute(vm, (uint32_t)pc, 0) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_register(vm, 7), 1838007774129845683ull);
        pvm_destroy(vm);
    }
}

/* ------------------------------------------------------------------------------------- */
/* RAM                                                                                   */
/* ------------------------------------------------------------------------------------- */

/* 0: store_u64 [0x40000], r7 ; 6: jump_ind r0 */
static const uint8_t STORE_BLOB[] = {0, 0, 8, 62, 7, 0, 0, 4, 0, 50, 0, 0x41};

static void test_ram(void) {
    pvm_vm_t* vm = pvm_create_from_blob(0, STORE_BLOB, sizeof STORE_BLOB, 1000);
    CHECK(vm != NULL);
    int err = -1;

    /* Nothing is mapped yet. */
    CHECK(pvm_read_ram_bytes_8(vm, 0x20000, &err) == 0 && err == 1);
    CHECK(pvm_write_ram_bytes_8(vm, 0x20000, 1) == PVM_OOB);
    CHECK(strstr(pvm_last_error(vm), "0x20000") != NULL);

    CHECK(pvm_map_pages(vm, 0x20000, 2 * PVM_Z_P, PVM_ACCESS_WRITE) == 0);
    CHECK(pvm_map_pages(vm, 0x30000, 1, PVM_ACCESS_READ) == 0); /* rounded up to a page */

    /* Every width, little-endian. */
    CHECK(pvm_write_ram_bytes_8(vm, 0x20000, 0xAB) == PVM_OK);
    CHECK(pvm_write_ram_bytes_16(vm, 0x20010, 0xBEEF) == PVM_OK);
    CHECK(pvm_write_ram_bytes_32(vm, 0x20020, 0xDEADBEEFu) == PVM_OK);
    CHECK(pvm_write_ram_bytes_64(vm, 0x20030, 0x0102030405060708ull) == PVM_OK);
    const uint8_t bytes[5] = {9, 8, 7, 6, 5};
    CHECK(pvm_write_ram_bytes(vm, 0x20040, bytes, 5) == PVM_OK);
    err = -1;
    CHECK(pvm_read_ram_bytes_8(vm, 0x20000, &err) == 0xAB && err == 0);
    err = -1;
    CHECK(pvm_read_ram_bytes_16(vm, 0x20010, &err) == 0xBEEF && err == 0);
    err = -1;
    CHECK(pvm_read_ram_bytes_32(vm, 0x20020, &err) == 0xDEADBEEFu && err == 0);
    err = -1;
    CHECK(pvm_read_ram_bytes_64(vm, 0x20030, &err) == 0x0102030405060708ull && err == 0);
    CHECK(pvm_read_ram_bytes_8(vm, 0x20030, NULL) == 0x08);
    CHECK(pvm_read_ram_bytes_16(vm, 0x20021, NULL) == 0xADBE);
    uint8_t buffer[8] = {0};
    err = -1;
    CHECK(pvm_read_ram_bytes(vm, 0x20040, buffer, 5, &err) == 0 && err == 0);
    CHECK(memcmp(buffer, bytes, 5) == 0);

    /* Across a page boundary inside the mapping: fine. Into an unmapped page: OOB, and
     * nothing written. */
    CHECK(pvm_write_ram_bytes_64(vm, 0x20FFC, 0x1122334455667788ull) == PVM_OK);
    CHECK(pvm_read_ram_bytes_64(vm, 0x20FFC, NULL) == 0x1122334455667788ull);
    CHECK(pvm_write_ram_bytes_32(vm, 0x21FFE, 0xFFFFFFFFu) == PVM_OOB);
    CHECK(pvm_read_ram_bytes_16(vm, 0x21FFE, NULL) == 0);
    err = -1;
    CHECK(pvm_read_ram_bytes_32(vm, 0x21FFE, &err) == 0 && err == 1);
    memset(buffer, 0x5A, sizeof buffer);
    err = -1;
    CHECK(pvm_read_ram_bytes(vm, 0x21FFC, buffer, 8, &err) == PVM_OOB && err == 1);
    CHECK(buffer[0] == 0x5A); /* untouched */
    /* The low 64 KiB and the end of the address space. */
    CHECK(pvm_write_ram_bytes_64(vm, 0x100, 1) == PVM_OOB);
    err = -1;
    CHECK(pvm_read_ram_bytes_64(vm, 0xFFFFFFFCu, &err) == 0 && err == 1);
    /* NULL data with a length is refused; zero length is a no-op. */
    CHECK(pvm_write_ram_bytes(vm, 0x20000, NULL, 4) == PVM_OOB);
    CHECK(pvm_write_ram_bytes(vm, 0x20000, NULL, 0) == PVM_OK);
    CHECK(pvm_read_ram_bytes(vm, 0x20000, NULL, 4, NULL) == PVM_OOB);

    /* Before the first run, read-only pages can be loaded; afterwards they cannot. */
    CHECK(pvm_write_ram_bytes_32(vm, 0x30000, 0xCAFEBABEu) == PVM_OK);
    CHECK(pvm_memory_ptr(vm, 0x30000, 4, 1) == NULL); /* pointers always obey the rights */
    const uint8_t* ro = pvm_memory_ptr(vm, 0x30000, 4, 0);
    CHECK(ro != NULL && ro[0] == 0xBE && ro[3] == 0xCA);

    /* Run: the guest stores r7 to the unmapped page 0x40000 and faults. */
    pvm_set_register(vm, 0, PVM_HALT_ADDRESS);
    pvm_set_register(vm, 7, 0x0F0E0D0C0B0A0908ull);
    CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_PANIC);
    CHECK(pvm_get_machine_state(vm) == PVM_FAULT);
    CHECK(pvm_get_result_code(vm) == PVM_WORKDIGEST_PANIC);
    CHECK(pvm_get_fault_address(vm) == 0x40000);
    CHECK(pvm_is_terminated(vm) == 1);
    CHECK(pvm_get_pc(vm) == 0);
    CHECK_EQ_U64(pvm_get_gas(vm), 1000 - 25);
    CHECK(pvm_write_ram_bytes_32(vm, 0x30000, 0) == PVM_OOB); /* read-only now */
    CHECK(pvm_read_ram_bytes_32(vm, 0x30000, NULL) == 0xCAFEBABEu);
    /* Map the page and resume: the store is retried, its block not charged again. */
    CHECK(pvm_map_pages(vm, 0x40000, PVM_Z_P, PVM_ACCESS_WRITE) == 0);
    CHECK(pvm_resume(vm) == PVM_RESULT_OK);
    CHECK_EQ_U64(pvm_read_ram_bytes_64(vm, 0x40000, NULL), 0x0F0E0D0C0B0A0908ull);
    CHECK_EQ_U64(pvm_get_gas(vm), 1000 - 25);

    /* Zero-copy pointers: writes are seen by reads and vice versa. */
    uint8_t* p = pvm_memory_ptr(vm, 0x20FF0, 0x20, 1);
    CHECK(p != NULL);
    if (p) {
        p[0] = 0x77;
        p[0x1F] = 0x66;
    }
    CHECK(pvm_read_ram_bytes_8(vm, 0x20FF0, NULL) == 0x77);
    CHECK(pvm_read_ram_bytes_8(vm, 0x2100F, NULL) == 0x66);
    CHECK(pvm_memory_ptr(vm, 0x21FF0, 0x20, 0) == NULL); /* runs into an unmapped page */
    CHECK(pvm_memory_ptr(vm, 0x20000, 0, 0) == NULL);

    /* Unmapping forgets the contents; remapping reads zeros. */
    CHECK(pvm_map_pages(vm, 0x20000, PVM_Z_P, PVM_ACCESS_NONE) == 0);
    err = -1;
    CHECK(pvm_read_ram_bytes_8(vm, 0x20000, &err) == 0 && err == 1);
    CHECK(pvm_map_pages(vm, 0x20000, PVM_Z_P, PVM_ACCESS_READ) == 0);
    CHECK(pvm_read_ram_bytes_8(vm, 0x20000, NULL) == 0);
    /* Invalid mappings change nothing. */
    CHECK(pvm_map_pages(vm, 0x20000, PVM_Z_P, 3) == -1);
    CHECK(strstr(pvm_last_error(vm), "access") != NULL);
    CHECK(pvm_map_pages(vm, 0x1000, PVM_Z_P, PVM_ACCESS_WRITE) == -1);
    CHECK(pvm_map_pages(vm, 0xFFFFF000u, 2 * PVM_Z_P, PVM_ACCESS_WRITE) == -1);

    /* Heap pointer. */
    pvm_set_heap_pointer(vm, 0x23456);
    CHECK(pvm_get_heap_pointer(vm) == 0x23456);
    pvm_destroy(vm);

    /* pvm_set_memory_bounds: page-rounded regions with their rights, empty ones skipped. */
    vm = pvm_create_from_blob(0, STORE_BLOB, sizeof STORE_BLOB, 1000);
    pvm_set_memory_bounds(vm, 0x50010, 0x51001, /* rw: two pages */
                          0x60000, 0x60001,     /* ro: one page */
                          0x70000, 0x70000,     /* output: empty */
                          0x80000, 0x82000);    /* stack: two pages */
    CHECK(pvm_memory_ptr(vm, 0x50000, 2 * PVM_Z_P, 1) != NULL);
    CHECK(pvm_memory_ptr(vm, 0x60000, PVM_Z_P, 0) != NULL);
    CHECK(pvm_memory_ptr(vm, 0x60000, 1, 1) == NULL);
    CHECK(pvm_memory_ptr(vm, 0x61000, 1, 0) == NULL);
    CHECK(pvm_memory_ptr(vm, 0x70000, 1, 0) == NULL);
    CHECK(pvm_memory_ptr(vm, 0x80000, 2 * PVM_Z_P, 1) != NULL);
    CHECK(pvm_memory_ptr(vm, 0x82000, 1, 0) == NULL);
    /* A region in the low 64 KiB is refused (and reported); the others still map. */
    pvm_set_memory_bounds(vm, 0x1000, 0x2000, 0, 0, 0x90000, 0x90001, 0, 0);
    CHECK(strstr(pvm_last_error(vm), "low 64 KiB") != NULL);
    CHECK(pvm_memory_ptr(vm, 0x90000, 1, 1) != NULL);
    pvm_destroy(vm);
}

/* ------------------------------------------------------------------------------------- */
/* Re-entrancy                                                                           */
/* ------------------------------------------------------------------------------------- */

static pvm_host_result_t count_host(pvm_vm_t* vm, int func_id) {
    int* counter = pvm_get_user_data(vm);
    if (func_id != 7 || !counter) return PVM_HOST_ERROR;
    (*counter)++;
    return PVM_HOST_CONTINUE;
}

/* Runs LOOP_BLOB for `iterations` ecallis on a new VM; returns the count, or -1. */
static int run_loop_vm(uint64_t iterations) {
    pvm_vm_t* inner = pvm_create_from_blob(9, LOOP_BLOB, sizeof LOOP_BLOB, 100000000);
    if (!inner) return -1;
    int counter = 0;
    pvm_set_user_data(inner, &counter);
    pvm_set_host_callback(inner, count_host);
    pvm_set_register(inner, 0, PVM_HALT_ADDRESS);
    pvm_set_register(inner, 7, iterations);
    pvm_result_t r = pvm_execute(inner, 0, 0);
    pvm_destroy(inner);
    return r == PVM_RESULT_OK ? counter : -1;
}

static int g_nested_ok;

/* The outer VM's host function: runs a whole other VM, and checks that running itself
 * again is refused. */
static pvm_host_result_t nesting_host(pvm_vm_t* vm, int func_id) {
    (void)func_id;
    int count = run_loop_vm(25);
    /* Not re-entrant on the same VM. */
    g_nested_ok = pvm_execute(vm, 0, 0) == PVM_RESULT_ERROR && pvm_resume(vm) == PVM_RESULT_ERROR &&
                  strstr(pvm_last_error(vm), "already running") != NULL &&
                  pvm_get_machine_state(vm) == PVM_HOST;
    pvm_set_register(vm, 7, (uint64_t)count);
    pvm_write_ram_bytes_64(vm, 0x20008, (uint64_t)count * 2);
    return PVM_HOST_CONTINUE;
}

static pvm_host_result_t self_destroying_host(pvm_vm_t* vm, int func_id) {
    (void)func_id;
    pvm_destroy(vm); /* deferred until the callback returns */
    pvm_set_register(vm, 7, 1); /* still valid here */
    return PVM_HOST_CONTINUE;
}

/* Three levels deep: a callback whose VM's callback runs another VM. */
static pvm_host_result_t deep_host(pvm_vm_t* vm, int func_id) {
    (void)func_id;
    pvm_vm_t* middle = hostcall_vm(0);
    pvm_set_host_callback(middle, nesting_host);
    pvm_result_t r = pvm_execute(middle, 0, 0);
    uint64_t inner_count = pvm_get_register(middle, 7);
    pvm_destroy(middle);
    pvm_set_register(vm, 7, r == PVM_RESULT_OK ? inner_count + 1000 : 0);
    return PVM_HOST_CONTINUE;
}

static void test_reentrancy(void) {
    pvm_vm_t* vm = hostcall_vm(0);
    pvm_set_host_callback(vm, nesting_host);
    g_nested_ok = 0;
    CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
    CHECK(g_nested_ok);
    CHECK_EQ_U64(pvm_get_register(vm, 7), 25);
    CHECK_EQ_U64(pvm_get_register(vm, 9), 50);
    pvm_destroy(vm);

    vm = hostcall_vm(0);
    pvm_set_host_callback(vm, deep_host);
    CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
    CHECK_EQ_U64(pvm_get_register(vm, 7), 1025);
    pvm_destroy(vm);

    /* A callback destroying its own VM: the run ends with ERROR and the VM is freed
     * (valgrind checks there is no leak and no use after free). */
    vm = hostcall_vm(0);
    pvm_set_host_callback(vm, self_destroying_host);
    CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_ERROR);
}

/* ------------------------------------------------------------------------------------- */
/* Threads                                                                               */
/* ------------------------------------------------------------------------------------- */

typedef struct {
    const uint8_t* polkavm;
    size_t polkavm_len;
    int ok;
} thread_arg_t;

static void* thread_main(void* p) {
    thread_arg_t* arg = p;
    arg->ok = run_loop_vm(20000) == 20000;
    if (arg->polkavm) {
        pvm_vm_t* vm = pvm_create_from_polkavm(1, arg->polkavm, arg->polkavm_len, 1000000000);
        int64_t pc = vm ? pvm_find_export(vm, "hostcall") : -1;
        const uint64_t n[1] = {10000};
        pvm_set_host_callback(vm, add_host);
        arg->ok &= pc >= 0 && pvm_prepare_call(vm, (uint32_t)pc, n, 1) == 0 &&
                   pvm_execute(vm, (uint32_t)pc, 0) == PVM_RESULT_OK &&
                   pvm_get_register(vm, 7) == 1838007774129845683ull;
        pvm_destroy(vm);
    }
    /* A failing create on this thread keeps its own message. */
    arg->ok &= pvm_create_from_blob(0, LOOP_BLOB, 3, 0) == NULL && strlen(pvm_last_error(NULL)) > 0;
    return NULL;
}

static void test_threads(const char* polkavm_path) {
    enum { N = 4 };
    pthread_t threads[N];
    thread_arg_t args[N];
    size_t len = 0;
    uint8_t* bytes = polkavm_path ? read_file(polkavm_path, &len) : NULL;
    for (int i = 0; i < N; i++) {
        args[i] = (thread_arg_t){bytes, len, 0};
        CHECK(pthread_create(&threads[i], NULL, thread_main, &args[i]) == 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(threads[i], NULL);
        CHECK(args[i].ok);
    }
    free(bytes);
}

/* ------------------------------------------------------------------------------------- */
/* NULL and garbage                                                                      */
/* ------------------------------------------------------------------------------------- */

static void test_garbage(void) {
    int err = -1;
    /* A NULL VM: neutral values, no crash. */
    CHECK(pvm_execute(NULL, 0, 0) == PVM_RESULT_ERROR);
    CHECK(pvm_resume(NULL) == PVM_RESULT_ERROR);
    pvm_destroy(NULL);
    pvm_set_memory_bounds(NULL, 0, 0, 0, 0, 0, 0, 0, 0);
    pvm_set_host_callback(NULL, sum_host);
    CHECK(pvm_get_gas(NULL) == 0);
    pvm_set_gas(NULL, 5);
    CHECK(pvm_get_machine_state(NULL) == 0);
    pvm_set_register(NULL, 0, 1);
    CHECK(pvm_get_register(NULL, 0) == 0);
    CHECK(pvm_get_registers(NULL) == NULL);
    pvm_set_heap_pointer(NULL, 1);
    CHECK(pvm_get_heap_pointer(NULL) == 0);
    CHECK(pvm_write_ram_bytes_8(NULL, 0x20000, 1) == PVM_OOB);
    CHECK(pvm_write_ram_bytes_16(NULL, 0x20000, 1) == PVM_OOB);
    CHECK(pvm_write_ram_bytes_32(NULL, 0x20000, 1) == PVM_OOB);
    CHECK(pvm_write_ram_bytes_64(NULL, 0x20000, 1) == PVM_OOB);
    CHECK(pvm_write_ram_bytes(NULL, 0x20000, (const uint8_t*)"x", 1) == PVM_OOB);
    CHECK(pvm_read_ram_bytes_8(NULL, 0x20000, &err) == 0 && err == 1);
    err = -1;
    CHECK(pvm_read_ram_bytes_16(NULL, 0x20000, &err) == 0 && err == 1);
    err = -1;
    CHECK(pvm_read_ram_bytes_32(NULL, 0x20000, &err) == 0 && err == 1);
    err = -1;
    CHECK(pvm_read_ram_bytes_64(NULL, 0x20000, &err) == 0 && err == 1);
    uint8_t buf[4];
    err = -1;
    CHECK(pvm_read_ram_bytes(NULL, 0x20000, buf, 4, &err) == PVM_OOB && err == 1);
    CHECK(pvm_get_result_code(NULL) == 0);
    CHECK(pvm_is_terminated(NULL) == 0);
    pvm_set_logging(NULL, 1);
    pvm_set_tracing(NULL, 1);
    CHECK(pvm_get_host_func_id(NULL) == -1);
    CHECK(pvm_get_pc(NULL) == 0);
    CHECK(pvm_get_fault_address(NULL) == 0);
    CHECK(pvm_map_pages(NULL, 0x20000, 1, PVM_ACCESS_READ) == -1);
    CHECK(pvm_memory_ptr(NULL, 0x20000, 1, 0) == NULL);
    CHECK(pvm_find_export(NULL, "x") == -1);
    CHECK(pvm_prepare_call(NULL, 0, NULL, 0) == -1);
    CHECK(pvm_get_service_index(NULL) == 0);
    pvm_set_user_data(NULL, buf);
    CHECK(pvm_get_user_data(NULL) == NULL);
    CHECK(pvm_last_error(NULL) != NULL);
    CHECK(strlen(pvm_version()) > 0);
    CHECK(strncmp(pvm_version(), PVM_VERSION " ", strlen(PVM_VERSION " ")) == 0);
    CHECK(pvm_abi_version() == PVM_ABI_VERSION);

    /* Something that is not a VM (readable memory without the tag) is refused too. */
    uint64_t fake[64] = {0};
    pvm_vm_t* not_a_vm = (pvm_vm_t*)fake;
    CHECK(pvm_execute(not_a_vm, 0, 0) == PVM_RESULT_ERROR);
    CHECK(pvm_get_gas(not_a_vm) == 0);
    pvm_destroy(not_a_vm);
    CHECK(strcmp(pvm_last_error(not_a_vm), "not a live pvm_vm_t") == 0);

    /* Constructors: NULL with a length, bad bitmask, invalid programs, unknown flags. */
    CHECK(pvm_create(0, NULL, 4, NULL, HOSTCALL_BITMASK, 1, NULL, 0, 10) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "code") != NULL);
    CHECK(pvm_create(0, HOSTCALL_CODE, sizeof HOSTCALL_CODE, NULL, NULL, 2, NULL, 0, 10) == NULL);
    CHECK(pvm_create(0, HOSTCALL_CODE, sizeof HOSTCALL_CODE, NULL, HOSTCALL_BITMASK, 1, NULL, 0, 10) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "packed") != NULL);
    CHECK(pvm_create(0, HOSTCALL_CODE, sizeof HOSTCALL_CODE, NULL, HOSTCALL_BITMASK, 2, NULL, 3, 10) == NULL);
    CHECK(pvm_create(0, NULL, 0, NULL, NULL, 0, NULL, 0, 10) == NULL); /* no code */
    const uint8_t bad_code[2] = {0xFF, 0xFF};
    const uint8_t one[1] = {1};
    CHECK(pvm_create(0, bad_code, 2, NULL, one, 1, NULL, 0, 10) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "invalid") != NULL);
    CHECK(pvm_create_ex(0, HOSTCALL_CODE, sizeof HOSTCALL_CODE, NULL, HOSTCALL_BITMASK, 2, NULL, 0, 10, 0x80) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "flags") != NULL);
    CHECK(pvm_create_from_blob(0, NULL, 10, 10) == NULL);
    CHECK(pvm_create_from_blob(0, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB - 1, 10) == NULL);
    CHECK(pvm_create_from_blob(0, (const uint8_t*)"garbage!", 8, 10) == NULL);
    CHECK(pvm_create_from_standard(0, (const uint8_t*)"garbage!", 8, NULL, 0, 10) == NULL);
    CHECK(pvm_create_from_standard(0, NULL, 0, NULL, 0, 10) == NULL);
    CHECK(pvm_create_from_polkavm(0, (const uint8_t*)"PVM\0garbage", 11, 10) == NULL);
    CHECK(pvm_create_from_polkavm(0, NULL, 0, 10) == NULL);

    /* A GP 0.7 program without a final terminator: refused by 0.8, loaded with the flag
     * (the implicit trap at the end panics). */
    const uint8_t no_end[] = {0, 0, 3, 51, 7, 42, 0x01}; /* load_imm r7, 42 */
    CHECK(pvm_create_from_blob(0, no_end, sizeof no_end, 10) == NULL);
    pvm_vm_t* old = pvm_create_from_blob_ex(0, no_end, sizeof no_end, 10, PVM_FLAG_GP_0_7);
    CHECK(old != NULL);
    CHECK(pvm_execute(old, 0, 0) == PVM_RESULT_PANIC);
    CHECK(pvm_get_register(old, 7) == 42);
    CHECK_EQ_U64(pvm_get_gas(old), 8); /* one gas per instruction: load_imm + trap */
    pvm_destroy(old);

    /* A live VM with bad arguments. */
    pvm_vm_t* vm = pvm_create_from_blob(0, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB, 1000);
    CHECK(vm != NULL);
    CHECK(strcmp(pvm_last_error(vm), "") == 0);
    CHECK(pvm_resume(vm) == PVM_RESULT_ERROR);
    CHECK(strstr(pvm_last_error(vm), "before pvm_execute") != NULL);
    pvm_set_register(vm, 13, 5);
    CHECK(strstr(pvm_last_error(vm), "13") != NULL);
    pvm_set_register(vm, -1, 5);
    CHECK(pvm_get_register(vm, 13) == 0);
    CHECK(pvm_get_register(vm, -1) == 0);
    CHECK(strstr(pvm_last_error(vm), "-1") != NULL);
    const uint64_t* regs = pvm_get_registers(vm);
    for (int i = 0; i < PVM_REG_SIZE; i++) CHECK(regs[i] == 0);
    pvm_set_register(vm, 12, 99);
    CHECK(regs[12] == 99);
    CHECK(pvm_find_export(vm, NULL) == -1);
    CHECK(pvm_find_export(vm, "main") == -1); /* not a .polkavm VM */
    CHECK(pvm_prepare_call(vm, 0, NULL, 3) == -1);
    const uint64_t ten[10] = {0};
    CHECK(pvm_prepare_call(vm, 0, ten, 10) == -1);
    CHECK(strstr(pvm_last_error(vm), "arguments") != NULL);
    /* Execution at a pc that is not an instruction panics. */
    CHECK(pvm_execute(vm, 1, 0) == PVM_RESULT_PANIC);
    CHECK(pvm_execute(vm, 0xFFFFFFFFu, 0) == PVM_RESULT_PANIC);
    pvm_destroy(vm);
}

/* ------------------------------------------------------------------------------------- */
/* Loaded modules and the program cache                                                  */
/* ------------------------------------------------------------------------------------- */

/* Runs export `hostcall(n)` of a hostcall.polkavm module on a new VM; returns r7. */
static uint64_t run_hostcall_module(const pvm_module_t* module, uint64_t n) {
    pvm_vm_t* vm = pvm_create_from_module(5, module, NULL, 0, 1000000000);
    if (!vm) return 0;
    int64_t pc = pvm_find_export(vm, "hostcall");
    pvm_set_host_callback(vm, add_host);
    const uint64_t args[1] = {n};
    uint64_t out = 0;
    if (pc >= 0 && pvm_prepare_call(vm, (uint32_t)pc, args, 1) == 0 &&
        pvm_execute(vm, (uint32_t)pc, 0) == PVM_RESULT_OK)
        out = pvm_get_register(vm, 7);
    pvm_destroy(vm);
    return out;
}

typedef struct {
    const pvm_module_t* module;
    pvm_cache_t* cache;
    const uint8_t* bytes;
    size_t len;
    int ok;
} module_thread_arg_t;

/* Several VMs of one shared module, and loads through one shared cache. */
static void* module_thread_main(void* p) {
    module_thread_arg_t* arg = p;
    arg->ok = 1;
    for (int i = 0; i < 8; i++) {
        arg->ok &= run_hostcall_module(arg->module, 10) == 14759;
        pvm_module_t* cached = pvm_cache_load(arg->cache, PVM_FORMAT_POLKAVM, arg->bytes, arg->len, NULL, 0);
        arg->ok &= cached != NULL && run_hostcall_module(cached, 10) == 14759;
        pvm_module_free(cached);
    }
    return NULL;
}

static pvm_cache_stats_t cache_stats(const pvm_cache_t* cache) {
    pvm_cache_stats_t stats;
    memset(&stats, 0xAB, sizeof stats);
    CHECK(pvm_cache_stats(cache, &stats) == 0);
    return stats;
}

static void test_modules(const char* polkavm_path) {
    size_t len = 0;
    uint8_t* bytes = polkavm_path ? read_file(polkavm_path, &len) : NULL;
    CHECK(bytes != NULL);
    if (!bytes) return;

    /* Load once, create many VMs; only the blocks that ran are prepared. */
    pvm_module_t* module = pvm_module_load(PVM_FORMAT_POLKAVM, bytes, len, 0);
    CHECK(module != NULL);
    if (!module) return;
    size_t blocks = pvm_module_block_count(module);
    size_t prepared_at_load = pvm_module_prepared_blocks(module);
    CHECK(blocks > 1);
    CHECK(prepared_at_load < blocks);
    int64_t pc = pvm_module_find_export(module, "hostcall");
    CHECK(pc >= 0);
    CHECK(pvm_module_find_export(module, "nope") == -1);
    CHECK(strstr(pvm_last_error(NULL), "nope") != NULL);
    CHECK(pvm_module_footprint(module) >= len / 2);
    for (int i = 0; i < 20; i++) CHECK_EQ_U64(run_hostcall_module(module, 10), 14759);
    size_t prepared = pvm_module_prepared_blocks(module);
    CHECK(prepared > prepared_at_load);
    CHECK(prepared <= blocks);
    /* The same export as pvm_create_from_polkavm gives, at the same code offset. */
    pvm_vm_t* direct = pvm_create_from_polkavm(5, bytes, len, 10);
    CHECK(direct != NULL);
    CHECK(pvm_find_export(direct, "hostcall") == pc);
    pvm_destroy(direct);

    /* A VM keeps its module alive after the last reference is freed; a clone is an
     * independent reference. */
    pvm_module_t* clone = pvm_module_clone(module);
    CHECK(clone != NULL && clone != module);
    pvm_vm_t* vm = pvm_create_from_module(7, module, NULL, 0, 1000000);
    CHECK(vm != NULL);
    pvm_module_free(module);
    CHECK_EQ_U64(run_hostcall_module(clone, 10000), 1838007774129845683ull);
    pvm_module_free(clone);
    CHECK(pvm_get_service_index(vm) == 7);
    CHECK(pvm_find_export(vm, "hostcall") == pc);
    pvm_set_host_callback(vm, add_host);
    const uint64_t n10[1] = {10};
    CHECK(pvm_prepare_call(vm, (uint32_t)pc, n10, 1) == 0);
    CHECK(pvm_execute(vm, (uint32_t)pc, 0) == PVM_RESULT_OK);
    CHECK_EQ_U64(pvm_get_register(vm, 7), 14759);
    pvm_destroy(vm);

    /* A raw blob module: nothing mapped, registers zero, as pvm_create_from_blob. */
    pvm_module_t* raw = pvm_module_load(PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, 0);
    CHECK(raw != NULL);
    CHECK(pvm_module_find_export(raw, "main") == -1);
    for (int i = 0; i < 3; i++) {
        vm = pvm_create_from_module(0, raw, NULL, 0, 1000);
        CHECK(vm != NULL);
        CHECK(pvm_get_register(vm, 7) == 0);
        CHECK(pvm_read_ram_bytes_8(vm, 0x20000, NULL) == 0);
        pvm_set_register(vm, 7, 3);
        pvm_set_register(vm, 0, PVM_HALT_ADDRESS);
        int calls = 0;
        pvm_result_t r = pvm_execute(vm, 0, 1);
        while (r == PVM_RESULT_HOST_CALL && calls < 10) {
            calls++;
            r = pvm_resume(vm);
        }
        CHECK(r == PVM_RESULT_OK);
        CHECK(calls == 3);
        pvm_destroy(vm);
    }
    pvm_module_free(raw);

    /* A standard program (GP A.7): no data, the HOSTCALL code; arguments mapped at r7. */
    uint8_t standard[15 + sizeof HOSTCALL_BLOB] = {0};
    standard[11] = (uint8_t)sizeof HOSTCALL_BLOB;
    memcpy(standard + 15, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB);
    pvm_module_t* std_module = pvm_module_load(PVM_FORMAT_STANDARD, standard, sizeof standard, 0);
    CHECK(std_module != NULL);
    const uint8_t args[3] = {7, 8, 9};
    vm = pvm_create_from_module(0, std_module, args, sizeof args, 100);
    CHECK(vm != NULL);
    CHECK(pvm_get_register(vm, 0) == PVM_HALT_ADDRESS);
    CHECK(pvm_get_register(vm, 8) == 3);
    uint8_t back[3] = {0};
    CHECK(pvm_read_ram_bytes(vm, (uint32_t)pvm_get_register(vm, 7), back, 3, NULL) == 0);
    CHECK(memcmp(back, args, 3) == 0);
    pvm_destroy(vm);
    pvm_module_free(std_module);
    /* The standard loader refuses what pvm_create_from_standard refuses. */
    CHECK(pvm_module_load(PVM_FORMAT_STANDARD, standard, sizeof standard - 1, 0) == NULL);
    CHECK(pvm_create_from_standard(0, standard, sizeof standard - 1, NULL, 0, 10) == NULL);

    /* The cache: miss, hit, a known hash, the GP version in the key. */
    pvm_cache_t* cache = pvm_cache_new(64u << 20);
    CHECK(cache != NULL);
    pvm_cache_stats_t stats = cache_stats(cache);
    CHECK(stats.entries == 0 && stats.bytes == 0 && stats.hits == 0 && stats.misses == 0 &&
          stats.evictions == 0 && stats.max_bytes == (64u << 20));
    pvm_module_t* first = pvm_cache_load(cache, PVM_FORMAT_POLKAVM, bytes, len, NULL, 0);
    pvm_module_t* second = pvm_cache_load(cache, PVM_FORMAT_POLKAVM, bytes, len, NULL, 0);
    CHECK(first != NULL && second != NULL);
    stats = cache_stats(cache);
    CHECK(stats.entries == 1 && stats.hits == 1 && stats.misses == 1);
    CHECK(stats.bytes == pvm_module_footprint(first));
    /* Both references share the prepared blocks. */
    CHECK_EQ_U64(run_hostcall_module(first, 10), 14759);
    CHECK(pvm_module_prepared_blocks(second) == pvm_module_prepared_blocks(first));
    CHECK(pvm_module_prepared_blocks(second) > 0);
    pvm_module_free(first);
    pvm_module_free(second);
    const uint8_t hash[32] = {1, 2, 3};
    pvm_module_t* hashed = pvm_cache_load(cache, PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, hash, 0);
    CHECK(hashed != NULL);
    /* The hash is trusted: other bytes under the same hash give the cached module. */
    pvm_module_t* by_hash = pvm_cache_load(cache, PVM_FORMAT_RAW, STORE_BLOB, sizeof STORE_BLOB, hash, 0);
    CHECK(by_hash != NULL);
    CHECK(pvm_module_block_count(by_hash) == pvm_module_block_count(hashed));
    pvm_module_t* old = pvm_cache_load(cache, PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, hash, PVM_FLAG_GP_0_7);
    CHECK(old != NULL);
    stats = cache_stats(cache);
    CHECK(stats.entries == 3 && stats.hits == 2 && stats.misses == 3);
    pvm_module_free(hashed);
    pvm_module_free(by_hash);
    pvm_module_free(old);
    /* Load errors are returned and not cached. */
    CHECK(pvm_cache_load(cache, PVM_FORMAT_POLKAVM, (const uint8_t*)"PVM\0garbage", 11, NULL, 0) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "cannot load") != NULL);
    stats = cache_stats(cache);
    CHECK(stats.entries == 3 && stats.misses == 4);
    pvm_cache_clear(cache);
    stats = cache_stats(cache);
    CHECK(stats.entries == 0 && stats.bytes == 0 && stats.hits == 2 && stats.misses == 4);

    /* Several threads share one module and one cache. */
    {
        enum { N = 4 };
        pvm_module_t* shared = pvm_module_load(PVM_FORMAT_POLKAVM, bytes, len, 0);
        pthread_t threads[N];
        module_thread_arg_t targs[N];
        for (int i = 0; i < N; i++) {
            targs[i] = (module_thread_arg_t){shared, cache, bytes, len, 0};
            CHECK(pthread_create(&threads[i], NULL, module_thread_main, &targs[i]) == 0);
        }
        for (int i = 0; i < N; i++) {
            pthread_join(threads[i], NULL);
            CHECK(targs[i].ok);
        }
        stats = cache_stats(cache);
        CHECK(stats.entries == 1);
        CHECK(stats.hits + stats.misses == 2 + 4 + N * 8);
        CHECK(stats.misses >= 5 && stats.misses <= 4 + N);
        pvm_module_free(shared);
    }
    pvm_cache_free(cache);

    /* Eviction: least recently used first, within the byte bound. */
    pvm_module_t* a = pvm_module_load(PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, 0);
    pvm_module_t* b = pvm_module_load(PVM_FORMAT_POLKAVM, bytes, len, 0);
    size_t fa = pvm_module_footprint(a), fb = pvm_module_footprint(b);
    pvm_module_free(a);
    pvm_module_free(b);
    CHECK(fa > 0 && fb > fa);
    cache = pvm_cache_new(fa + fb);
    pvm_module_free(pvm_cache_load(cache, PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, NULL, 0));
    b = pvm_cache_load(cache, PVM_FORMAT_POLKAVM, bytes, len, NULL, 0);
    pvm_module_free(pvm_cache_load(cache, PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, NULL, 0)); /* hit: a is newer */
    stats = cache_stats(cache);
    CHECK(stats.entries == 2 && stats.bytes == fa + fb && stats.evictions == 0);
    pvm_module_free(pvm_cache_load(cache, PVM_FORMAT_RAW, STORE_BLOB, sizeof STORE_BLOB, NULL, 0));
    stats = cache_stats(cache);
    CHECK(stats.evictions == 1 && stats.entries == 2);
    CHECK(stats.bytes <= fa + fb);
    uint64_t misses = stats.misses;
    pvm_module_free(pvm_cache_load(cache, PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, NULL, 0));
    CHECK(cache_stats(cache).misses == misses); /* a stayed */
    /* b was evicted, but the caller's reference outlives the entry, and the cache. */
    pvm_cache_free(cache);
    CHECK_EQ_U64(run_hostcall_module(b, 10), 14759);
    pvm_module_free(b);
    /* A module larger than the bound is returned but not kept. */
    cache = pvm_cache_new(0);
    b = pvm_cache_load(cache, PVM_FORMAT_POLKAVM, bytes, len, NULL, 0);
    CHECK(b != NULL);
    CHECK(cache_stats(cache).entries == 0);
    pvm_module_free(b);
    pvm_cache_free(cache);
    free(bytes);
}

static void test_module_garbage(void) {
    uint64_t fake[64] = {0};
    pvm_vm_t* a_vm = pvm_create_from_blob(0, LOOP_BLOB, sizeof LOOP_BLOB, 10);
    CHECK(pvm_module_load(PVM_FORMAT_RAW, NULL, 5, 0) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "bytes") != NULL);
    CHECK(pvm_module_load(PVM_FORMAT_RAW, NULL, 0, 0) == NULL);
    CHECK(pvm_module_load(7, LOOP_BLOB, sizeof LOOP_BLOB, 0) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "format 7") != NULL);
    CHECK(pvm_module_load(-1, LOOP_BLOB, sizeof LOOP_BLOB, 0) == NULL);
    CHECK(pvm_module_load(PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, 0x80) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "flags") != NULL);
    CHECK(pvm_module_load(PVM_FORMAT_POLKAVM, LOOP_BLOB, sizeof LOOP_BLOB, PVM_FLAG_GP_0_7) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "GP 0.8") != NULL);
    CHECK(pvm_module_load(PVM_FORMAT_RAW, (const uint8_t*)"garbage!", 8, 0) == NULL);
    CHECK(pvm_module_load(PVM_FORMAT_STANDARD, (const uint8_t*)"garbage!", 8, 0) == NULL);
    CHECK(pvm_module_load(PVM_FORMAT_POLKAVM, (const uint8_t*)"PVM\0garbage", 11, 0) == NULL);
    CHECK(pvm_module_load(PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB - 1, 0) == NULL);
    /* NULL, a VM and plain memory are not modules. */
    const pvm_module_t* not_modules[3] = {NULL, (const pvm_module_t*)a_vm, (const pvm_module_t*)fake};
    for (int i = 0; i < 3; i++) {
        const pvm_module_t* m = not_modules[i];
        CHECK(pvm_module_clone(m) == NULL);
        CHECK(pvm_module_find_export(m, "x") == -1);
        CHECK(strstr(pvm_last_error(NULL), i == 0 ? "is NULL" : "not a live pvm_module_t") != NULL);
        CHECK(pvm_module_block_count(m) == 0);
        CHECK(pvm_module_prepared_blocks(m) == 0);
        CHECK(pvm_module_footprint(m) == 0);
        CHECK(pvm_create_from_module(0, m, NULL, 0, 10) == NULL);
        pvm_module_free((pvm_module_t*)m); /* ignored */
    }
    pvm_module_t* raw = pvm_module_load(PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, 0);
    CHECK(pvm_module_find_export(raw, NULL) == -1);
    CHECK(pvm_module_find_export(raw, "\xff\xfe") == -1);
    CHECK(pvm_create_from_module(0, raw, NULL, 4, 10) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "args") != NULL);
    /* A module is not a VM. */
    CHECK(pvm_execute((pvm_vm_t*)raw, 0, 0) == PVM_RESULT_ERROR);
    pvm_destroy((pvm_vm_t*)raw); /* ignored: not tagged as a VM */
    pvm_module_free(raw);

    /* Caches. */
    pvm_cache_stats_t stats;
    const pvm_cache_t* not_caches[3] = {NULL, (const pvm_cache_t*)a_vm, (const pvm_cache_t*)fake};
    for (int i = 0; i < 3; i++) {
        pvm_cache_t* c = (pvm_cache_t*)not_caches[i];
        CHECK(pvm_cache_load(c, PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, NULL, 0) == NULL);
        CHECK(strstr(pvm_last_error(NULL), i == 0 ? "is NULL" : "not a live pvm_cache_t") != NULL);
        CHECK(pvm_cache_stats(c, &stats) == -1);
        pvm_cache_clear(c);
        pvm_cache_free(c); /* ignored */
    }
    pvm_cache_t* cache = pvm_cache_new(1 << 20);
    CHECK(pvm_cache_stats(cache, NULL) == -1);
    CHECK(pvm_cache_load(cache, PVM_FORMAT_RAW, NULL, 3, NULL, 0) == NULL);
    CHECK(pvm_cache_load(cache, 9, LOOP_BLOB, sizeof LOOP_BLOB, NULL, 0) == NULL);
    CHECK(pvm_cache_load(cache, PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, NULL, 0x80) == NULL);
    CHECK(pvm_cache_load(cache, PVM_FORMAT_RAW, (const uint8_t*)"garbage!", 8, NULL, 0) == NULL);
    /* A module pointer is not a cache, nor the reverse. */
    pvm_module_t* m = pvm_cache_load(cache, PVM_FORMAT_RAW, LOOP_BLOB, sizeof LOOP_BLOB, NULL, 0);
    CHECK(m != NULL);
    CHECK(pvm_cache_stats((pvm_cache_t*)m, &stats) == -1);
    CHECK(pvm_module_footprint((pvm_module_t*)cache) == 0);
    CHECK(pvm_cache_stats(cache, &stats) == 0 && stats.entries == 1 && stats.misses == 2);
    pvm_module_free(m);
    pvm_cache_free(cache);
    pvm_destroy(a_vm);
}

/* ------------------------------------------------------------------------------------- */
/* Trace                                                                                 */
/* ------------------------------------------------------------------------------------- */

/* ------------------------------------------------------------------------------------- */
/* Engines                                                                               */
/* ------------------------------------------------------------------------------------- */

/* hostcall.polkavm's export "hostcall" with n on the engine `flags` select (through
 * pvm_create_from_polkavm_ex), or 0 if it did not halt. */
static uint64_t run_hostcall_polkavm(const uint8_t* bytes, size_t len, uint32_t flags, uint64_t n) {
    pvm_vm_t* vm = pvm_create_from_polkavm_ex(3, bytes, len, 100000000, flags);
    CHECK(vm != NULL);
    if (!vm) return 0;
    CHECK(pvm_get_engine(vm) == engine_of_flags(flags));
    int64_t pc = pvm_find_export(vm, "hostcall");
    CHECK(pc >= 0);
    pvm_set_host_callback(vm, add_host);
    const uint64_t args[1] = {n};
    uint64_t result = 0;
    if (pc >= 0 && pvm_prepare_call(vm, (uint32_t)pc, args, 1) == 0 &&
        pvm_execute(vm, (uint32_t)pc, 0) == PVM_RESULT_OK)
        result = pvm_get_register(vm, 7);
    pvm_destroy(vm);
    return result;
}

static void test_engine_refusals(void) {
    CHECK(pvm_engine_supported(PVM_ENGINE_INTERPRETER) == 1);
    CHECK(pvm_engine_supported(7) == 0);
    CHECK(pvm_get_engine(NULL) == -1);
    /* The plain constructors (the seed-004 names too) use the default engine: the
     * recompiler where it is supported, the interpreter elsewhere. */
    pvm_vm_t* vm = hostcall_vm(0);
    CHECK(pvm_get_engine(vm) == default_engine());
    pvm_destroy(vm);
    vm = hostcall_vm(1);
    CHECK(pvm_get_engine(vm) == default_engine());
    pvm_destroy(vm);
    /* PVM_FLAG_ENGINE_INTERPRETER forces the interpreter, which traces without complaint. */
    for (int parts = 0; parts < 2; parts++) {
        vm = hostcall_vm_ex(parts, PVM_FLAG_ENGINE_INTERPRETER);
        CHECK(vm != NULL);
        CHECK(pvm_get_engine(vm) == PVM_ENGINE_INTERPRETER);
        pvm_set_tracing(vm, 1);
        CHECK(strcmp(pvm_last_error(vm), "") == 0);
        pvm_set_tracing(vm, 0);
        pvm_set_host_callback(vm, sum_host);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 10001);
        pvm_destroy(vm);
    }
    /* Both engine flags at once are refused, by every constructor that takes them. */
    const uint32_t both = PVM_FLAG_ENGINE_INTERPRETER | PVM_FLAG_ENGINE_RECOMPILER;
    CHECK(pvm_create_from_blob_ex(1, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB, 1000, both) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "were both given") != NULL);
    CHECK(pvm_create_ex(1, HOSTCALL_CODE, sizeof HOSTCALL_CODE, NULL, HOSTCALL_BITMASK,
                        sizeof HOSTCALL_BITMASK, NULL, 0, 1000, both | PVM_FLAG_GP_0_7) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "were both given") != NULL);
    CHECK(pvm_create_from_polkavm_ex(1, NULL, 0, 1000, both) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "were both given") != NULL);
    /* Unknown flag bits are refused by every constructor. */
    CHECK(pvm_create_from_blob_ex(1, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB, 1000, 8) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "unknown creation flags 0x8") != NULL);
    CHECK(pvm_create_from_polkavm_ex(1, NULL, 0, 1000, PVM_FLAG_GP_0_7) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "always GP 0.8") != NULL);
    CHECK(pvm_create_from_polkavm_ex(1, NULL, 0, 1000, 8) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "unknown creation flags") != NULL);
    /* The engine is chosen per VM, not per module. */
    CHECK(pvm_module_load(PVM_FORMAT_RAW, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB, PVM_FLAG_ENGINE_RECOMPILER) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "unknown creation flags 0x2") != NULL);
    CHECK(pvm_module_load(PVM_FORMAT_RAW, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB, PVM_FLAG_ENGINE_INTERPRETER) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "unknown creation flags 0x4") != NULL);
    pvm_module_t* module = pvm_module_load(PVM_FORMAT_RAW, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB, 0);
    CHECK(module != NULL);
    CHECK(pvm_create_from_module_ex(1, module, NULL, 0, 1000, PVM_FLAG_GP_0_7) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "pvm_module_load") != NULL);
    CHECK(pvm_create_from_module_ex(1, module, NULL, 0, 1000, 8) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "unknown creation flags 0x8") != NULL);
    CHECK(pvm_create_from_module_ex(1, module, NULL, 0, 1000, both) == NULL);
    CHECK(strstr(pvm_last_error(NULL), "were both given") != NULL);
    pvm_module_free(module);
}

static void test_engine(const char* polkavm_path) {
    test_engine_refusals();
    const uint32_t rec = PVM_FLAG_ENGINE_RECOMPILER;
    if (!pvm_engine_supported(PVM_ENGINE_RECOMPILER)) {
        /* No silent fallback: asking for the recompiler fails creation. */
        CHECK(pvm_create_from_blob_ex(1, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB, 1000, rec) == NULL);
        CHECK(strstr(pvm_last_error(NULL), "not supported on this platform") != NULL);
        printf("engine: the recompiler is not supported here; refusal checked\n");
        return;
    }

    /* Host calls in callback mode, from the blob and from the parts, GP 0.8 and 0.7. */
    for (int parts = 0; parts < 2; parts++) {
        pvm_vm_t* vm = hostcall_vm_ex(parts, rec);
        CHECK(pvm_get_engine(vm) == PVM_ENGINE_RECOMPILER);
        pvm_set_host_callback(vm, sum_host);
        g_callback_calls = 0;
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
        CHECK(g_callback_calls == 1);
        CHECK_EQ_U64(pvm_get_register(vm, 7), 10);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 10001); /* the guest loaded what the host wrote */
        CHECK_EQ_U64(pvm_get_gas(vm), 1000 - 100 - 10);
        CHECK(pvm_get_machine_state(vm) == PVM_HALT);
        CHECK(pvm_get_pc(vm) == 8);
        pvm_destroy(vm);
    }
    {
        pvm_vm_t* vm = hostcall_vm_ex(0, rec | PVM_FLAG_GP_0_7);
        CHECK(pvm_get_engine(vm) == PVM_ENGINE_RECOMPILER);
        pvm_set_host_callback(vm, sum_host);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 10001);
        CHECK_EQ_U64(pvm_get_gas(vm), 1000 - 3 - 10); /* GP 0.7: one gas per instruction */
        pvm_destroy(vm);
    }

    /* No callback: the caller serves the exit, then resumes; out of gas, more, resume. */
    {
        pvm_vm_t* vm = hostcall_vm_ex(0, rec);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_HOST_CALL);
        CHECK(pvm_get_host_func_id(vm) == 1);
        CHECK(pvm_write_ram_bytes_64(vm, 0x20008, 70) == 0);
        CHECK(pvm_resume(vm) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 70);
        pvm_set_gas(vm, 99);
        pvm_set_host_callback(vm, sum_host);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OOG);
        CHECK_EQ_U64(pvm_get_gas(vm), 99);
        pvm_set_gas(vm, 110);
        CHECK(pvm_resume(vm) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_gas(vm), 0);
        pvm_destroy(vm);
    }

    /* A page fault at the exact address; the host maps the page and the store is retried. */
    {
        pvm_vm_t* vm = pvm_create_from_blob_ex(0, STORE_BLOB, sizeof STORE_BLOB, 1000, rec);
        CHECK(vm != NULL);
        CHECK(pvm_get_engine(vm) == PVM_ENGINE_RECOMPILER);
        pvm_set_register(vm, 0, PVM_HALT_ADDRESS);
        pvm_set_register(vm, 7, 0x0F0E0D0C0B0A0908ull);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_PANIC);
        CHECK(pvm_get_machine_state(vm) == PVM_FAULT);
        CHECK(pvm_get_fault_address(vm) == 0x40000);
        CHECK(pvm_get_pc(vm) == 0);
        CHECK_EQ_U64(pvm_get_gas(vm), 1000 - 25);
        /* Read-only first: the retry faults again at the same address. */
        CHECK(pvm_map_pages(vm, 0x40000, PVM_Z_P, PVM_ACCESS_READ) == 0);
        CHECK(pvm_resume(vm) == PVM_RESULT_PANIC);
        CHECK(pvm_get_fault_address(vm) == 0x40000);
        CHECK(pvm_map_pages(vm, 0x40000, PVM_Z_P, PVM_ACCESS_WRITE) == 0);
        CHECK(pvm_resume(vm) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_read_ram_bytes_64(vm, 0x40000, NULL), 0x0F0E0D0C0B0A0908ull);
        CHECK_EQ_U64(pvm_get_gas(vm), 1000 - 25);
        pvm_destroy(vm);
    }

    /* Tracing a VM created with the recompiler flag is refused with a message; logging and
     * running still work. */
    {
        pvm_vm_t* vm = hostcall_vm_ex(0, rec);
        pvm_set_tracing(vm, 1);
        CHECK(strstr(pvm_last_error(vm), "tracing needs the interpreter") != NULL);
        pvm_set_tracing(vm, 0);
        pvm_set_host_callback(vm, sum_host);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 10001);
        pvm_destroy(vm);
    }

    /* A VM on the default engine (the recompiler here) can be traced: those runs take the
     * interpreter, with the same results, and the VM keeps its engine. */
    {
        pvm_vm_t* vm = hostcall_vm(0);
        CHECK(pvm_get_engine(vm) == PVM_ENGINE_RECOMPILER);
        pvm_set_tracing(vm, 1);
        CHECK(strcmp(pvm_last_error(vm), "") == 0);
        pvm_set_host_callback(vm, sum_host);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 10001);
        CHECK_EQ_U64(pvm_get_gas(vm), 1000 - 100 - 10);
        pvm_set_tracing(vm, 0);
        CHECK(pvm_get_engine(vm) == PVM_ENGINE_RECOMPILER);
        CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
        CHECK_EQ_U64(pvm_get_register(vm, 9), 10001);
        pvm_destroy(vm);
    }

    /* A module's VMs choose their engine each (default, interpreter, recompiler); the
     * results agree. */
    {
        pvm_module_t* module = pvm_module_load(PVM_FORMAT_RAW, HOSTCALL_BLOB, sizeof HOSTCALL_BLOB, 0);
        CHECK(module != NULL);
        const uint32_t engine_flags[3] = {0, PVM_FLAG_ENGINE_INTERPRETER, rec};
        for (int k = 0; k < 3; k++) {
            const uint32_t flags = engine_flags[k];
            pvm_vm_t* vm = pvm_create_from_module_ex(1, module, NULL, 0, 1000, flags);
            CHECK(vm != NULL);
            if (!vm) continue;
            CHECK(pvm_get_engine(vm) == engine_of_flags(flags));
            pvm_set_register(vm, 0, PVM_HALT_ADDRESS);
            pvm_set_register(vm, 7, 0x20000);
            pvm_set_register(vm, 8, 4);
            CHECK(pvm_map_pages(vm, 0x20000, PVM_Z_P, PVM_ACCESS_WRITE) == 0);
            const uint8_t data[4] = {1, 2, 3, 4};
            CHECK(pvm_write_ram_bytes(vm, 0x20000, data, 4) == 0);
            pvm_set_host_callback(vm, sum_host);
            CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_OK);
            CHECK_EQ_U64(pvm_get_register(vm, 9), 10001);
            pvm_destroy(vm);
        }
        pvm_module_free(module);
    }

    /* A real guest on both engines. */
    if (polkavm_path) {
        size_t len = 0;
        uint8_t* bytes = read_file(polkavm_path, &len);
        CHECK(bytes != NULL);
        if (!bytes) return;
        CHECK_EQ_U64(run_hostcall_polkavm(bytes, len, 0, 10000), 1838007774129845683ull);
        CHECK_EQ_U64(run_hostcall_polkavm(bytes, len, PVM_FLAG_ENGINE_INTERPRETER, 10000),
                     1838007774129845683ull);
        CHECK_EQ_U64(run_hostcall_polkavm(bytes, len, rec, 10000), 1838007774129845683ull);
        free(bytes);
    }
}

static void test_trace(void) {
    pvm_vm_t* vm = hostcall_vm(0);
    pvm_set_tracing(vm, 1);
    pvm_set_logging(vm, 1);
    CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_HOST_CALL);
    CHECK(pvm_resume(vm) == PVM_RESULT_OK);
    pvm_set_tracing(vm, 0);
    pvm_set_logging(vm, 0);
    CHECK(pvm_execute(vm, 0, 0) == PVM_RESULT_HOST_CALL); /* silent */
    pvm_destroy(vm);
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s vectors|hostcall|ram|reentrancy|threads|modules|garbage|engine|trace|all|all-interpreter ...\n", argv[0]);
        return 2;
    }
    const char* mode = argv[1];
    /* all-interpreter: everything "all" runs except the recompiler's own tests (its vector
     * pass and the engine tests), for valgrind, with PVM_DEFAULT_ENGINE=interpreter so that
     * the default-engine VMs run on the interpreter too (under valgrind every recompiler VM
     * costs seconds: its 4 GiB protection changes go through valgrind's shadow memory). */
    const int interpreter_only = !strcmp(mode, "all-interpreter");
    if (interpreter_only && default_engine() != PVM_ENGINE_INTERPRETER) {
        fprintf(stderr, "all-interpreter needs PVM_DEFAULT_ENGINE=interpreter\n");
        return 2;
    }
    int all = !strcmp(mode, "all") || interpreter_only;
    if (!strcmp(mode, "vectors")) {
        /* An engine name, or none for the default engine. */
        const char* engine = argc > 3 ? argv[3] : "";
        uint32_t flags = !strcmp(engine, "recompiler")    ? PVM_FLAG_ENGINE_RECOMPILER
                         : !strcmp(engine, "interpreter") ? PVM_FLAG_ENGINE_INTERPRETER
                                                          : 0;
        run_vectors(argc > 2 ? argv[2] : "", flags);
    }
    if (all) {
        run_vectors(argc > 2 ? argv[2] : "", PVM_FLAG_ENGINE_INTERPRETER);
        if (pvm_engine_supported(PVM_ENGINE_RECOMPILER) && !interpreter_only)
            run_vectors(argc > 2 ? argv[2] : "", PVM_FLAG_ENGINE_RECOMPILER);
    }
    const char* polkavm = all ? (argc > 3 ? argv[3] : NULL) : (argc > 2 ? argv[2] : NULL);
    if (!strcmp(mode, "hostcall") || all) test_hostcall(polkavm);
    if (!strcmp(mode, "ram") || all) test_ram();
    if (!strcmp(mode, "reentrancy") || all) test_reentrancy();
    if (!strcmp(mode, "threads") || all) test_threads(polkavm);
    if (!strcmp(mode, "garbage") || all) test_garbage();
    if (!strcmp(mode, "modules") || all) test_modules(polkavm);
    if (!strcmp(mode, "garbage") || all) test_module_garbage();
    if (!strcmp(mode, "engine") || (all && !interpreter_only)) test_engine(polkavm);
    if (!strcmp(mode, "trace")) test_trace();
    printf("%s: %d checks, %d failed\n", mode, g_checks, g_failures);
    return g_failures == 0 && g_checks > 0 ? 0 : 1;
}
