'use strict';
// `Vm`: a PVM instance — creation from a raw blob, a JAM standard program or a `.polkavm`
// file; registers, gas, pc; guest memory; host functions; run/resume/call; dispose.

const native = require('./native.js');
const { PvmError } = require('./errors.js');
const { decode, isResumable } = require('./exit.js');
const { checkHostFunction, checkHostId, hostTable } = require('./hosts.js');
const { readUint, readU64, writeUint, writeU64 } = require('./memory.js');
const { checkEngine, checkGp, checkVmOptions } = require('./options.js');
const { Program, NATIVE } = require('./program.js');
const { runLoop } = require('./run.js');

const { fast } = native;
const ACCESS_NAMES = ['none', 'r', 'rw'];
const NO_EXIT = -1;

/** A native VM made by a factory, on its way into the `Vm` constructor (module-private). */
class Made {
  /** @param {import('../native').NativeVm} inner */
  constructor(inner) {
    this.inner = inner;
  }
}

/** @typedef {import('../index').Exit} Exit */
/** @typedef {import('../index').HostFunction} HostFunction */
/** @typedef {import('../index').Access} Access */

class Vm {
  /** @type {import('../native').NativeVm} */
  #native;
  /** The handle the `fast` functions take. @type {object} */
  #h;
  /** @type {Map<number, HostFunction>} */
  #hosts;
  /** @type {import('./run.js').RunState} */
  #state = { code: NO_EXIT, running: false };
  /** @type {readonly string[] | undefined} */
  #exports;

  /**
   * A fresh VM for `program` at pc 0, with zeroed registers and no memory mapped.
   * @param {Program} program
   * @param {{ gas: bigint | number, engine?: import('../index').Engine, hosts?: unknown }} options
   */
  constructor(program, options) {
    const { gas, engine, hosts } = checkVmOptions(options);
    this.#hosts = hostTable(hosts);
    if (program instanceof Made) {
      this.#native = program.inner;
    } else if (program instanceof Program) {
      this.#native = new native.NativeVm(program[NATIVE], gas, checkEngine(engine));
    } else {
      throw new TypeError('expected a Program (see Program.fromBlob)');
    }
    this.#h = this.#native.handle();
  }

  /**
   * Wraps a native VM made by one of the factories.
   * @param {import('../native').NativeVm} inner
   * @param {{ gas: bigint | number, hosts?: unknown }} options
   * @returns {Vm}
   */
  static #wrap(inner, options) {
    return new Vm(/** @type {any} */ (new Made(inner)), options);
  }

  /**
   * Loads a raw program blob (jump table, code, bitmask) into a fresh VM.
   * @param {Uint8Array} blob
   * @param {{ gas: bigint | number, gp?: import('../index').Gp, engine?: import('../index').Engine, hosts?: unknown }} options
   */
  static fromBlob(blob, options) {
    const { gas, gp, engine } = checkVmOptions(options);
    return Vm.#wrap(native.NativeVm.fromBlob(blob, gas, checkGp(gp), checkEngine(engine)), options);
  }

  /**
   * Sets up a JAM standard program with argument data (GP A.7).
   * @param {Uint8Array} blob
   * @param {Uint8Array} args
   * @param {{ gas: bigint | number, gp?: import('../index').Gp, engine?: import('../index').Engine, hosts?: unknown }} options
   */
  static fromStandard(blob, args, options) {
    const { gas, gp, engine } = checkVmOptions(options);
    return Vm.#wrap(
      native.NativeVm.fromStandard(blob, args, gas, checkGp(gp), checkEngine(engine)),
      options,
    );
  }

  /**
   * Loads a PolkaVM `.polkavm` program (GP 0.8 / JamV1) with PolkaVM's memory layout.
   * @param {Uint8Array} blob
   * @param {{ gas: bigint | number, engine?: import('../index').Engine, hosts?: unknown }} options
   */
  static fromPolkavm(blob, options) {
    const { gas, engine } = checkVmOptions(options);
    return Vm.#wrap(native.NativeVm.fromPolkavm(blob, gas, checkEngine(engine)), options);
  }

  /** The engine that runs this VM: "interpreter" or "recompiler". */
  get engine() {
    return this.#native.engine();
  }

  /** The program this VM runs (shared, not copied). */
  get program() {
    return new Program(NATIVE, this.#native.program());
  }

  /** The names of the exports (empty unless made by `fromPolkavm`). */
  get exports() {
    this.#exports ??= Object.freeze(this.#native.exports());
    return this.#exports;
  }

  /**
   * Sets up a call of export `name` the PolkaVM way, without running it.
   * @param {string} name
   * @param {...(bigint | number)} args
   */
  prepareCall(name, ...args) {
    this.#checkIdle('prepareCall');
    this.#native.prepareCall(this.#native.exportPc(name), args);
    this.#state.code = NO_EXIT;
  }

  /**
   * Calls export `name` with `args` and runs it; on "halt" the result is in r7.
   * @param {string} name
   * @param {...(bigint | number)} args
   * @returns {Exit}
   */
  call(name, ...args) {
    this.prepareCall(name, ...args);
    return this.run();
  }

  /**
   * Register `index` (0..12).
   * @param {number} index
   */
  getReg(index) {
    return fast.reg(this.#h, index);
  }

  /**
   * Sets register `index` (0..12).
   * @param {number} index
   * @param {bigint | number} value
   */
  setReg(index, value) {
    fast.setReg(this.#h, index, value);
  }

  /** A copy of the 13 registers. */
  get regs() {
    return BigUint64Array.from(this.#native.regs());
  }

  /** Sets all 13 registers. */
  set regs(values) {
    this.#native.setRegs(Array.from(/** @type {ArrayLike<bigint | number>} */ (values)));
  }

  /** Gas left. */
  get gas() {
    return fast.gas(this.#h);
  }

  set gas(gas) {
    fast.setGas(this.#h, gas);
  }

  /** The pc: after an exit, the instruction that caused it. */
  get pc() {
    return fast.pc(this.#h);
  }

  /** Moves execution to `pc`; the next run charges the gas of the block it starts in. */
  set pc(pc) {
    fast.setPc(this.#h, pc);
    this.#state.code = NO_EXIT;
  }

  /**
   * The exit of the last run (inside a host function: its host call); null before the
   * first run and after `pc` or `prepareCall` moved execution.
   * @returns {Exit | null}
   */
  get exit() {
    const code = this.#state.code;
    return code === NO_EXIT ? null : decode(code);
  }

  /**
   * Registers `fn` for `ecalli id`, replacing any previous one.
   * @param {number} id
   * @param {HostFunction} fn
   * @returns {this}
   */
  setHost(id, fn) {
    const checked = checkHostId(id);
    this.#hosts.set(checked, checkHostFunction(checked, fn));
    return this;
  }

  /**
   * Removes the host function for `id`; whether there was one.
   * @param {number} id
   */
  removeHost(id) {
    return this.#hosts.delete(id);
  }

  /** The ids that have a host function, ascending. */
  get hostIds() {
    return [...this.#hosts.keys()].sort((a, b) => a - b);
  }

  /**
   * Runs until an exit that no host function handles.
   * @returns {Exit}
   */
  run() {
    return decode(runLoop(this, this.#h, this.#hosts, this.#state));
  }

  /**
   * Continues after a resumable exit (a host call returned to the caller, a page fault,
   * out of gas); throws `PvmError` if the VM has not run or halted or panicked.
   * @returns {Exit}
   */
  resume() {
    const code = this.#state.code;
    if (code === NO_EXIT) throw new PvmError('nothing to resume: the VM has not run since it was set up');
    if (!isResumable(code)) {
      throw new PvmError(`nothing to resume: the VM stopped with ${decode(code).kind}`);
    }
    return this.run();
  }

  /**
   * A copy of readable guest memory.
   * @param {number} address
   * @param {number} length
   */
  read(address, length) {
    const out = new Uint8Array(length);
    fast.readInto(this.#h, address, out);
    return out;
  }

  /**
   * Copies readable guest memory into `target` (as many bytes as it holds).
   * @template {Uint8Array} T
   * @param {number} address
   * @param {T} target
   * @returns {T} target
   */
  readInto(address, target) {
    fast.readInto(this.#h, address, target);
    return target;
  }

  /**
   * A `Uint8Array` over guest memory itself, without a copy (see the README: it shows
   * live guest memory; treat it as valid until the VM runs or its pages change).
   * @param {number} address
   * @param {number} length
   */
  view(address, length) {
    if (length === 0) return new Uint8Array(0);
    return /** @type {Uint8Array} */ (this.#native.view(address, length));
  }

  /**
   * Writes `data` to writable guest memory (any mapped memory with `privileged`).
   * @param {number} address
   * @param {Uint8Array} data
   * @param {{ privileged?: boolean }} [options]
   */
  write(address, data, options) {
    fast.write(this.#h, address, data, options?.privileged === true);
  }

  /** @param {number} address */
  readU8(address) {
    return readUint(this.#h, address, 1);
  }

  /** @param {number} address */
  readU16(address) {
    return readUint(this.#h, address, 2);
  }

  /** @param {number} address */
  readU32(address) {
    return readUint(this.#h, address, 4);
  }

  /** @param {number} address */
  readU64(address) {
    return readU64(this.#h, address);
  }

  /**
   * @param {number} address
   * @param {number} value
   * @param {{ privileged?: boolean }} [options]
   */
  writeU8(address, value, options) {
    writeUint(this.#h, address, value, 1, options?.privileged === true);
  }

  /**
   * @param {number} address
   * @param {number} value
   * @param {{ privileged?: boolean }} [options]
   */
  writeU16(address, value, options) {
    writeUint(this.#h, address, value, 2, options?.privileged === true);
  }

  /**
   * @param {number} address
   * @param {number} value
   * @param {{ privileged?: boolean }} [options]
   */
  writeU32(address, value, options) {
    writeUint(this.#h, address, value, 4, options?.privileged === true);
  }

  /**
   * @param {number} address
   * @param {bigint | number} value
   * @param {{ privileged?: boolean }} [options]
   */
  writeU64(address, value, options) {
    writeU64(this.#h, address, value, options?.privileged === true);
  }

  /**
   * Maps pages zero-filled: `address` page-aligned, `length` rounded up to whole pages.
   * @param {number} address
   * @param {number} length
   * @param {Access} [access]
   */
  map(address, length, access = 'rw') {
    this.#native.map(address, length, access);
  }

  /**
   * Changes the access of pages, keeping their contents ("none" unmaps them).
   * @param {number} address
   * @param {number} length
   * @param {Access} access
   */
  protect(address, length, access) {
    this.#native.protect(address, length, access);
  }

  /**
   * Unmaps pages (they read back as zeros if mapped again).
   * @param {number} address
   * @param {number} length
   */
  unmap(address, length) {
    this.#native.protect(address, length, 'none');
  }

  /**
   * The mapped pages, ascending.
   * @returns {import('../index').Page[]}
   */
  mappedPages() {
    const flat = this.#native.mappedPages();
    const pages = [];
    for (let i = 0; i < flat.length; i += 2) {
      pages.push({ address: flat[i], access: /** @type {'r' | 'rw'} */ (ACCESS_NAMES[flat[i + 1]]) });
    }
    return pages;
  }

  /**
   * Releases the engine instance now instead of at garbage collection; later calls throw
   * `PvmError`. Guest memory lives on while views of it are alive.
   */
  dispose() {
    this.#checkIdle('dispose');
    this.#native.dispose();
  }

  /** `using vm = ...` support: the same as `dispose()`. */
  [Symbol.dispose]() {
    if (!this.#native.disposed) this.dispose();
  }

  /** Whether `dispose` was called. */
  get disposed() {
    return this.#native.disposed;
  }

  /** @param {string} what */
  #checkIdle(what) {
    if (this.#state.running) {
      throw new PvmError(`${what}() cannot be called from inside a host function of the same VM`);
    }
  }
}

/**
 * A `Vm` around a native VM made elsewhere in the package (`Module.instantiate`).
 * @param {import('../native').NativeVm} inner
 * @param {{ gas: bigint | number, hosts?: unknown }} options
 * @returns {Vm}
 */
function wrapNativeVm(inner, options) {
  return new Vm(/** @type {any} */ (new Made(inner)), options);
}

module.exports = { Vm, wrapNativeVm };
