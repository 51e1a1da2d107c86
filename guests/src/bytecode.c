/*
 * bytecode.c - a small stack-machine byte-code interpreter (switch
 * dispatch): the classic "interpreter inside an interpreter" benchmark.
 */
#include "pvm_guest.h"
#include "common.h"

enum {
    OP_HALT = 0,
    OP_PUSH,  /* PUSH imm8:          push sign-extended 8-bit immediate  */
    OP_PUSH32,/* PUSH32 imm32 (LE):  push zero-extended 32-bit immediate */
    OP_LOAD,  /* LOAD v:   push vars[v]                                  */
    OP_STORE, /* STORE v:  vars[v] = pop                                 */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_XOR,
    OP_AND,
    OP_SHL,   /* a << (b & 63) */
    OP_SHR,   /* a >> (b & 63) */
    OP_DUP,
    OP_SWAP,
    OP_DROP,
    OP_LT,    /* push (a < b) unsigned */
    OP_JMP,   /* JMP rel16 (LE, relative to the next instruction) */
    OP_JNZ,   /* JNZ rel16: jump if pop != 0 */
    OP_JZ,    /* JZ rel16: jump if pop == 0  */
};

/*
 * The program is assembled at run time by a tiny assembler with label
 * back-patching (cheap compared with running it). Variables:
 * v0 = n, v1 = i, v2 = acc, v3 = tmp. In C it would read:
 *
 *   acc = 1; i = 0;
 *   while (i < n) {
 *       tmp = (acc << 5) ^ (acc >> 3) ^ i;
 *       acc = tmp * 0x9e3779b1 + (i & 0xff);
 *       if ((i & 7) == 0) acc = acc ^ (acc >> 17);
 *       i = i - (uint64_t)-1;
 *   }
 *   return acc;
 */
enum { V_N = 0, V_I = 1, V_ACC = 2, V_TMP = 3 };

struct assembler {
    uint8_t code[128];
    uint32_t len;
};

static void emit(struct assembler *as, uint8_t byte) { as->code[as->len++] = byte; }
static void emit1(struct assembler *as, uint8_t op, uint8_t arg) { emit(as, op); emit(as, arg); }
static void emit_push32(struct assembler *as, uint32_t v)
{
    emit(as, OP_PUSH32);
    for (int k = 0; k < 4; k++)
        emit(as, (uint8_t)(v >> (8 * k)));
}
/* Emits a jump with a placeholder offset; returns where to patch. */
static uint32_t emit_jump(struct assembler *as, uint8_t op)
{
    emit(as, op);
    uint32_t at = as->len;
    emit(as, 0);
    emit(as, 0);
    return at;
}
static void patch_jump(struct assembler *as, uint32_t at, uint32_t target)
{
    int16_t rel = (int16_t)((int32_t)target - (int32_t)(at + 2));
    as->code[at] = (uint8_t)rel;
    as->code[at + 1] = (uint8_t)((uint16_t)rel >> 8);
}

static void assemble(struct assembler *as)
{
    as->len = 0;
    emit1(as, OP_PUSH, 1); emit1(as, OP_STORE, V_ACC);
    emit1(as, OP_PUSH, 0); emit1(as, OP_STORE, V_I);

    uint32_t loop = as->len;
    emit1(as, OP_LOAD, V_N); emit1(as, OP_LOAD, V_I); emit(as, OP_SWAP); emit(as, OP_LT);
    uint32_t to_end = emit_jump(as, OP_JZ);

    emit1(as, OP_LOAD, V_ACC); emit1(as, OP_PUSH, 5); emit(as, OP_SHL);
    emit1(as, OP_LOAD, V_ACC); emit1(as, OP_PUSH, 3); emit(as, OP_SHR); emit(as, OP_XOR);
    emit1(as, OP_LOAD, V_I); emit(as, OP_XOR); emit1(as, OP_STORE, V_TMP);

    emit1(as, OP_LOAD, V_TMP); emit_push32(as, 0x9e3779b1u); emit(as, OP_MUL);
    emit1(as, OP_LOAD, V_I); emit_push32(as, 0xffu); emit(as, OP_AND); emit(as, OP_ADD);
    emit1(as, OP_STORE, V_ACC);

    emit1(as, OP_LOAD, V_I); emit1(as, OP_PUSH, 7); emit(as, OP_AND);
    uint32_t to_skip = emit_jump(as, OP_JNZ);
    emit1(as, OP_LOAD, V_ACC); emit(as, OP_DUP); emit1(as, OP_PUSH, 17); emit(as, OP_SHR);
    emit(as, OP_XOR); emit1(as, OP_STORE, V_ACC);
    patch_jump(as, to_skip, as->len);

    emit1(as, OP_LOAD, V_I); emit1(as, OP_PUSH, 0xff /* -1 */); emit(as, OP_SUB);
    emit1(as, OP_STORE, V_I);
    patch_jump(as, emit_jump(as, OP_JMP), loop);

    patch_jump(as, to_end, as->len);
    emit1(as, OP_LOAD, V_ACC);
    emit(as, OP_HALT);
}

#define STACK_DEPTH 64

static uint64_t run(const uint8_t *code, uint64_t n)
{
    uint64_t vars[4] = {n, 0, 0, 0};
    uint64_t stack[STACK_DEPTH];
    uint64_t sp = 0; /* number of items on the stack */
    uint64_t pc = 0;

    for (;;) {
        uint8_t op = code[pc++];
        switch (op) {
        case OP_HALT:
            return sp ? stack[sp - 1] : 0;
        case OP_PUSH:
            stack[sp++] = (uint64_t)(int64_t)(int8_t)code[pc];
            pc += 1;
            break;
        case OP_PUSH32:
            stack[sp++] = (uint64_t)code[pc] | (uint64_t)code[pc + 1] << 8 |
                          (uint64_t)code[pc + 2] << 16 | (uint64_t)code[pc + 3] << 24;
            pc += 4;
            break;
        case OP_LOAD:
            stack[sp++] = vars[code[pc] & 3];
            pc += 1;
            break;
        case OP_STORE:
            vars[code[pc] & 3] = stack[--sp];
            pc += 1;
            break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case OP_SHL: sp--; stack[sp - 1] <<= (stack[sp] & 63); break;
        case OP_SHR: sp--; stack[sp - 1] >>= (stack[sp] & 63); break;
        case OP_LT:
            sp--;
            stack[sp - 1] = stack[sp - 1] < stack[sp];
            break;
        case OP_DUP:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
        case OP_SWAP: {
            uint64_t t = stack[sp - 1];
            stack[sp - 1] = stack[sp - 2];
            stack[sp - 2] = t;
            break;
        }
        case OP_DROP: sp--; break;
        case OP_JMP: {
            int16_t rel = (int16_t)(code[pc] | code[pc + 1] << 8);
            pc = pc + 2 + (int64_t)rel;
            break;
        }
        case OP_JNZ: {
            int16_t rel = (int16_t)(code[pc] | code[pc + 1] << 8);
            pc += 2;
            if (stack[--sp] != 0)
                pc += (int64_t)rel;
            break;
        }
        case OP_JZ: {
            int16_t rel = (int16_t)(code[pc] | code[pc + 1] << 8);
            pc += 2;
            if (stack[--sp] == 0)
                pc += (int64_t)rel;
            break;
        }
        default:
            return 0xdeadbeefdeadbeefull; /* invalid opcode */
        }
        if (sp >= STACK_DEPTH)
            return 0xbadbadbadbadull; /* stack overflow */
    }
}

/* interp(n): run the byte-code program above with v0 = n; returns acc. */
PVM_EXPORT(interp, 1)
uint64_t interp(uint64_t n)
{
    struct assembler as;
    assemble(&as);
    return run(as.code, n);
}
