// Shared test helpers: where the repository and its guests are,
// and a tiny assembler for hand-made programs.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SUPPORTED_ENGINES } from '../index.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Both engines, for tests that run once on each. */
export const ENGINES = ['interpreter', 'recompiler'];

/** node:test options that skip an engine this platform does not support. */
export function engineOptions(engine) {
  return { skip: SUPPORTED_ENGINES.includes(engine) ? false : `the ${engine} is not supported here` };
}

/** The binding's directory. */
export const PACKAGE = resolve(here, '..');
/** The repository root. */
export const REPO = resolve(PACKAGE, '..', '..');
/** The guest programs. */
export const GUESTS = join(REPO, 'guests');

/** The bytes of guests/bin/NAME.polkavm. */
export function guest(name) {
  return new Uint8Array(readFileSync(join(GUESTS, 'bin', `${name}.polkavm`)));
}

/**
 * The small (non-bench) cases of guests/expected.txt, with the gas each uses under the
 * GP 0.8 model from guests/expected-gas.txt: `{ program, exportName, arg, result, gasUsed }`.
 */
export function guestCases() {
  const rows = (file) =>
    readFileSync(join(GUESTS, file), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split(/\s+/));
  const gas = new Map(rows('expected-gas.txt').map((r) => [r.slice(0, 3).join(' '), BigInt(r[4])]));
  return rows('expected.txt')
    .filter((r) => r[4] !== 'bench')
    .map((r) => ({
      program: r[0],
      exportName: r[1],
      arg: BigInt(r[2]),
      result: BigInt(r[3]),
      gasUsed: gas.get(r.slice(0, 3).join(' ')),
    }));
}

/** `a + b` wrapping at 2**64: the `host_add` import of guests/bin/hostcall.polkavm. */
export function hostAdd(vm) {
  vm.setReg(7, BigInt.asUintN(64, vm.getReg(7) + vm.getReg(8)));
}

// ---- a tiny assembler (GP 0.8 / JamV1 opcodes) ----

let table;

/**
 * The engine's instruction table by mnemonic (`pvm isa --json`, run once per test process
 * through cargo, which reuses the workspace's debug build):
 * `isa().get('load_imm')` is `{ opcode: 51, form: 'RegImm', ... }`.
 */
export function isa() {
  if (table === undefined) {
    const json = execFileSync('cargo', ['run', '--quiet', '-p', 'pvm-cli', '--', 'isa', '--json'], {
      cwd: REPO,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    table = new Map(JSON.parse(json).map((row) => [row.name, row]));
  }
  return table;
}

/** The shortest little-endian encoding of a 32-bit immediate (sign-extended on decode). */
export function imm(value) {
  const signed = Number(BigInt.asIntN(32, BigInt(value)));
  for (let length = 0; length <= 4; length++) {
    const low = length === 0 ? 0n : BigInt.asUintN(8 * length, BigInt(signed));
    const decoded = length === 0 ? 0n : BigInt.asIntN(8 * length, low);
    if (decoded === BigInt(signed)) {
      const bytes = [];
      for (let i = 0; i < length; i++) bytes.push(Number((low >> BigInt(8 * i)) & 0xffn));
      return bytes;
    }
  }
  throw new Error('unreachable');
}

/**
 * One instruction: `ins('load_imm', 7, 42)`, `ins('ecalli', 1)`, `ins('trap')`,
 * `ins('store_ind_u8', a, b, offset)`; the operands follow the table's operand form.
 */
export function ins(name, ...operands) {
  const row = isa().get(name);
  if (row === undefined || row.opcode === null) throw new Error(`unknown instruction ${name}`);
  const op = row.opcode;
  const shape = `${row.form}/${operands.length}`;
  if (shape === 'None/0') return [op];
  if (shape === 'Imm/1') return [op, ...imm(operands[0])];
  if (shape === 'RegImm/2') return [op, operands[0], ...imm(operands[1])];
  if (shape === 'RegRegImm/3') {
    const [a, b, value] = operands;
    return [op, a | (b << 4), ...imm(value)];
  }
  throw new Error(`the test assembler cannot encode ${name} (${row.form}) with ${operands.length} operands`);
}

/** A raw program blob (no jump table) of `instructions`. */
export function blob(...instructions) {
  const code = instructions.flat();
  const bitmask = new Array(Math.ceil(code.length / 8)).fill(0);
  let offset = 0;
  for (const instruction of instructions) {
    bitmask[offset >> 3] |= 1 << (offset & 7);
    offset += instruction.length;
  }
  if (code.length >= 128) throw new Error('the test assembler encodes lengths < 128 only');
  return new Uint8Array([0, 0, code.length, ...code, ...bitmask]);
}

/**
 * `load_imm r7, 42 ; jump_ind r0`: halts with r7 = 42 when r0 holds the halt address.
 * Spelled out in bytes so that importing the helpers needs no cargo run; vm.test.mjs checks
 * it against the assembler.
 */
export const HALT_42 = new Uint8Array([0, 0, 5, 51, 7, 42, 50, 0, 0b1001]);
