'use strict';
// Loads the compiled addon `pvm.node` (built by `npm run build`, i.e. `napi build`).

const path = require('node:path');

const file = path.join(__dirname, '..', 'pvm.node');

/**
 * The raw Node-API functions of src/fast.rs; `handle` comes from `NativeVm.handle()`.
 * @typedef {{
 *   run(handle: object): number,
 *   reg(handle: object, index: number): bigint,
 *   setReg(handle: object, index: number, value: bigint | number): void,
 *   gas(handle: object): bigint,
 *   setGas(handle: object, gas: bigint | number): void,
 *   pc(handle: object): number,
 *   setPc(handle: object, pc: number): void,
 *   readInto(handle: object, address: number, target: Uint8Array): void,
 *   write(handle: object, address: number, data: Uint8Array, privileged: boolean): void,
 * }} Fast
 */

/** @returns {typeof import('../native') & { fast: Fast }} */
function load() {
  try {
    return require(file);
  } catch (error) {
    if (/** @type {{ code?: string }} */ (error)?.code === 'MODULE_NOT_FOUND') {
      throw new Error(
        `the pvm native addon is not built (${file} is missing): run \`npm run build\` in ${path.dirname(file)}`,
        { cause: error },
      );
    }
    throw error;
  }
}

module.exports = load();
