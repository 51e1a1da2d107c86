'use strict';
// The error classes of the binding. The native addon throws them through the factory
// registered here: engine failures as `PvmError` subclasses with the engine's message,
// bad arguments as the built-in `RangeError` and `TypeError`.

const native = require('./native.js');

/** Base class of every error the pvm engine reports. */
class PvmError extends Error {}
PvmError.prototype.name = 'PvmError';

/** The program, container or export is invalid; the message is the engine's. */
class ProgramError extends PvmError {}
ProgramError.prototype.name = 'ProgramError';

/** Guest memory could not be accessed; `address` is the first failing address. */
class MemoryAccessError extends PvmError {
  /**
   * @param {string} message
   * @param {number} address
   */
  constructor(message, address) {
    super(message);
    /** The first guest address that could not be accessed. */
    this.address = address;
  }
}
MemoryAccessError.prototype.name = 'MemoryAccessError';

/**
 * Builds the error the native code throws.
 * @param {string} kind
 * @param {string} message
 * @param {number | undefined} address
 * @returns {Error}
 */
function makeError(kind, message, address) {
  const error = createError(kind, message, address);
  // The stack starts at the caller of the native method, not in this factory.
  Error.captureStackTrace(error, makeError);
  return error;
}

/**
 * @param {string} kind
 * @param {string} message
 * @param {number | undefined} address
 * @returns {Error}
 */
function createError(kind, message, address) {
  switch (kind) {
    case 'program':
      return new ProgramError(message);
    case 'memory':
      return new MemoryAccessError(message, /** @type {number} */ (address));
    case 'range':
      return new RangeError(message);
    case 'type':
      return new TypeError(message);
    default:
      return new PvmError(message);
  }
}

native.registerErrorFactory(makeError);

module.exports = { PvmError, ProgramError, MemoryAccessError };
