// Host functions: ecalli → JavaScript callback → resume; registration, "stop", errors,
// guest memory from the host, and VMs run from inside host functions.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HALT_ADDRESS, PvmError, Vm } from '../index.js';
import { blob, ENGINES, engineOptions, guest, guestCases, hostAdd, ins } from './helpers.mjs';

const GAS = 10_000_000_000n;
const hostcall = guest('hostcall');
const cases = guestCases().filter((c) => c.program === 'hostcall');

test('the expected hostcall cases exist', () => {
  assert.ok(cases.length >= 3 && cases.some((c) => c.arg === 0n));
});

for (const engine of ENGINES) {
  for (const { arg, result, gasUsed } of cases) {
    test(`hostcall(${arg}) with host_add in JavaScript = ${result}, gas as PolkaVM (${engine})`, engineOptions(engine), () => {
      const vm = Vm.fromPolkavm(hostcall, { gas: GAS, engine });
      assert.equal(vm.engine, engine);
      assert.deepEqual(vm.exports, ['hostcall']);
      let calls = 0;
      vm.setHost(0, (v, hostId) => {
        assert.equal(v, vm);
        assert.equal(hostId, 0);
        assert.deepEqual(v.exit, { kind: 'host-call', hostId: 0 });
        calls++;
        hostAdd(v);
      });
      assert.deepEqual(vm.call('hostcall', arg), { kind: 'halt' });
      assert.equal(vm.getReg(7), result);
      assert.equal(calls, Number(arg));
      assert.equal(GAS - vm.gas, gasUsed);
    });
  }
}

test('hosts given at creation, as an object or a Map; setHost/removeHost/hostIds', () => {
  const fromObject = Vm.fromPolkavm(hostcall, { gas: GAS, hosts: { 0: hostAdd } });
  assert.equal(fromObject.call('hostcall', 10).kind, 'halt');
  assert.equal(fromObject.getReg(7), 14759n);
  const fromMap = Vm.fromPolkavm(hostcall, { gas: GAS, hosts: new Map([[0, hostAdd]]) });
  assert.deepEqual(fromMap.hostIds, [0]);
  assert.equal(fromMap.setHost(5, () => {}).setHost(2, () => {}), fromMap);
  assert.deepEqual(fromMap.hostIds, [0, 2, 5]);
  assert.equal(fromMap.removeHost(0), true);
  assert.equal(fromMap.removeHost(0), false);
  assert.deepEqual(fromMap.call('hostcall', 2), { kind: 'host-call', hostId: 0 });
  assert.throws(() => fromMap.setHost(-1, hostAdd), RangeError);
  assert.throws(() => fromMap.setHost(2 ** 32, hostAdd), RangeError);
  assert.throws(() => fromMap.setHost(1, /** @type {any} */ ('nope')), TypeError);
  assert.throws(() => Vm.fromPolkavm(hostcall, { gas: 1n, hosts: /** @type {any} */ ({ x: hostAdd }) }), RangeError);
});

test('an unhandled host call is returned; serviced by hand, resume continues after the ecalli', () => {
  const vm = Vm.fromPolkavm(hostcall, { gas: GAS });
  const exit = vm.call('hostcall', 2);
  assert.deepEqual(exit, { kind: 'host-call', hostId: 0 });
  const ecalli = vm.pc;
  hostAdd(vm);
  vm.setHost(0, hostAdd);
  assert.deepEqual(vm.resume(), { kind: 'halt' });
  assert.notEqual(vm.pc, ecalli);
  assert.equal(vm.getReg(7), 1n); // hostcall(2): host_add(0, 0) = 0, then host_add(0, 1) = 1
});

test('returning "stop" stops the VM after the host function; resume continues', () => {
  const vm = Vm.fromPolkavm(hostcall, { gas: GAS });
  let calls = 0;
  vm.setHost(0, (v) => {
    hostAdd(v);
    return ++calls === 3 ? 'stop' : undefined;
  });
  assert.deepEqual(vm.call('hostcall', 10), { kind: 'host-call', hostId: 0 });
  assert.equal(calls, 3);
  assert.deepEqual(vm.resume(), { kind: 'halt' });
  assert.equal(calls, 10);
  assert.equal(vm.getReg(7), 14759n);
});

test('an exception in a host function propagates; the call counts as serviced', () => {
  const vm = Vm.fromPolkavm(hostcall, { gas: GAS });
  let calls = 0;
  vm.setHost(0, (v) => {
    hostAdd(v);
    if (++calls === 2) throw new Error('boom');
  });
  assert.throws(() => vm.call('hostcall', 10), /boom/);
  assert.deepEqual(vm.exit, { kind: 'host-call', hostId: 0 });
  assert.deepEqual(vm.resume(), { kind: 'halt' });
  assert.equal(vm.getReg(7), 14759n);
});

test('a host function must return undefined or "stop"', () => {
  const vm = Vm.fromPolkavm(hostcall, { gas: GAS, hosts: { 0: () => /** @type {any} */ (42) } });
  assert.throws(() => vm.call('hostcall', 1), (e) => e instanceof TypeError && /returned 42/.test(e.message));
});

for (const engine of ENGINES) test(`the host reads guest memory and writes back; the guest sees it (${engine})`, engineOptions(engine), () => {
  const BUF = 0x20000;
  // r7 = buffer, r8 = length; ecalli 1 (upper-case in place, r7 = byte sum);
  // r9 = first byte; halt.
  const program = blob(
    ins('load_imm', 7, BUF),
    ins('load_imm', 8, 5),
    ins('ecalli', 1),
    ins('load_u8', 9, BUF),
    ins('jump_ind', 0, 0),
  );
  for (const zeroCopy of [false, true]) {
    const vm = Vm.fromBlob(program, { gas: 1000n, engine });
    assert.equal(vm.engine, engine);
    vm.map(BUF, 4096);
    vm.write(BUF, new TextEncoder().encode('hello'));
    vm.setReg(0, HALT_ADDRESS);
    vm.setHost(1, (v) => {
      const address = Number(v.getReg(7));
      const length = Number(v.getReg(8));
      const bytes = zeroCopy ? v.view(address, length) : v.read(address, length);
      const upper = new TextEncoder().encode(new TextDecoder().decode(bytes).toUpperCase());
      v.write(address, upper);
      v.setReg(7, upper.reduce((sum, byte) => sum + byte, 0));
    });
    assert.deepEqual(vm.run(), { kind: 'halt' });
    assert.equal(new TextDecoder().decode(vm.read(BUF, 5)), 'HELLO');
    assert.equal(vm.getReg(7), BigInt([...'HELLO'].reduce((s, c) => s + c.charCodeAt(0), 0)));
    assert.equal(vm.getReg(9), BigInt('H'.charCodeAt(0)));
  }
});

test('a host memory fault is a MemoryAccessError the host can turn into its own result', () => {
  const vm = Vm.fromBlob(blob(ins('load_imm', 7, 0x50000), ins('ecalli', 2), ins('jump_ind', 0, 0)), { gas: 1000n });
  vm.setReg(0, HALT_ADDRESS);
  vm.setHost(2, (v) => {
    try {
      v.read(Number(v.getReg(7)), 8);
    } catch (error) {
      v.setReg(7, 2n ** 64n - 1n); // e.g. JAM's OOB result code
      assert.equal(/** @type {any} */ (error).address, 0x50000);
    }
  });
  assert.deepEqual(vm.run(), { kind: 'halt' });
  assert.equal(vm.getReg(7), 2n ** 64n - 1n);
});

test('a host function may run other VMs, including ones with host functions of their own', () => {
  const inner = Vm.fromPolkavm(hostcall, { gas: GAS, hosts: { 0: hostAdd } });
  const outer = Vm.fromPolkavm(hostcall, { gas: GAS });
  outer.setHost(0, (v) => {
    assert.equal(inner.call('hostcall', 10).kind, 'halt');
    assert.equal(inner.getReg(7), 14759n);
    hostAdd(v);
  });
  assert.equal(outer.call('hostcall', 10).kind, 'halt');
  assert.equal(outer.getReg(7), 14759n);
});

test('running the same VM from inside its own host function throws PvmError', () => {
  const vm = Vm.fromPolkavm(hostcall, { gas: GAS });
  const seen = [];
  vm.setHost(0, (v) => {
    for (const attempt of [() => v.run(), () => v.resume(), () => v.call('hostcall', 1), () => v.dispose()]) {
      try {
        attempt();
      } catch (error) {
        seen.push(error instanceof PvmError);
      }
    }
    hostAdd(v);
  });
  assert.equal(vm.call('hostcall', 1).kind, 'halt');
  assert.deepEqual(seen, [true, true, true, true]);
  assert.equal(vm.call('hostcall', 10).kind, 'halt', 'usable again afterwards');
});

test('a host function can change gas: setting it to zero makes the next block run out', () => {
  const vm = Vm.fromPolkavm(hostcall, { gas: GAS });
  vm.setHost(0, (v) => {
    hostAdd(v);
    v.gas = 0n;
  });
  assert.deepEqual(vm.call('hostcall', 10), { kind: 'out-of-gas' });
});
