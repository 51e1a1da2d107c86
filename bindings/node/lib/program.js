'use strict';
// `Program`: a validated, pre-decoded raw program blob that many VMs can share.

const native = require('./native.js');
const { checkGp } = require('./options.js');

/** @type {unique symbol} */
const NATIVE = /** @type {any} */ (Symbol('pvm.native'));

class Program {
  /**
   * Use `Program.fromBlob`.
   * @param {symbol} token
   * @param {import('../native').NativeProgram} inner
   */
  constructor(token, inner) {
    if (token !== NATIVE) throw new TypeError('use Program.fromBlob(blob, options) to create a Program');
    /** @type {import('../native').NativeProgram} */
    this[NATIVE] = inner;
  }

  /**
   * Parses and validates a raw program blob (jump table, code, bitmask).
   * @param {Uint8Array} blob
   * @param {{ gp?: import('../index').Gp }} [options]
   */
  static fromBlob(blob, options) {
    return new Program(NATIVE, native.NativeProgram.fromBlob(blob, checkGp(options?.gp)));
  }

  /** The Gray Paper version whose rules the program follows. */
  get gp() {
    return /** @type {import('../index').Gp} */ (this[NATIVE].gp);
  }

  /** Number of instructions. */
  get instructionCount() {
    return this[NATIVE].instructionCount;
  }

  /** The dynamic jump table (code offsets). */
  get jumpTable() {
    return Uint32Array.from(this[NATIVE].jumpTable());
  }

  /** The gas cost of every basic block: pc → cost, in code order. */
  blockCosts() {
    const flat = this[NATIVE].blockCosts();
    /** @type {Map<number, number>} */
    const costs = new Map();
    for (let i = 0; i < flat.length; i += 2) costs.set(flat[i], flat[i + 1]);
    return costs;
  }
}

module.exports = { Program, NATIVE };
