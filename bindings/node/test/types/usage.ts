// Compiled by test/types.test.mjs with `tsc --strict`: the public types describe the API
// as a TypeScript user writes against it, and reject what they should.

import { codeHash, DEFAULT_ENGINE, HALT_ADDRESS, MemoryAccessError, Module, ModuleCache, Program, PvmError, SUPPORTED_ENGINES, Vm } from 'pvm-node';
import type { CacheStats, Engine, Exit, HostFunction, Page, ProgramFormat } from 'pvm-node';

const blob = new Uint8Array([0, 0, 5, 51, 7, 42, 50, 0, 0b1001]);
const program: Program = Program.fromBlob(blob, { gp: '0.7' });
const vm: Vm = new Vm(program, { gas: 1_000n });
const other = Vm.fromBlob(blob, { gas: 1000, gp: '0.8', hosts: { 0: () => undefined } });
vm.setReg(0, HALT_ADDRESS);
vm.setReg(1, 2n ** 63n);
vm.regs = [0n, 1n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const regs: BigUint64Array = vm.regs;
const gas: bigint = vm.gas;
vm.gas = 5;
const pc: number = vm.pc;
const engines: readonly Engine[] = SUPPORTED_ENGINES;
const defaultEngine: Engine = DEFAULT_ENGINE;
const compiled: Vm = Vm.fromBlob(blob, { gas: 10n, engine: 'recompiler' });
const engine: Engine = compiled.engine;

const add: HostFunction = (v, hostId) => {
  const sum: bigint = v.getReg(7) + v.getReg(8) + BigInt(hostId);
  v.setReg(7, BigInt.asUintN(64, sum));
};
vm.setHost(0, add).setHost(1, () => 'stop');

const exit: Exit = vm.run();
switch (exit.kind) {
  case 'page-fault':
    vm.map(exit.address, 4096, 'rw');
    break;
  case 'host-call': {
    const id: number = exit.hostId;
    void id;
    break;
  }
  case 'halt':
  case 'panic':
  case 'out-of-gas':
    break;
}
const last: Exit | null = vm.exit;
const bytes: Uint8Array = vm.read(0x20000, 4);
const into: Uint8Array = vm.readInto(0x20000, new Uint8Array(4));
const live: Uint8Array = vm.view(0x20000, 4);
vm.write(0x20000, bytes, { privileged: true });
vm.writeU64(0x20000, 1n);
const word: bigint = vm.readU64(0x20000);
const half: number = vm.readU16(0x20000);
const pages: Page[] = vm.mappedPages();
const costs: Map<number, number> = program.blockCosts();
const names: readonly string[] = other.exports;

try {
  vm.readU32(0);
} catch (error) {
  if (error instanceof MemoryAccessError) {
    const address: number = error.address;
    void address;
  } else if (error instanceof PvmError) {
    const message: string = error.message;
    void message;
  }
}

{
  using scoped = Vm.fromBlob(blob, { gas: 1n });
  scoped.run();
}

const loaded: Module = Module.load(blob, { format: 'raw', gp: '0.8' });
const started: Vm = loaded.instantiate({ gas: 10n, args: new Uint8Array(1), hosts: { 0: add } });
const format: ProgramFormat = loaded.format;
const prepared: number = loaded.preparedBlocks + loaded.blockCount + loaded.footprint;
const cache = new ModuleCache(1 << 20);
const cached: Module = cache.load(blob, { format: 'polkavm', codeHash: codeHash(blob) });
const stats: CacheStats = cache.stats;
const hits: number = stats.hits + stats.misses + stats.evictions + cache.maxBytes;
cache.clear();

// What the types must reject:
// @ts-expect-error unknown program format
Module.load(blob, { format: 'elf' });
// @ts-expect-error instantiate needs gas
loaded.instantiate({});
// @ts-expect-error the constructor is private
new Module();
// @ts-expect-error stats are read-only
cache.stats.hits = 1;
// @ts-expect-error gas is required
Vm.fromBlob(blob, {});
// @ts-expect-error registers take bigint or number
vm.setReg(0, '1');
// @ts-expect-error getReg returns a bigint
const asNumber: number = vm.getReg(0);
// @ts-expect-error exits have no `id`
void exit.id;
// @ts-expect-error only page faults have an address
if (exit.kind === 'halt') void exit.address;
// @ts-expect-error unknown Gray Paper version
Program.fromBlob(blob, { gp: '0.9' });
// @ts-expect-error unknown access
vm.map(0x20000, 4096, 'x');
// @ts-expect-error unknown engine
Vm.fromBlob(blob, { gas: 10n, engine: 'jit' });
// @ts-expect-error host functions return void or "stop"
vm.setHost(0, () => 42);
// @ts-expect-error Program has no public constructor
new Program();

void [regs, gas, pc, last, into, live, word, half, pages, costs, names, asNumber];
void [started, format, prepared, cached, hits];
