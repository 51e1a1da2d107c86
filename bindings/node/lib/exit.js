'use strict';
// Exits: the native `run` returns one number per exit (see src/exit.rs); these turn it
// into the `Exit` objects of the public API.

const native = require('./native.js');

const { EXIT_PAGE_FAULT, EXIT_HALT, EXIT_PANIC, EXIT_OUT_OF_GAS } = native;

const HALT = Object.freeze({ kind: 'halt' });
const PANIC = Object.freeze({ kind: 'panic' });
const OUT_OF_GAS = Object.freeze({ kind: 'out-of-gas' });

/**
 * The `Exit` for a native exit code.
 * @param {number} code
 * @returns {import('../index').Exit}
 */
function decode(code) {
  if (code < EXIT_PAGE_FAULT) return Object.freeze({ kind: 'host-call', hostId: code });
  if (code < EXIT_HALT) return Object.freeze({ kind: 'page-fault', address: code - EXIT_PAGE_FAULT });
  if (code === EXIT_HALT) return HALT;
  if (code === EXIT_PANIC) return PANIC;
  if (code === EXIT_OUT_OF_GAS) return OUT_OF_GAS;
  throw new RangeError(`unknown exit code ${code}`);
}

/**
 * Whether a code is a host call (the only exit a host function handles).
 * @param {number} code
 */
function isHostCall(code) {
  return code < EXIT_PAGE_FAULT;
}

/**
 * Whether execution can continue after the exit with this code.
 * @param {number} code
 */
function isResumable(code) {
  return code !== EXIT_HALT && code !== EXIT_PANIC;
}

module.exports = { decode, isHostCall, isResumable };
