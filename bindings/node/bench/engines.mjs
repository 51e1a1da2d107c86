// The engines the benchmark compares, behind one shape: `prepare(call)` sets up a fresh
// machine for a GP 0.7 call (outside the timed region) and returns `run(host)`, which runs
// it to the end (servicing host calls with `host(regs)` semantics of `host_add`) and
// returns `{ result, gasUsed, hostCalls }`.

import * as anan from '@fluffylabs/anan-as';

import { Vm } from '../index.js';

const GAS = 10n ** 12n;
const HOST = 3; // anan-as status: host call
const HALT = 0; // anan-as status: halt
const STATUS = { 0: 'halt', 1: 'panic', 2: 'page-fault', 3: 'host-call', 4: 'out-of-gas' };

/** This binding in GP 0.7 mode (1 gas per instruction, GP 0.7 numbering). */
export const pvm = {
  name: 'pvm-node (gp 0.7)',
  prepare(call, hostFn) {
    const vm = Vm.fromBlob(call.blob, { gas: GAS, gp: '0.7' });
    for (const page of call.pages) vm.map(page.address, page.length, page.writable ? 'rw' : 'r');
    for (const chunk of call.chunks) vm.write(chunk.address, chunk.data, { privileged: true });
    vm.regs = call.regs;
    vm.pc = call.pc;
    let hostCalls = 0;
    if (hostFn) {
      vm.setHost(0, (v) => {
        hostCalls++;
        hostFn(v);
      });
    }
    return () => {
      const exit = vm.run();
      if (exit.kind !== 'halt') throw new Error(`pvm-node: ${JSON.stringify(exit)}`);
      return { result: vm.getReg(7), gasUsed: GAS - vm.gas, hostCalls };
    };
  },
};

/** This binding on the original `.polkavm` file, GP 0.8 (its native gas model). */
export const pvm08 = {
  name: 'pvm-node (gp 0.8, .polkavm)',
  prepare(polkavm, name, arg, hostFn) {
    const vm = Vm.fromPolkavm(polkavm, { gas: GAS });
    if (hostFn) vm.setHost(0, hostFn);
    vm.prepareCall(name, arg);
    return () => {
      const exit = vm.run();
      if (exit.kind !== 'halt') throw new Error(`pvm-node 0.8: ${JSON.stringify(exit)}`);
      return { result: vm.getReg(7), gasUsed: GAS - vm.gas };
    };
  },
};

/** Runs `fn` with anan-as's page-allocation notices ("Warning: Run out of pages!") muted. */
function quiet(fn) {
  const log = console.log;
  console.log = (...args) => {
    if (!String(args[0]).startsWith('Warning: Run out of pages')) log(...args);
  };
  try {
    return fn();
  } finally {
    console.log = log;
  }
}

/**
 * @fluffylabs/anan-as (AssemblyScript → WebAssembly, GP 0.7.2): `pvmStart` then the
 * `pvmResume` loop typeberry uses; a host call sets registers with `pvmSetRegisters`.
 */
export const ananAs = {
  name: 'anan-as',
  prepare(call, hostRegs) {
    return quiet(() => ananAs.prepareLoud(call, hostRegs));
  },

  prepareLoud(call, hostRegs) {
    const program = anan.prepareProgram(
      anan.InputKind.Generic,
      anan.HasMetadata.No,
      Array.from(call.blob),
      call.regs,
      call.pages.map((page) => ({ address: page.address, length: page.length, access: page.writable ? 2 : 1 })),
      call.chunks.map((chunk) => ({ address: chunk.address, data: Array.from(chunk.data) })),
      [],
      1024,
    );
    const id = anan.pvmStart(program, false);
    return () => quiet(() => {
      let hostCalls = 0;
      let pause = anan.pvmResume(id, GAS, call.pc, false);
      while (pause?.status === HOST && hostRegs) {
        hostCalls++;
        anan.pvmSetRegisters(id, hostRegs(pause.registers));
        pause = anan.pvmResume(id, pause.gas, pause.nextPc, false);
      }
      anan.pvmDestroy(id);
      if (pause?.status !== HALT) throw new Error(`anan-as stopped with ${STATUS[pause?.status] ?? pause?.status} at pc ${pause?.pc}`);
      return { result: pause.registers[7], gasUsed: GAS - pause.gas, hostCalls };
    });
  },
};
