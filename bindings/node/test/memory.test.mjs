// Guest memory: mapping, reads and writes at any width, faults, and zero-copy views.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HALT_ADDRESS, MemoryAccessError, Vm } from '../index.js';
import { blob, ENGINES, engineOptions, HALT_42, ins } from './helpers.mjs';

const PAGE = 0x20000;

function fresh() {
  return Vm.fromBlob(HALT_42, { gas: 1000n });
}

test('map, write, read; the length is rounded up to whole pages', () => {
  const vm = fresh();
  vm.map(PAGE, 100);
  assert.deepEqual(vm.mappedPages(), [{ address: PAGE, access: 'rw' }]);
  vm.write(PAGE, new TextEncoder().encode('hello'));
  assert.equal(new TextDecoder().decode(vm.read(PAGE, 5)), 'hello');
  assert.deepEqual([...vm.read(PAGE + 4090, 6)], [0, 0, 0, 0, 0, 0]);
  const target = new Uint8Array(3);
  assert.equal(vm.readInto(PAGE + 1, target), target);
  assert.deepEqual([...target], [...new TextEncoder().encode('ell')]);
  assert.deepEqual(vm.read(PAGE, 0), new Uint8Array(0));
});

test('little-endian integers of every width', () => {
  const vm = fresh();
  vm.map(PAGE, 4096);
  vm.writeU8(PAGE, 0xab);
  vm.writeU16(PAGE + 2, 0xbeef);
  vm.writeU32(PAGE + 4, 0xdeadbeef);
  vm.writeU64(PAGE + 8, 0x0123_4567_89ab_cdefn);
  assert.equal(vm.readU8(PAGE), 0xab);
  assert.equal(vm.readU16(PAGE + 2), 0xbeef);
  assert.equal(vm.readU32(PAGE + 4), 0xdeadbeef);
  assert.equal(vm.readU64(PAGE + 8), 0x0123_4567_89ab_cdefn);
  assert.deepEqual([...vm.read(PAGE + 4, 4)], [0xef, 0xbe, 0xad, 0xde]);
  vm.writeU64(PAGE + 16, 7);
  assert.equal(vm.readU64(PAGE + 16), 7n);
  assert.throws(() => vm.writeU8(PAGE, 256), RangeError);
  assert.throws(() => vm.writeU32(PAGE, -1), RangeError);
  assert.throws(() => vm.writeU64(PAGE, 2n ** 64n), RangeError);
});

test('an access across the end of the mapping fails with the first failing address, changing nothing', () => {
  const vm = fresh();
  vm.map(PAGE, 4096);
  vm.write(PAGE + 4092, new Uint8Array([1, 2, 3, 4]));
  assert.throws(
    () => vm.readU64(PAGE + 4092),
    (e) => e instanceof MemoryAccessError && e.address === PAGE + 4096 && e.name === 'MemoryAccessError',
  );
  assert.throws(() => vm.write(PAGE + 4094, new Uint8Array([9, 9, 9, 9])), MemoryAccessError);
  assert.deepEqual([...vm.read(PAGE + 4092, 4)], [1, 2, 3, 4]);
  assert.throws(() => vm.read(0x1000, 1), (e) => e instanceof MemoryAccessError && e.address === 0x1000);
});

test('read-only pages: host writes fail unless privileged; protect and unmap', () => {
  const vm = fresh();
  vm.map(PAGE, 8192, 'r');
  assert.throws(() => vm.write(PAGE, new Uint8Array([1])), MemoryAccessError);
  vm.write(PAGE, new Uint8Array([1, 2]), { privileged: true });
  vm.writeU16(PAGE + 2, 0x0403, { privileged: true });
  assert.deepEqual([...vm.read(PAGE, 4)], [1, 2, 3, 4]);
  vm.protect(PAGE, 4096, 'rw');
  vm.write(PAGE, new Uint8Array([5]));
  assert.deepEqual(vm.mappedPages(), [
    { address: PAGE, access: 'rw' },
    { address: PAGE + 4096, access: 'r' },
  ]);
  vm.unmap(PAGE, 4096);
  assert.throws(() => vm.read(PAGE, 1), MemoryAccessError);
  vm.map(PAGE, 4096);
  assert.deepEqual([...vm.read(PAGE, 2)], [0, 0], 'unmapped pages come back zeroed');
});

test('bad mappings: unaligned, low memory, beyond 4 GiB, unknown access', () => {
  const vm = fresh();
  assert.throws(() => vm.map(PAGE + 1, 4096), RangeError);
  assert.throws(() => vm.map(0, 4096), MemoryAccessError);
  assert.throws(() => vm.map(0xffff_f000, 8192), MemoryAccessError);
  assert.throws(() => vm.map(PAGE, 4096, /** @type {any} */ ('x')), RangeError);
  assert.throws(() => vm.map(2 ** 32, 4096), RangeError);
  assert.throws(() => vm.map(PAGE, -1), RangeError);
  assert.deepEqual(vm.mappedPages(), []);
});

for (const engine of ENGINES) {
  test(`a guest page fault reports the page; mapping it and resuming retries the access (${engine})`, engineOptions(engine), () => {
    // load_u32 r7, [0x30004] ; jump_ind r0
    const vm = Vm.fromBlob(blob(ins('load_u32', 7, 0x30004), ins('jump_ind', 0, 0)), { gas: 1000n, engine });
    assert.equal(vm.engine, engine);
    vm.setReg(0, HALT_ADDRESS);
    assert.deepEqual(vm.run(), { kind: 'page-fault', address: 0x30000 });
    assert.equal(vm.pc, 0);
    const gas = vm.gas;
    vm.map(0x30000, 4096);
    vm.writeU32(0x30004, 0xcafe);
    assert.deepEqual(vm.resume(), { kind: 'halt' });
    assert.equal(vm.getReg(7), 0xcafen);
    assert.equal(vm.gas, gas, 'the retried block is not charged twice');
  });

  test(`a guest store to a read-only page faults; a load from low memory panics (${engine})`, engineOptions(engine), () => {
    const store = Vm.fromBlob(blob(ins('store_u8', 7, 0x30000), ins('jump_ind', 0, 0)), { gas: 1000n, engine });
    store.map(0x30000, 4096, 'r');
    assert.deepEqual(store.run(), { kind: 'page-fault', address: 0x30000 });
    store.protect(0x30000, 4096, 'rw');
    assert.deepEqual(store.resume(), { kind: 'panic' }, 'r0 = 0 is no halt address');
    const low = Vm.fromBlob(blob(ins('load_u8', 7, 0x100), ins('jump_ind', 0, 0)), { gas: 1000n, engine });
    assert.deepEqual(low.run(), { kind: 'panic' });
  });
}

test('views are zero-copy: they see guest writes and host writes through them reach the guest', () => {
  // store_u8 [0x20000 + 1] <- r7 ; load_u8 r8 <- [0x20000] ; jump_ind r0
  const vm = Vm.fromBlob(blob(ins('store_u8', 7, PAGE + 1), ins('load_u8', 8, PAGE), ins('jump_ind', 0, 0)), {
    gas: 1000n,
  });
  vm.map(PAGE, 4096);
  const view = vm.view(PAGE, 16);
  assert.equal(view.length, 16);
  assert.equal(view.buffer.byteLength, 16, 'the buffer covers only the viewed range');
  view[0] = 99;
  vm.setReg(0, HALT_ADDRESS);
  vm.setReg(7, 55);
  assert.deepEqual(vm.run(), { kind: 'halt' });
  assert.equal(vm.getReg(8), 99n, 'the guest read the byte written through the view');
  assert.equal(view[1], 55, 'the view shows the byte the guest wrote');
  assert.equal(vm.readU8(PAGE), 99);
});

test('views: overlapping views agree, and a view of the VM can be the source or target of its own copy', () => {
  const vm = fresh();
  vm.map(PAGE, 8192);
  const a = vm.view(PAGE, 64);
  const b = vm.view(PAGE + 8, 64);
  a.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 0);
  assert.deepEqual([...b.subarray(0, 4)], [9, 10, 11, 12]);
  vm.write(PAGE + 4, a.subarray(0, 12)); // overlapping source and destination
  assert.deepEqual([...vm.read(PAGE, 16)], [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  vm.readInto(PAGE, b.subarray(0, 8)); // target inside guest memory
  assert.deepEqual([...vm.read(PAGE + 8, 8)], [1, 2, 3, 4, 1, 2, 3, 4]);
  assert.deepEqual(vm.view(PAGE, 0), new Uint8Array(0));
});

test('a view of an inaccessible range throws; a view keeps guest memory alive past dispose', () => {
  const vm = fresh();
  vm.map(PAGE, 4096, 'r');
  assert.throws(() => vm.view(PAGE + 4000, 200), (e) => e instanceof MemoryAccessError && e.address === PAGE + 4096);
  vm.write(PAGE, new Uint8Array([42]), { privileged: true });
  const view = vm.view(PAGE, 4096);
  vm.dispose();
  assert.equal(view[0], 42);
  view[1] = 7;
  assert.equal(view[1], 7);
});

test('views outlive garbage-collected VMs and survive many collections', () => {
  const views = [];
  for (let i = 0; i < 50; i++) {
    const vm = fresh();
    vm.map(PAGE, 4096);
    vm.writeU32(PAGE, i);
    views.push(vm.view(PAGE, 4));
    for (let j = 0; j < 200; j++) vm.view(PAGE, 4096); // dropped at once
  }
  globalThis.gc?.();
  views.forEach((view, i) => assert.equal(new DataView(view.buffer).getUint32(0, true), i));
});

test('structuredClone of a view copies only the viewed bytes', () => {
  const vm = fresh();
  vm.map(PAGE, 4096);
  vm.write(PAGE, new Uint8Array([1, 2, 3]));
  const copy = structuredClone(vm.view(PAGE, 3));
  vm.write(PAGE, new Uint8Array([9]));
  assert.deepEqual([...copy], [1, 2, 3]);
  assert.equal(copy.buffer.byteLength, 3);
});
