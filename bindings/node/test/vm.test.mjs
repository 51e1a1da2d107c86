// The VM itself: construction, registers, gas, pc, exits, resuming, programs, dispose.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { DEFAULT_ENGINE, HALT_ADDRESS, Module, PAGE_SIZE, Program, PvmError, REG_COUNT, SUPPORTED_ENGINES, Vm } from '../index.js';
import { blob, guest, GUESTS, HALT_42, ins, PACKAGE } from './helpers.mjs';

test('constants', () => {
  assert.equal(HALT_ADDRESS, 0xffff0000);
  assert.equal(PAGE_SIZE, 4096);
  assert.equal(REG_COUNT, 13);
});

test('a raw blob runs to halt with the result in r7 and gas charged', () => {
  const vm = Vm.fromBlob(HALT_42, { gas: 1000n });
  assert.equal(vm.exit, null);
  vm.setReg(0, HALT_ADDRESS);
  const exit = vm.run();
  assert.deepEqual(exit, { kind: 'halt' });
  assert.equal(vm.exit, exit);
  assert.equal(vm.getReg(7), 42n);
  assert.equal(vm.pc, 3); // the jump_ind that halted
  assert.ok(vm.gas < 1000n && vm.gas > 0n);
  assert.ok(Object.isFrozen(exit));
});

test('the assembler, reading the engine table, encodes HALT_42 byte for byte', () => {
  assert.deepEqual(blob(ins('load_imm', 7, 42), ins('jump_ind', 0, 0)), HALT_42);
  assert.throws(() => ins('no_such_op'), /unknown instruction/);
  assert.throws(() => ins('load_imm', 7), /cannot encode/);
});

test('registers: bigint in and out, numbers accepted, all 13 at once', () => {
  const vm = Vm.fromBlob(HALT_42, { gas: 1 });
  vm.setReg(12, 0xffff_ffff_ffff_ffffn);
  vm.setReg(3, 5);
  assert.equal(vm.getReg(12), 0xffff_ffff_ffff_ffffn);
  assert.equal(vm.getReg(3), 5n);
  const regs = vm.regs;
  assert.ok(regs instanceof BigUint64Array && regs.length === 13);
  regs[0] = 1n; // a copy
  assert.equal(vm.getReg(0), 0n);
  vm.regs = [1n, 2n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 2n ** 64n - 1n];
  assert.deepEqual([...vm.regs], [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n, 11n, 12n, 2n ** 64n - 1n]);
  vm.regs = new BigUint64Array(13);
  assert.deepEqual([...vm.regs], new Array(13).fill(0n));
});

test('gas and pc are assignable', () => {
  const vm = Vm.fromBlob(HALT_42, { gas: 0n });
  assert.deepEqual(vm.run(), { kind: 'out-of-gas' });
  assert.equal(vm.gas, 0n);
  vm.gas = 2n ** 63n;
  assert.equal(vm.gas, 2n ** 63n);
  vm.setReg(0, HALT_ADDRESS);
  assert.deepEqual(vm.resume(), { kind: 'halt' });
  vm.pc = 0;
  assert.equal(vm.exit, null);
  vm.setReg(7, 0);
  assert.deepEqual(vm.run(), { kind: 'halt' });
  assert.equal(vm.getReg(7), 42n);
});

test('out of gas leaves gas unchanged and resumes once gas is added', () => {
  // load_imm r7, 1 ; jump_ind r0 — one block.
  const vm = Vm.fromBlob(blob(ins('load_imm', 7, 1), ins('jump_ind', 0, 0)), { gas: 1n });
  vm.setReg(0, HALT_ADDRESS);
  assert.deepEqual(vm.run(), { kind: 'out-of-gas' });
  assert.equal(vm.gas, 1n);
  assert.equal(vm.pc, 0);
  assert.equal(vm.getReg(7), 0n);
  vm.gas = 1000n;
  assert.deepEqual(vm.resume(), { kind: 'halt' });
  assert.equal(vm.getReg(7), 1n);
});

test('panic on trap; run returns it again, resume refuses', () => {
  const vm = Vm.fromBlob(blob(ins('load_imm', 7, 9), ins('trap')), { gas: 100n });
  assert.deepEqual(vm.run(), { kind: 'panic' });
  assert.equal(vm.pc, 3);
  assert.deepEqual(vm.run(), { kind: 'panic' });
  assert.throws(() => vm.resume(), (e) => e instanceof PvmError && /panic/.test(e.message));
});

test('resume before any run throws', () => {
  const vm = Vm.fromBlob(HALT_42, { gas: 100n });
  assert.throws(() => vm.resume(), PvmError);
});

test('an unhandled host call is returned with its id and resumes after the ecalli', () => {
  const vm = Vm.fromBlob(blob(ins('ecalli', 77), ins('load_imm', 7, 5), ins('jump_ind', 0, 0)), { gas: 100n });
  vm.setReg(0, HALT_ADDRESS);
  const exit = vm.run();
  assert.deepEqual(exit, { kind: 'host-call', hostId: 77 });
  assert.equal(vm.pc, 0);
  const gas = vm.gas;
  assert.deepEqual(vm.resume(), { kind: 'halt' });
  assert.equal(vm.getReg(7), 5n);
  assert.equal(vm.gas, gas, 'the block is not charged twice');
});

test('GP 0.7 programs: one gas per instruction', () => {
  const vm = Vm.fromBlob(HALT_42, { gas: 100n, gp: '0.7' });
  vm.setReg(0, HALT_ADDRESS);
  assert.deepEqual(vm.run(), { kind: 'halt' });
  assert.equal(vm.gas, 98n);
  assert.equal(vm.program.gp, '0.7');
});

test('a Program is shared by many VMs, each with its own state', () => {
  const program = Program.fromBlob(HALT_42);
  assert.equal(program.gp, '0.8');
  assert.equal(program.instructionCount, 2);
  assert.deepEqual([...program.jumpTable], []);
  assert.deepEqual([...program.blockCosts()], [[0, program.blockCosts().get(0)]]);
  const vms = Array.from({ length: 8 }, (_, i) => {
    const vm = new Vm(program, { gas: 1000n + BigInt(i) });
    vm.setReg(0, HALT_ADDRESS);
    vm.setReg(7, i);
    return vm;
  });
  assert.equal(vms[3].getReg(7), 3n);
  for (const vm of vms) assert.equal(vm.run().kind, 'halt');
  assert.deepEqual(
    vms.map((vm) => vm.gas - vms[0].gas),
    vms.map((_, i) => BigInt(i)),
  );
  assert.equal(vms[0].program.instructionCount, 2);
});

test('JAM standard program: argument data mapped, r7/r8 point at it', () => {
  // Standard program: ro_len(3) rw_len(3) heap_pages(2) stack(3) ro rw code_len(4) blob.
  const code = blob(ins('load_u8', 9, 0), ins('jump_ind', 0, 0));
  const u24 = (n) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff];
  const u32 = (n) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
  const standard = new Uint8Array([...u24(0), ...u24(0), 0, 0, ...u24(4096), ...u32(code.length), ...code]);
  const vm = Vm.fromStandard(standard, new Uint8Array([7, 8, 9]), { gas: 1000n });
  const argsAddress = Number(vm.getReg(7));
  assert.equal(vm.getReg(8), 3n);
  assert.equal(vm.getReg(0), BigInt(HALT_ADDRESS));
  assert.deepEqual([...vm.read(argsAddress, 3)], [7, 8, 9]);
  assert.equal(vm.run().kind, 'panic'); // load_u8 from address 0: low memory
});

test('dispose releases the VM; later calls throw PvmError', () => {
  const vm = Vm.fromBlob(HALT_42, { gas: 1000n });
  assert.equal(vm.disposed, false);
  vm.dispose();
  assert.equal(vm.disposed, true);
  assert.throws(() => vm.run(), (e) => e instanceof PvmError && /disposed/.test(e.message));
  assert.throws(() => vm.gas, PvmError);
  vm[Symbol.dispose](); // idempotent
});

test('many VMs at once, and many created and dropped', () => {
  const live = Array.from({ length: 64 }, () => Vm.fromBlob(HALT_42, { gas: 1000n }));
  for (const vm of live) vm.setReg(0, HALT_ADDRESS);
  for (const vm of live) assert.equal(vm.run().kind, 'halt');
  for (let i = 0; i < 2000; i++) {
    const vm = Vm.fromBlob(HALT_42, { gas: 10n });
    vm.setReg(0, HALT_ADDRESS);
    vm.run();
    if (i % 2) vm.dispose();
  }
});

test('VMs in worker threads, two at a time, each with its own host functions', async () => {
  const { Worker } = await import('node:worker_threads');
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    const { Vm, MemoryAccessError } = require(workerData.pkg);
    const vm = Vm.fromPolkavm(readFileSync(workerData.guest), {
      gas: 10_000_000_000n,
      hosts: { 0: (v) => v.setReg(7, BigInt.asUintN(64, v.getReg(7) + v.getReg(8))) },
    });
    vm.call('hostcall', workerData.n);
    let typed = false;
    try { vm.read(0, 1); } catch (e) { typed = e instanceof MemoryAccessError; }
    parentPort.postMessage({ result: vm.getReg(7), typed });
  `;
  const run = (n) =>
    new Promise((resolve, reject) => {
      const worker = new Worker(source, {
        eval: true,
        workerData: { pkg: PACKAGE, guest: join(GUESTS, 'bin', 'hostcall.polkavm'), n },
      });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const [a, b] = await Promise.all([run(10), run(10000)]);
  assert.deepEqual(a, { result: 14759n, typed: true });
  assert.deepEqual(b, { result: 1838007774129845683n, typed: true });
});

test('the engine option: the library default, chosen per VM by every constructor', () => {
  assert.equal(SUPPORTED_ENGINES[0], 'interpreter');
  assert.ok(Object.isFrozen(SUPPORTED_ENGINES));
  const expected = SUPPORTED_ENGINES.includes('recompiler') ? 'recompiler' : 'interpreter';
  assert.equal(DEFAULT_ENGINE, expected);
  const program = Program.fromBlob(HALT_42);
  assert.equal(new Vm(program, { gas: 10n }).engine, expected);
  assert.equal(Vm.fromBlob(HALT_42, { gas: 10n }).engine, expected);
  assert.equal(Module.load(HALT_42).instantiate({ gas: 10n }).engine, expected);
  assert.equal(Vm.fromPolkavm(guest('hostcall'), { gas: 10n }).engine, expected);
  // Naming the interpreter overrides the default.
  assert.equal(new Vm(program, { gas: 10n, engine: 'interpreter' }).engine, 'interpreter');
  assert.equal(Module.load(HALT_42).instantiate({ gas: 10n, engine: 'interpreter' }).engine, 'interpreter');
  assert.throws(() => new Vm(program, { gas: 10n, engine: 'jit' }), RangeError);
  assert.throws(() => Vm.fromBlob(HALT_42, { gas: 10n, engine: 1 }), TypeError);
  for (const engine of SUPPORTED_ENGINES) {
    const hostcall = guest('hostcall');
    const vms = [
      new Vm(program, { gas: 100n, engine }),
      Vm.fromBlob(HALT_42, { gas: 100n, engine }),
      Module.load(HALT_42).instantiate({ gas: 100n, engine }),
      Vm.fromPolkavm(hostcall, { gas: 1n << 30n, engine }),
      Module.load(hostcall, { format: 'polkavm' }).instantiate({ gas: 1n << 30n, engine }),
    ];
    assert.deepEqual(vms.map((vm) => vm.engine), vms.map(() => engine));
    for (const vm of vms.slice(0, 3)) {
      vm.setReg(0, HALT_ADDRESS);
      assert.deepEqual(vm.run(), { kind: 'halt' });
      assert.equal(vm.getReg(7), 42n);
    }
    for (const vm of vms.slice(3)) {
      assert.deepEqual(vm.call('hostcall', 0), { kind: 'halt' });
    }
  }
  if (!SUPPORTED_ENGINES.includes('recompiler')) {
    assert.throws(() => Vm.fromBlob(HALT_42, { gas: 10n, engine: 'recompiler' }), PvmError);
  }
});
