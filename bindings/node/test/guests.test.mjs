// The C guests (guests/bin/*.polkavm) through the binding: every small case of
// guests/expected.txt gives the native result and PolkaVM 0.37's exact gas.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ProgramError, Vm } from '../index.js';
import { guest, guestCases, hostAdd } from './helpers.mjs';

const GAS = 10_000_000_000n;
const cases = guestCases();

test('the guest cases are there', () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
  assert.ok(cases.every((c) => c.gasUsed !== undefined));
});

for (const { program, exportName, arg, result, gasUsed } of cases) {
  test(`${program}: ${exportName}(${arg}) = ${result}`, () => {
    const vm = Vm.fromPolkavm(guest(program), { gas: GAS, hosts: { 0: hostAdd } });
    assert.ok(vm.exports.includes(exportName));
    assert.deepEqual(vm.call(exportName, arg), { kind: 'halt' });
    assert.equal(vm.getReg(7), result);
    assert.equal(GAS - vm.gas, gasUsed);
  });
}

test('unknown exports and too many arguments are refused', () => {
  const vm = Vm.fromPolkavm(guest('fib'), { gas: GAS });
  assert.throws(() => vm.call('nope'), (e) => e instanceof ProgramError && /nope/.test(e.message) && /fib/.test(e.message));
  assert.throws(() => vm.prepareCall('fib', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), RangeError);
  const raw = Vm.fromBlob(new Uint8Array([0, 0, 1, 0, 1]), { gas: 1n });
  assert.deepEqual(raw.exports, []);
  assert.throws(() => raw.call('main'), ProgramError);
});

test('one guest VM is reusable: call after call', () => {
  const vm = Vm.fromPolkavm(guest('fib'), { gas: GAS });
  for (const [n, expected] of [[10n, 55n], [20n, 6765n], [1n, 1n]]) {
    assert.equal(vm.call('fib', n).kind, 'halt');
    assert.equal(vm.getReg(7), expected);
  }
});
