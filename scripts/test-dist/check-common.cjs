'use strict';
// The check shared by check.cjs and check.mjs: returns the line to print.

const BLOB = new Uint8Array([0, 0, 9, 10, 1, 58, 8, 0, 0, 2, 50, 0, 0x85, 0x00]);
const VALUE = 0x1122334455667788n;

function check(pvm, assert, label) {
  const calls = [];
  const vm = pvm.Vm.fromBlob(BLOB, {
    gas: 10_000n,
    hosts: { 1: (vm) => { calls.push(1); vm.setReg(7, 42n); } },
  });
  vm.setReg(0, pvm.HALT_ADDRESS);
  assert.deepEqual(vm.run(), { kind: 'page-fault', address: 0x20000 });
  assert.deepEqual(calls, [1]);
  vm.map(0x20000, 4096);
  vm.writeU64(0x20000, VALUE);
  assert.deepEqual(vm.resume(), { kind: 'halt' });
  assert.equal(vm.getReg(7), 42n);
  assert.equal(vm.getReg(8), VALUE);
  return `${label} ${pvm.version}: host call 1 -> r7 = 42, page fault at 0x20000 ` +
    `-> r8 = 0x${vm.getReg(8).toString(16)}, halt`;
}

module.exports = { check };
