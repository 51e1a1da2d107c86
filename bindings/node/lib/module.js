'use strict';
// `Module` (a program loaded once, instantiated many times) and `ModuleCache` (modules by
// code hash, bounded in bytes, least recently used evicted first); `codeHash`.

const native = require('./native.js');
const { checkEngine, checkGp, checkVmOptions } = require('./options.js');
const { Program, NATIVE } = require('./program.js');
const { wrapNativeVm } = require('./vm.js');

const FORMATS = ['raw', 'standard', 'polkavm'];
const EMPTY = new Uint8Array(0);

/**
 * The `format` option (default "raw").
 * @param {unknown} format
 * @returns {import('../index').ProgramFormat}
 */
function checkFormat(format) {
  if (format === undefined) return 'raw';
  if (typeof format !== 'string' || !FORMATS.includes(format)) {
    throw new TypeError(`format must be "raw", "standard" or "polkavm", got ${String(format)}`);
  }
  return /** @type {import('../index').ProgramFormat} */ (format);
}

/**
 * A byte-array argument.
 * @param {unknown} value
 * @param {string} what
 * @returns {Uint8Array}
 */
function checkBytes(value, what) {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  return value;
}

/**
 * The options of a load: `{ format?, gp?, codeHash? }`.
 * @param {unknown} options
 * @returns {{ format?: unknown, gp?: unknown, codeHash?: unknown }}
 */
function loadOptions(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new TypeError('expected an options object such as { format: "polkavm" }');
  }
  return /** @type {any} */ (options);
}

class Module {
  /** @type {import('../native').NativeModule} */
  #native;
  /** @type {readonly string[] | undefined} */
  #exports;

  /**
   * Use `Module.load` or `ModuleCache.load`.
   * @param {symbol} token
   * @param {import('../native').NativeModule} inner
   */
  constructor(token, inner) {
    if (token !== NATIVE) throw new TypeError('use Module.load(blob, options) to create a Module');
    this.#native = inner;
  }

  /**
   * Parses and validates a program once (`format`: "raw" by default, "standard" or
   * "polkavm"; `gp`: "0.8" by default or "0.7").
   * @param {Uint8Array} blob
   * @param {{ format?: import('../index').ProgramFormat, gp?: import('../index').Gp }} [options]
   */
  static load(blob, options) {
    const { format, gp } = loadOptions(options);
    const bytes = checkBytes(blob, 'blob');
    return new Module(NATIVE, native.NativeModule.load(bytes, checkFormat(format), checkGp(gp)));
  }

  /**
   * A fresh VM, as the constructor of the module's format makes it.
   * @param {{ gas: bigint | number, args?: Uint8Array, hosts?: unknown }} options
   */
  instantiate(options) {
    const { gas, engine } = checkVmOptions(options);
    const { args } = /** @type {{ args?: unknown }} */ (options);
    const bytes = args === undefined ? EMPTY : checkBytes(args, 'args');
    return wrapNativeVm(this.#native.instantiate(gas, bytes, checkEngine(engine)), options);
  }

  /**
   * The code offset of the `.polkavm` export `name`; throws `ProgramError` if none.
   * @param {string} name
   */
  exportPc(name) {
    return this.#native.exportPc(name);
  }

  /** The names of the `.polkavm` exports (empty for other formats). */
  get exports() {
    this.#exports ??= Object.freeze(this.#native.exports());
    return this.#exports;
  }

  /** The program format. */
  get format() {
    return /** @type {import('../index').ProgramFormat} */ (this.#native.format);
  }

  /** The Gray Paper version whose rules the program follows. */
  get gp() {
    return /** @type {import('../index').Gp} */ (this.#native.gp);
  }

  /** The shared program. */
  get program() {
    return new Program(NATIVE, this.#native.program());
  }

  /** Basic blocks of the code. */
  get blockCount() {
    return this.#native.blockCount;
  }

  /** Basic blocks prepared so far (on first entry, by any VM of this module). */
  get preparedBlocks() {
    return this.#native.preparedBlocks;
  }

  /** Bytes the module keeps: what a `ModuleCache` counts. */
  get footprint() {
    return this.#native.footprint;
  }
}

class ModuleCache {
  /** @type {import('../native').NativeModuleCache} */
  #native;

  /**
   * An empty cache of at most `maxBytes` (a module larger than that is loaded but not kept).
   * @param {number} maxBytes
   */
  constructor(maxBytes) {
    if (typeof maxBytes !== 'number') throw new TypeError('maxBytes must be a number');
    this.#native = new native.NativeModuleCache(maxBytes);
  }

  /**
   * The module for `blob`: from the cache if it holds the same code hash, format and GP
   * version, else loaded (as `Module.load`) and remembered. `codeHash` (32 bytes) is the
   * blake2b-256 of `blob` if known; it is trusted.
   * @param {Uint8Array} blob
   * @param {{ format?: import('../index').ProgramFormat, gp?: import('../index').Gp, codeHash?: Uint8Array }} [options]
   */
  load(blob, options) {
    const { format, gp, codeHash } = loadOptions(options);
    if (codeHash !== undefined && !(codeHash instanceof Uint8Array)) {
      throw new TypeError('codeHash must be a Uint8Array of 32 bytes');
    }
    const bytes = checkBytes(blob, 'blob');
    const inner = this.#native.load(bytes, checkFormat(format), checkGp(gp), codeHash ?? null);
    return new Module(NATIVE, inner);
  }

  /** The counters: entries, bytes, maxBytes, hits, misses, evictions. */
  get stats() {
    return Object.freeze(this.#native.stats());
  }

  /** The bound given to the constructor. */
  get maxBytes() {
    return this.#native.stats().maxBytes;
  }

  /** Drops every cached module (modules in use stay alive); the counters are kept. */
  clear() {
    this.#native.clear();
  }
}

/**
 * blake2b-256 of `blob`: the code hash a `ModuleCache` keys modules by.
 * @param {Uint8Array} blob
 * @returns {Uint8Array}
 */
function codeHash(blob) {
  return native.codeHash(blob);
}

module.exports = { Module, ModuleCache, codeHash };
