// Bad input raises a JavaScript error and never crashes the process: garbage and mutated
// blobs through every loader, out-of-range registers and values, wrong argument types.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HALT_ADDRESS, Program, ProgramError, PvmError, Vm } from '../index.js';
import { guest, HALT_42 } from './helpers.mjs';

/** A seeded xorshift32 generator, so failures reproduce. */
function rng(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

const LOADERS = {
  blob08: (bytes) => Vm.fromBlob(bytes, { gas: 10_000n }),
  blob07: (bytes) => Vm.fromBlob(bytes, { gas: 10_000n, gp: '0.7' }),
  standard: (bytes) => Vm.fromStandard(bytes, new Uint8Array([1, 2, 3]), { gas: 10_000n }),
  polkavm: (bytes) => Vm.fromPolkavm(bytes, { gas: 10_000n }),
};

/** Loads `bytes`; if accepted, runs it a little. Only PvmError subclasses may escape. */
function tryLoadAndRun(load, bytes) {
  let vm;
  try {
    vm = load(bytes);
  } catch (error) {
    assert.ok(error instanceof ProgramError || error instanceof RangeError, String(error));
    return false;
  }
  vm.setReg(0, HALT_ADDRESS);
  for (const name of vm.exports.slice(0, 2)) vm.call(name, 1);
  for (let i = 0; i < 3 && vm.run().kind !== 'halt'; i++) vm.gas = 10_000n;
  return true;
}

test('garbage blobs are refused with ProgramError carrying the engine message', () => {
  assert.throws(
    () => Program.fromBlob(new Uint8Array([0xff, 0xff, 0xff])),
    (e) => e instanceof ProgramError && e instanceof PvmError && e.message.length > 0,
  );
  assert.throws(() => Vm.fromPolkavm(new Uint8Array(16), { gas: 1n }), ProgramError);
  assert.throws(() => Vm.fromPolkavm(HALT_42, { gas: 1n }), ProgramError);
  assert.throws(() => Vm.fromStandard(new Uint8Array([1]), new Uint8Array(), { gas: 1n }), ProgramError);
  assert.throws(() => Vm.fromBlob(new Uint8Array(), { gas: 1n }), ProgramError);
});

test('random bytes through every loader', () => {
  const next = rng(0x5eed);
  for (const [name, load] of Object.entries(LOADERS)) {
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(next() % 64);
      for (let j = 0; j < bytes.length; j++) bytes[j] = next() & 0xff;
      if (name === 'polkavm' && bytes.length >= 4) bytes.set([0x50, 0x56, 0x4d, 0], 0); // the magic
      tryLoadAndRun(load, bytes);
    }
  }
});

test('mutated real programs through every loader', () => {
  const next = rng(42);
  const seeds = { blob08: HALT_42, blob07: HALT_42, standard: HALT_42, polkavm: guest('fib') };
  let accepted = 0;
  for (const [name, load] of Object.entries(LOADERS)) {
    for (let i = 0; i < 150; i++) {
      const bytes = Uint8Array.from(seeds[name]);
      for (let k = 0; k < 1 + (next() % 4); k++) bytes[next() % bytes.length] = next() & 0xff;
      const cut = next() % 8 === 0 ? next() % bytes.length : bytes.length;
      if (tryLoadAndRun(load, bytes.subarray(0, cut))) accepted++;
    }
  }
  assert.ok(accepted > 0, 'some mutations still load');
});

test('out-of-range registers and values are RangeErrors', () => {
  const vm = Vm.fromBlob(HALT_42, { gas: 1n });
  for (const index of [13, -1, 1.5, 2 ** 32, Number.NaN]) {
    assert.throws(() => vm.getReg(index), RangeError, String(index));
    assert.throws(() => vm.setReg(index, 0n), RangeError, String(index));
  }
  for (const value of [-1n, 2n ** 64n, -1, 2 ** 53, 0.5, Number.POSITIVE_INFINITY]) {
    assert.throws(() => vm.setReg(0, value), RangeError, String(value));
    assert.throws(() => (vm.gas = value), RangeError, String(value));
  }
  assert.throws(() => (vm.regs = [1n, 2n]), RangeError);
  assert.throws(() => (vm.pc = -1), RangeError);
  assert.throws(() => (vm.pc = 2 ** 32), RangeError);
  assert.equal(vm.getReg(0), 0n, 'nothing changed');
});

test('wrong argument types are TypeErrors', () => {
  const vm = Vm.fromBlob(HALT_42, { gas: 1n });
  const any = /** @type {any} */ (vm);
  assert.throws(() => any.setReg(0, '1'), TypeError);
  assert.throws(() => any.setReg(0, null), TypeError);
  assert.throws(() => any.write(0x20000, [1, 2]), TypeError);
  assert.throws(() => any.write(0x20000, new Uint16Array(2)), TypeError);
  assert.throws(() => any.readInto(0x20000, new Int8Array(2)), TypeError);
  assert.throws(() => Vm.fromBlob(/** @type {any} */ ('blob'), { gas: 1n }));
  assert.throws(() => Vm.fromBlob(HALT_42, /** @type {any} */ (undefined)), TypeError);
  assert.throws(() => Vm.fromBlob(HALT_42, /** @type {any} */ ({ gas: '1' })), TypeError);
  assert.throws(() => Vm.fromBlob(HALT_42, { gas: 1n, gp: /** @type {any} */ ('0.9') }), RangeError);
  assert.throws(() => new Vm(/** @type {any} */ ({}), { gas: 1n }), TypeError);
  assert.throws(() => new (/** @type {any} */ (Program))(), TypeError);
});

test('invalid pc and jumps panic, they do not crash', () => {
  const vm = Vm.fromBlob(HALT_42, { gas: 100n });
  vm.pc = 2 ** 32 - 1;
  assert.deepEqual(vm.run(), { kind: 'panic' });
  vm.pc = 1; // not an instruction start
  assert.deepEqual(vm.run(), { kind: 'panic' });
  vm.pc = 0;
  vm.setReg(0, 12345); // jump_ind to a bad address
  assert.deepEqual(vm.run(), { kind: 'panic' });
});
