/// <reference lib="esnext.disposable" />
/**
 * pvm-node: the Node.js binding of the pvm engine — a fast, exact JAM PVM (Gray Paper
 * 0.8.0 as PolkaVM 0.37's JamV1 implements it, with a switch for GP 0.7 programs).
 *
 * @example
 * const vm = Vm.fromBlob(blob, { gas: 1_000n });
 * vm.setReg(0, HALT_ADDRESS);
 * const exit = vm.run(); // { kind: "halt" }
 */

/** The Gray Paper version whose rules a program follows: numbering, gas model, validation. */
export type Gp = '0.8' | '0.7';

/**
 * The back end that runs a VM: the interpreter (every platform) or the recompiler (x86-64
 * machine code, x86-64 Linux only). Both give the same results. The default,
 * {@link DEFAULT_ENGINE}, is the recompiler where it is supported, the interpreter elsewhere.
 */
export type Engine = 'interpreter' | 'recompiler';

/** Page access: read-write, read-only, or none (unmapped). */
export type Access = 'rw' | 'r' | 'none';

/** Why a run stopped. */
export type Exit =
  /** A dynamic jump to the halt address: the program finished. */
  | { readonly kind: 'halt' }
  /** A trap, an invalid jump, an access to the low 64 KiB, or an invalid pc. */
  | { readonly kind: 'panic' }
  /** The next basic block costs more gas than is left; gas is unchanged. */
  | { readonly kind: 'out-of-gas' }
  /** An access to an inaccessible page: map it and `resume()` to retry the instruction. */
  | { readonly kind: 'page-fault'; readonly address: number }
  /** `ecalli hostId` with no host function (or one that returned "stop"). */
  | { readonly kind: 'host-call'; readonly hostId: number };

/** The kinds of {@link Exit}. */
export type ExitKind = Exit['kind'];

/**
 * A host function, called synchronously on `ecalli hostId`. It may read and write the
 * VM's registers, memory, gas and pc, and run other VMs. Return nothing to continue after
 * the `ecalli`, or "stop" to make `run()` return the host-call exit (`resume()` then
 * continues after the `ecalli`). A thrown exception propagates out of `run()`; the call
 * counts as serviced.
 */
export type HostFunction = (vm: Vm, hostId: number) => void | 'stop';

/** Host functions by `ecalli` id. */
export type HostTable = { readonly [hostId: number]: HostFunction } | ReadonlyMap<number, HostFunction>;

/** A 64-bit value: a bigint in 0..2**64, or a non-negative safe-integer number. */
export type U64 = bigint | number;

/** Options of every VM constructor. */
export interface VmOptions {
  /** Initial gas. */
  gas: U64;
  /**
   * The engine (default: {@link DEFAULT_ENGINE}, the recompiler where it is supported, the
   * interpreter elsewhere). Asking for one not in {@link SUPPORTED_ENGINES} throws
   * {@link PvmError}: there is no silent fallback.
   */
  engine?: Engine;
  /** Host functions to register (see {@link Vm.setHost}). */
  hosts?: HostTable;
}

/** Options of the constructors that take a raw or standard program. */
export interface ProgramVmOptions extends VmOptions {
  /** The Gray Paper version of the program (default "0.8"). */
  gp?: Gp;
}

/** Options of memory writes. */
export interface WriteOptions {
  /** Also write read-only pages (unmapped pages still fail). */
  privileged?: boolean;
}

/** A mapped page. */
export interface Page {
  /** The page's address (a multiple of {@link PAGE_SIZE}). */
  readonly address: number;
  /** "rw" or "r". */
  readonly access: Exclude<Access, 'none'>;
}

/** A validated, pre-decoded raw program blob that any number of VMs can share. */
export declare class Program {
  private constructor();
  /** Parses and validates a raw program blob (jump table, code, bitmask); throws {@link ProgramError}. */
  static fromBlob(blob: Uint8Array, options?: { gp?: Gp }): Program;
  /** The Gray Paper version whose rules the program follows. */
  readonly gp: Gp;
  /** Number of instructions. */
  readonly instructionCount: number;
  /** The dynamic jump table (code offsets). */
  readonly jumpTable: Uint32Array;
  /** The gas cost of every basic block: pc → cost, in code order. */
  blockCosts(): Map<number, number>;
}

/** How a program's bytes are read: a raw blob (GP A.2), a JAM standard program (GP A.7) or a PolkaVM `.polkavm` file. */
export type ProgramFormat = 'raw' | 'standard' | 'polkavm';

/** Options of {@link Module.load}. */
export interface ModuleLoadOptions {
  /** The program format (default "raw"). */
  format?: ProgramFormat;
  /** The Gray Paper version (default "0.8"; a `.polkavm` program is always "0.8"). */
  gp?: Gp;
}

/** Options of {@link ModuleCache.load}. */
export interface CacheLoadOptions extends ModuleLoadOptions {
  /** The blake2b-256 of the bytes, if known (32 bytes; trusted); computed otherwise. */
  codeHash?: Uint8Array;
}

/** Options of {@link Module.instantiate}. */
export interface InstantiateOptions extends VmOptions {
  /** Argument data of a JAM standard program (ignored by the other formats). */
  args?: Uint8Array;
}

/**
 * A program parsed and validated once: every VM made by {@link Module.instantiate} shares
 * its code and the blocks prepared so far, and costs only its memory set-up.
 */
export declare class Module {
  private constructor();
  /** Parses and validates a program; throws {@link ProgramError}. */
  static load(blob: Uint8Array, options?: ModuleLoadOptions): Module;
  /** A fresh VM, as the constructor of the module's format makes it. */
  instantiate(options: InstantiateOptions): Vm;
  /** The code offset of the `.polkavm` export `name`; throws {@link ProgramError} if none. */
  exportPc(name: string): number;
  /** The names of the `.polkavm` exports (empty for other formats). */
  readonly exports: readonly string[];
  /** The program format. */
  readonly format: ProgramFormat;
  /** The Gray Paper version whose rules the program follows. */
  readonly gp: Gp;
  /** The shared program. */
  readonly program: Program;
  /** Basic blocks of the code. */
  readonly blockCount: number;
  /** Basic blocks prepared so far (on first entry, by any VM of this module). */
  readonly preparedBlocks: number;
  /** Bytes the module keeps: what a {@link ModuleCache} counts. */
  readonly footprint: number;
}

/** What {@link ModuleCache.stats} reports. */
export interface CacheStats {
  /** Modules held. */
  readonly entries: number;
  /** Sum of their footprints in bytes. */
  readonly bytes: number;
  /** The bound given to the constructor. */
  readonly maxBytes: number;
  /** Loads answered from the cache. */
  readonly hits: number;
  /** Loads that parsed the program. */
  readonly misses: number;
  /** Modules dropped to make room. */
  readonly evictions: number;
}

/**
 * Loaded modules by code hash (blake2b-256 of the bytes), format and GP version, at most
 * `maxBytes` of them in total, least recently used evicted first. Modules it returns stay
 * valid after eviction and {@link ModuleCache.clear}.
 */
export declare class ModuleCache {
  /** An empty cache of at most `maxBytes` (a module larger than that is loaded but not kept). */
  constructor(maxBytes: number);
  /** The cached module for `blob`, or a newly loaded and remembered one; throws {@link ProgramError}. */
  load(blob: Uint8Array, options?: CacheLoadOptions): Module;
  /** The counters. */
  readonly stats: CacheStats;
  /** The bound given to the constructor. */
  readonly maxBytes: number;
  /** Drops every cached module; the counters are kept. */
  clear(): void;
}

/** blake2b-256 of `blob`: the code hash a {@link ModuleCache} keys modules by. */
export declare function codeHash(blob: Uint8Array): Uint8Array;

/** A PVM instance: a program with its registers, gas, pc and guest memory. */
export declare class Vm implements Disposable {
  /** A fresh VM for `program` at pc 0, with zeroed registers and no memory mapped. */
  constructor(program: Program, options: VmOptions);
  /** Loads a raw program blob (jump table, code, bitmask) into a fresh VM. */
  static fromBlob(blob: Uint8Array, options: ProgramVmOptions): Vm;
  /**
   * Sets up a JAM standard program with argument data (GP A.7): RO/RW data, heap, stack
   * and arguments mapped; r0 = halt address, r1 = stack top, r7/r8 = argument
   * address/length; pc 0.
   */
  static fromStandard(blob: Uint8Array, args: Uint8Array, options: ProgramVmOptions): Vm;
  /**
   * Loads a PolkaVM `.polkavm` program (GP 0.8 / JamV1) with its data and stack mapped
   * where PolkaVM 0.37 places them; call its exports with {@link Vm.call}.
   */
  static fromPolkavm(blob: Uint8Array, options: VmOptions): Vm;

  /** The engine that runs this VM. */
  readonly engine: Engine;
  /** The program this VM runs (shared, not copied). */
  readonly program: Program;
  /** The names of the exports (empty unless made by `fromPolkavm`). */
  readonly exports: readonly string[];
  /**
   * Sets up a call of export `name` the PolkaVM way without running it: registers cleared,
   * r0 = halt address, r1 = stack pointer, `args` in r7..r12 then r2..r4.
   */
  prepareCall(name: string, ...args: U64[]): void;
  /** `prepareCall(name, ...args)` then `run()`; on "halt" the result is in r7. */
  call(name: string, ...args: U64[]): Exit;

  /** Register `index` (0..12); `RangeError` otherwise. */
  getReg(index: number): bigint;
  /** Sets register `index` (0..12); `RangeError` for values outside 0..2**64. */
  setReg(index: number, value: U64): void;
  /** A copy of the 13 registers; assign 13 values to set them all. */
  get regs(): BigUint64Array;
  set regs(values: ArrayLike<U64>);
  /** Gas left. */
  get gas(): bigint;
  set gas(gas: U64);
  /**
   * The pc: after an exit, the instruction that caused it. Assigning moves execution
   * there; the next run charges the gas of the block it starts in.
   */
  get pc(): number;
  set pc(pc: number);
  /** The exit of the last run (inside a host function: its host call), or null. */
  readonly exit: Exit | null;

  /** Registers `fn` for `ecalli id`, replacing any previous one; returns this VM. */
  setHost(id: number, fn: HostFunction): this;
  /** Removes the host function for `id`; whether there was one. */
  removeHost(id: number): boolean;
  /** The ids that have a host function, ascending. */
  readonly hostIds: number[];

  /**
   * Runs until an exit that no host function handles. After "halt" or "panic" it returns
   * the same exit again until `pc` is assigned. Throws {@link PvmError} when called from
   * a host function of this same VM.
   */
  run(): Exit;
  /**
   * Continues after a resumable exit ("host-call" returned to the caller, "page-fault"
   * after mapping the page, "out-of-gas" after adding gas); throws {@link PvmError} if
   * the VM has not run since it was set up, or halted or panicked.
   */
  resume(): Exit;

  /** A copy of readable guest memory; throws {@link MemoryAccessError}. */
  read(address: number, length: number): Uint8Array;
  /** Copies readable guest memory into `target` (its whole length); returns `target`. */
  readInto<T extends Uint8Array>(address: number, target: T): T;
  /**
   * A `Uint8Array` over guest memory itself, without a copy. It shows live guest memory
   * (later guest writes; zeros once its pages are unmapped), and writes through it bypass
   * page protection like `privileged` writes: treat it as valid until the VM runs or its
   * pages change. It is always memory-safe: it keeps the guest memory alive, even past
   * {@link Vm.dispose}.
   */
  view(address: number, length: number): Uint8Array;
  /** Writes `data` to writable guest memory; throws {@link MemoryAccessError} (nothing written). */
  write(address: number, data: Uint8Array, options?: WriteOptions): void;
  /** Little-endian integer reads. */
  readU8(address: number): number;
  readU16(address: number): number;
  readU32(address: number): number;
  readU64(address: number): bigint;
  /** Little-endian integer writes; `RangeError` if the value does not fit. */
  writeU8(address: number, value: number, options?: WriteOptions): void;
  writeU16(address: number, value: number, options?: WriteOptions): void;
  writeU32(address: number, value: number, options?: WriteOptions): void;
  writeU64(address: number, value: U64, options?: WriteOptions): void;
  /** Maps pages zero-filled (default "rw"): `address` page-aligned, `length` rounded up to whole pages. */
  map(address: number, length: number, access?: Access): void;
  /** Changes the access of pages, keeping their contents ("none" unmaps them). */
  protect(address: number, length: number, access: Access): void;
  /** Unmaps pages; they read back as zeros if mapped again. */
  unmap(address: number, length: number): void;
  /** The mapped pages, ascending. */
  mappedPages(): Page[];

  /**
   * Releases the engine instance now rather than at garbage collection; later calls throw
   * {@link PvmError}. Guest memory lives on while views of it are alive.
   */
  dispose(): void;
  /** The same as `dispose()` (for `using vm = ...`). */
  [Symbol.dispose](): void;
  /** Whether `dispose` was called. */
  readonly disposed: boolean;
}

/** Base class of every error the pvm engine reports; the message is the engine's. */
export declare class PvmError extends Error {}
/** The program, container or export is invalid. */
export declare class ProgramError extends PvmError {}
/** Guest memory could not be accessed. */
export declare class MemoryAccessError extends PvmError {
  /** The first guest address that could not be accessed. */
  readonly address: number;
}

/** The address whose dynamic jump halts the machine: 0xFFFF0000. */
export declare const HALT_ADDRESS: number;
/** The size of a guest memory page: 4096. */
export declare const PAGE_SIZE: number;
/** The number of registers: 13. */
export declare const REG_COUNT: number;
/** The engines that run on this platform, interpreter first. */
export declare const SUPPORTED_ENGINES: readonly Engine[];
/** The engine of VMs made without an `engine` option: "recompiler" where it is supported. */
export declare const DEFAULT_ENGINE: Engine;
/** The release version, e.g. "0.1.0" (the addon's, equal to package.json's). */
export declare const version: string;
