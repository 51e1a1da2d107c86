// Runs the normalised conformance cases through the binding. The cases come from one JSON
// file that `pvm test-vectors --emit-cases FILE` writes (the test kit reads both upstream
// vector formats; schema: crates/pvm-testkit/SCHEMA.md). Each case is a list of steps —
// map, write, set_reg, run, assert — and every assert checks status, pc, gas, registers,
// page-fault address, host-call id and every non-zero byte of mapped memory; the
// program's block gas costs are checked too. This file is only the binding's glue.

import { readFileSync } from 'node:fs';

import { PAGE_SIZE, Program, Vm } from '../index.js';

/** Exit kinds of the binding → status names of the cases. */
const STATUS = {
  halt: 'halt',
  panic: 'panic',
  'out-of-gas': 'out-of-gas',
  'page-fault': 'page-fault',
  'host-call': 'ecalli',
};

/** $PVM_CASES: the case file run_tests.sh writes with `pvm test-vectors --emit-cases`. */
export function casesFile() {
  const path = process.env.PVM_CASES;
  if (!path) {
    throw new Error(
      'PVM_CASES is not set: run bindings/node/run_tests.sh, or ' +
        '`cargo run -p pvm-cli -- test-vectors --emit-cases FILE` and PVM_CASES=FILE',
    );
  }
  return path;
}

/** Every case of the case file (64-bit values are decimal strings, so JSON.parse is exact). */
export function loadCases() {
  const document = JSON.parse(readFileSync(casesFile(), 'utf8'));
  if (document.schema !== 'pvm-testkit-cases/1') throw new Error(`schema ${document.schema}`);
  return document.cases;
}

function hexBytes(hex) {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

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

/** The expected non-zero bytes: runs of `{address, data (hex)}`. */
function expectedMemory(runs) {
  const out = new Map();
  for (const run of runs) {
    hexBytes(run.data).forEach((byte, offset) => out.set((run.address + offset) >>> 0, byte));
  }
  return out;
}

function sameMemory(a, b) {
  if (a.size !== b.size) return false;
  for (const [address, byte] of a) if (b.get(address) !== byte) return false;
  return true;
}

/** What differs between the VM after `exit` and an assert step (empty if nothing). */
function check(vm, exit, expected) {
  const errors = [];
  const status = STATUS[exit.kind];
  if (status !== expected.status) errors.push(`status: expected ${expected.status}, got ${status}`);
  if (vm.pc !== expected.pc) errors.push(`pc: expected ${expected.pc}, got ${vm.pc}`);
  if (vm.gas !== BigInt(expected.gas)) errors.push(`gas: expected ${expected.gas}, got ${vm.gas}`);
  const regs = [...vm.regs];
  const wanted = expected.regs.map((r) => BigInt(r));
  if (regs.length !== wanted.length || regs.some((r, i) => r !== wanted[i])) {
    errors.push(`regs: expected ${wanted}, got ${regs}`);
  }
  const memory = nonzeroMemory(vm);
  const wantedMemory = expectedMemory(expected.memory);
  if (!sameMemory(memory, wantedMemory)) {
    errors.push(`memory: expected ${[...wantedMemory]}, got ${[...memory]}`);
  }
  const fault = expected.page_fault_address;
  if (fault !== null && exit.address !== fault) {
    errors.push(`page-fault address: expected ${fault}, got ${exit.address}`);
  }
  const host = expected.host_call;
  if (host !== null && exit.hostId !== host) {
    errors.push(`host call: expected ${host}, got ${exit.hostId}`);
  }
  return errors;
}

/** Runs one case; returns what differed (empty: it passed). */
export function runCase(c, engine = 'interpreter') {
  const program = Program.fromBlob(hexBytes(c.program), { gp: c.gp });
  const errors = [];
  if (c.block_gas_costs !== null) {
    const expected = new Map(c.block_gas_costs);
    const actual = program.blockCosts();
    if (JSON.stringify([...actual]) !== JSON.stringify([...expected])) {
      errors.push(`block gas costs: expected ${[...expected]}, got ${[...actual]}`);
    }
  }
  const vm = new Vm(program, { gas: BigInt(c.initial_gas), engine });
  if (vm.engine !== engine) errors.push(`engine: expected ${engine}, got ${vm.engine}`);
  vm.pc = c.initial_pc;
  let exit = null;
  c.steps.forEach((step, number) => {
    switch (step.op) {
      case 'map':
        vm.map(step.address, step.length, step.writable ? 'rw' : 'r');
        break;
      case 'write':
        // Cases also fill read-only pages, so write with privilege.
        vm.write(step.address, hexBytes(step.data), { privileged: true });
        break;
      case 'set_reg':
        vm.setReg(step.reg, BigInt(step.value));
        break;
      case 'run':
        exit = exit === null ? vm.run() : vm.resume();
        break;
      case 'assert':
        if (exit === null) throw new Error(`step ${number}: assert before run`);
        errors.push(...check(vm, exit, step).map((e) => `step ${number}: ${e}`));
        break;
      default:
        throw new Error(`unknown step op ${step.op}`);
    }
  });
  return errors;
}
