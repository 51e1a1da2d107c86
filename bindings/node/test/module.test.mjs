// Module (load once, start many VMs) and ModuleCache (by code hash, bounded, LRU).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { codeHash, HALT_ADDRESS, Module, ModuleCache, ProgramError, Vm } from '../index.js';
import { guest, HALT_42, hostAdd } from './helpers.mjs';

// 0: ecalli 7 ; 2: add_imm_64 r7, r7, -1 ; 5: branch_ne_imm r7, 0, @0 ; 8: jump_ind r0
const LOOP = new Uint8Array([0, 0, 10, 10, 7, 0x95, 0x77, 0xff, 0x52, 0x07, 0xfb, 0x32, 0x00, 0x25, 0x01]);
const HOSTCALL = guest('hostcall');

/** hostcall(n) on a fresh VM of `module`: r7. */
function hostcall(module, n) {
  const vm = module.instantiate({ gas: 1n << 40n, hosts: { 0: hostAdd } });
  assert.deepEqual(vm.call('hostcall', n), { kind: 'halt' });
  const result = vm.getReg(7);
  vm.dispose();
  return result;
}

test('a module is loaded once and starts many VMs, preparing only the blocks that ran', () => {
  const module = Module.load(HOSTCALL, { format: 'polkavm' });
  assert.equal(module.format, 'polkavm');
  assert.equal(module.gp, '0.8');
  assert.ok(module.exports.includes('hostcall'));
  const before = module.preparedBlocks;
  assert.ok(module.blockCount > 1 && before < module.blockCount);
  for (let i = 0; i < 20; i++) assert.equal(hostcall(module, 10), 14759n);
  assert.ok(module.preparedBlocks > before && module.preparedBlocks <= module.blockCount);
  assert.ok(module.footprint >= HOSTCALL.length / 2);
  const direct = Vm.fromPolkavm(HOSTCALL, { gas: 10 });
  direct.prepareCall('hostcall', 1);
  assert.equal(direct.pc, module.exportPc('hostcall'));
  assert.throws(() => module.exportPc('nope'), ProgramError);
  assert.ok(module.program.instructionCount > 0);
});

test('raw and standard modules start VMs as fromBlob and fromStandard do', () => {
  const raw = Module.load(LOOP);
  assert.equal(raw.format, 'raw');
  assert.deepEqual(raw.exports, []);
  for (let i = 0; i < 3; i++) {
    const seen = [];
    const vm = raw.instantiate({ gas: 1000, hosts: { 7: (vm) => void seen.push(vm.getReg(7)) } });
    assert.deepEqual([...vm.regs], new Array(13).fill(0n));
    assert.deepEqual(vm.mappedPages(), []);
    vm.setReg(0, HALT_ADDRESS);
    vm.setReg(7, 2);
    assert.deepEqual(vm.run(), { kind: 'halt' });
    assert.deepEqual(seen, [2n, 1n]);
  }
  assert.equal(Module.load(LOOP, { gp: '0.7' }).gp, '0.7');

  const standard = new Uint8Array(15 + HALT_42.length);
  standard[11] = HALT_42.length;
  standard.set(HALT_42, 15);
  const module = Module.load(standard, { format: 'standard' });
  const vm = module.instantiate({ gas: 100, args: new Uint8Array([7, 8, 9]) });
  assert.equal(vm.getReg(0), BigInt(HALT_ADDRESS));
  assert.equal(vm.getReg(8), 3n);
  assert.deepEqual(vm.read(Number(vm.getReg(7)), 3), new Uint8Array([7, 8, 9]));
  assert.deepEqual(vm.run(), { kind: 'halt' });
  assert.equal(vm.getReg(7), 42n);
  assert.equal(module.instantiate({ gas: 1 }).getReg(8), 0n);
});

test('bad programs and options throw typed errors', () => {
  const cache = new ModuleCache(1 << 20);
  for (const [blob, options, error] of [
    [new TextEncoder().encode('garbage!'), {}, ProgramError],
    [new Uint8Array(0), {}, ProgramError],
    [LOOP.subarray(0, LOOP.length - 1), {}, ProgramError],
    [new TextEncoder().encode('garbage!'), { format: 'standard' }, ProgramError],
    [new TextEncoder().encode('PVM\0garbage'), { format: 'polkavm' }, ProgramError],
    [LOOP, { format: 'polkavm', gp: '0.7' }, TypeError],
    [LOOP, { format: 'elf' }, TypeError],
    [LOOP, { gp: '0.9' }, Error],
  ]) {
    assert.throws(() => Module.load(blob, options), error, JSON.stringify(options));
    assert.throws(() => cache.load(blob, options), error, JSON.stringify(options));
  }
  assert.equal(cache.stats.entries, 0);
  assert.throws(() => Module.load('bytes'), TypeError);
  assert.throws(() => cache.load([1, 2]), TypeError);
  assert.throws(() => Module.load(LOOP).instantiate({ gas: 1, args: 'x' }), TypeError);
  assert.throws(() => Module.load(LOOP, 'raw'), TypeError);
  assert.throws(() => cache.load(LOOP, { codeHash: new Uint8Array(5) }), RangeError);
  assert.throws(() => cache.load(LOOP, { codeHash: 'x'.repeat(32) }), TypeError);
  assert.throws(() => new ModuleCache(-1), RangeError);
  assert.throws(() => new ModuleCache(1.5), RangeError);
  assert.throws(() => new ModuleCache('1'), TypeError);
  assert.throws(() => Module.load(LOOP).instantiate({}), TypeError);
  assert.throws(() => new Module(Symbol('x'), null), TypeError);
});

test('the cache counts hits and misses, keys by hash, format and version, and clears', () => {
  const cache = new ModuleCache(64 << 20);
  assert.equal(cache.maxBytes, 64 << 20);
  assert.deepEqual({ ...cache.stats }, { entries: 0, bytes: 0, maxBytes: 64 << 20, hits: 0, misses: 0, evictions: 0 });
  const first = cache.load(HOSTCALL, { format: 'polkavm' });
  const second = cache.load(HOSTCALL, { format: 'polkavm' });
  let stats = cache.stats;
  assert.deepEqual([stats.entries, stats.hits, stats.misses], [1, 1, 1]);
  assert.equal(stats.bytes, first.footprint);
  assert.equal(hostcall(first, 10), 14759n);
  assert.ok(second.preparedBlocks > 0);
  assert.equal(second.preparedBlocks, first.preparedBlocks); // one shared program
  const hash = codeHash(HOSTCALL);
  assert.equal(hash.length, 32);
  assert.notDeepEqual(hash, codeHash(LOOP));
  cache.load(HOSTCALL, { format: 'polkavm', codeHash: hash });
  assert.equal(cache.stats.hits, 2);
  const fake = new Uint8Array(32).fill(7);
  assert.equal(cache.load(LOOP, { codeHash: fake }).blockCount, cache.load(HALT_42, { codeHash: fake }).blockCount);
  cache.load(LOOP, { codeHash: fake, gp: '0.7' });
  stats = cache.stats;
  assert.deepEqual([stats.entries, stats.hits, stats.misses], [3, 3, 3]);
  cache.clear();
  stats = cache.stats;
  assert.deepEqual([stats.entries, stats.bytes, stats.hits, stats.misses], [0, 0, 3, 3]);
  assert.equal(hostcall(first, 10), 14759n); // modules outlive their entries
});

test('the cache evicts the least recently used module to stay within its bound', () => {
  const small = Module.load(LOOP).footprint;
  const big = Module.load(HOSTCALL, { format: 'polkavm' }).footprint;
  const cache = new ModuleCache(small + big);
  cache.load(LOOP);
  const kept = cache.load(HOSTCALL, { format: 'polkavm' });
  cache.load(LOOP); // now the most recently used
  cache.load(HALT_42); // no room for all three: the polkavm program goes
  const stats = cache.stats;
  assert.equal(stats.evictions, 1);
  assert.equal(stats.entries, 2);
  assert.ok(stats.bytes <= small + big);
  cache.load(LOOP);
  assert.equal(cache.stats.misses, stats.misses);
  cache.load(HOSTCALL, { format: 'polkavm' });
  assert.equal(cache.stats.misses, stats.misses + 1);
  assert.equal(hostcall(kept, 10), 14759n);
  const none = new ModuleCache(0);
  assert.equal(hostcall(none.load(HOSTCALL, { format: 'polkavm' }), 10), 14759n);
  assert.equal(none.stats.entries, 0);
});
