// Runs PVM conformance vectors through the binding. Two formats (see
// shared/pvm-vectors/README.md): PolkaVM spectool's `steps` (map, write, set-reg, run,
// assert) and the flat w3f format (initial-*/expected-*). Every assert checks status, pc,
// gas, registers, page-fault address, host-call id and every non-zero byte of mapped
// memory; the program's block gas costs are checked too.

import { readFileSync } from 'node:fs';

import { PAGE_SIZE, Program, Vm } from '../index.js';

/** Exit kinds of the binding → status names of the vector files. */
const STATUS = {
  halt: 'halt',
  panic: 'panic',
  'out-of-gas': 'out-of-gas',
  'page-fault': 'page-fault',
  'host-call': 'ecalli',
};

/** Every non-zero byte of mapped memory: `address → byte`. */
function nonzeroMemory(vm) {
  const out = new Map();
  for (const { address } of vm.mappedPages()) {
    const page = vm.read(address, PAGE_SIZE);
    for (let offset = 0; offset < page.length; offset++) {
      if (page[offset]) out.set(address + offset, page[offset]);
    }
  }
  return out;
}

/** The non-zero bytes of a vector's memory chunks. */
function expectedMemory(chunks) {
  const out = new Map();
  for (const chunk of chunks) {
    chunk.contents.forEach((byte, offset) => {
      if (byte) out.set((chunk.address + offset) >>> 0, byte);
    });
  }
  return out;
}

function sameMemory(a, b) {
  if (a.size !== b.size) return false;
  for (const [address, byte] of a) if (b.get(address) !== byte) return false;
  return true;
}

/** What differs between the VM after `exit` and `expected` (empty if nothing). */
function check(vm, exit, expected) {
  const errors = [];
  const actual = { status: STATUS[exit.kind], pc: vm.pc, gas: vm.gas };
  for (const key of ['status', 'pc']) {
    if (actual[key] !== expected[key]) errors.push(`${key}: expected ${expected[key]}, got ${actual[key]}`);
  }
  if (actual.gas !== BigInt(expected.gas)) errors.push(`gas: expected ${expected.gas}, got ${actual.gas}`);
  const regs = [...vm.regs];
  const wanted = expected.regs.map((r) => BigInt(r));
  if (regs.some((r, i) => r !== wanted[i])) errors.push(`regs: expected ${wanted}, got ${regs}`);
  const memory = nonzeroMemory(vm);
  if (!sameMemory(memory, expected.memory)) {
    errors.push(`memory: expected ${[...expected.memory]}, got ${[...memory]}`);
  }
  if (expected.fault !== undefined && exit.address !== expected.fault) {
    errors.push(`page-fault address: expected ${expected.fault}, got ${exit.address}`);
  }
  if (expected.host !== undefined && exit.hostId !== expected.host) {
    errors.push(`host call: expected ${expected.host}, got ${exit.hostId}`);
  }
  return errors;
}

function mapPages(vm, entry) {
  vm.map(entry.address, entry.length, entry['is-writable'] ? 'rw' : 'r');
}

function write(vm, entry) {
  // Vectors also fill read-only pages, so write with privilege.
  vm.write(entry.address, new Uint8Array(entry.contents), { privileged: true });
}

function runSteps(vm, steps) {
  const errors = [];
  let exit = null;
  steps.forEach((step, number) => {
    const [[kind, body]] = Object.entries(step);
    switch (kind) {
      case 'map':
        mapPages(vm, body);
        break;
      case 'write':
        write(vm, body);
        break;
      case 'set-reg':
        vm.setReg(body.reg, BigInt(body.value));
        break;
      case 'run':
        exit = exit === null ? vm.run() : vm.resume();
        break;
      case 'assert': {
        if (exit === null) throw new Error(`step ${number}: assert before run`);
        const expected = {
          ...body,
          memory: expectedMemory(body.memory),
          fault: body['page-fault-address'],
          host: body.hostcall,
        };
        errors.push(...check(vm, exit, expected).map((e) => `step ${number}: ${e}`));
        break;
      }
      default:
        throw new Error(`unknown step kind ${kind}`);
    }
  });
  return errors;
}

function runFlat(vm, vector) {
  vm.regs = vector['initial-regs'].map((r) => BigInt(r));
  for (const entry of vector['initial-page-map']) mapPages(vm, entry);
  for (const entry of vector['initial-memory']) write(vm, entry);
  const exit = vm.run();
  return check(vm, exit, {
    status: vector['expected-status'],
    pc: vector['expected-pc'],
    gas: vector['expected-gas'],
    regs: vector['expected-regs'],
    memory: expectedMemory(vector['expected-memory']),
    fault: vector['expected-page-fault-address'],
  });
}

/**
 * Parses a vector file, keeping 64-bit integers exact: register values and gas can
 * exceed 2**53, so every integer literal of 16+ digits becomes a string first.
 */
function parseVector(path) {
  const text = readFileSync(path, 'utf8').replace(/([:\[,]\s*)(\d{16,})(?=\s*[,\]\}])/g, '$1"$2"');
  return JSON.parse(text);
}

/** Runs the vector file at `path` under `gp`; returns what differed (empty: it passed). */
export function runVector(path, gp) {
  const vector = parseVector(path);
  const program = Program.fromBlob(new Uint8Array(vector.program), { gp });
  const errors = [];
  if (vector['block-gas-costs']) {
    const expected = new Map(vector['block-gas-costs'].map((c) => [c.pc, c.cost]));
    const actual = program.blockCosts();
    if (JSON.stringify([...actual]) !== JSON.stringify([...expected])) {
      errors.push(`block gas costs: expected ${[...expected]}, got ${[...actual]}`);
    }
  }
  const vm = new Vm(program, { gas: BigInt(vector['initial-gas']) });
  vm.pc = vector['initial-pc'];
  return errors.concat(vector.steps ? runSteps(vm, vector.steps) : runFlat(vm, vector));
}
