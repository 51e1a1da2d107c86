'use strict';
// Little-endian integer reads and writes of guest memory through one scratch buffer
// (safe to share: the native calls never run JavaScript while they use it).

const scratch = new Uint8Array(8);
const data = new DataView(scratch.buffer);
/** @type {Record<number, Uint8Array>} */
const sized = { 1: scratch.subarray(0, 1), 2: scratch.subarray(0, 2), 4: scratch.subarray(0, 4), 8: scratch };

/**
 * Reads an unsigned integer of `bytes` (1, 2 or 4) bytes.
 * @param {import('../native').NativeVm} native
 * @param {number} address
 * @param {1 | 2 | 4} bytes
 * @returns {number}
 */
function readUint(native, address, bytes) {
  native.readInto(address, sized[bytes]);
  return bytes === 1 ? data.getUint8(0) : bytes === 2 ? data.getUint16(0, true) : data.getUint32(0, true);
}

/**
 * Reads a 64-bit unsigned integer.
 * @param {import('../native').NativeVm} native
 * @param {number} address
 * @returns {bigint}
 */
function readU64(native, address) {
  native.readInto(address, scratch);
  return data.getBigUint64(0, true);
}

/**
 * Writes an unsigned integer of `bytes` (1, 2 or 4) bytes; `value` must fit.
 * @param {import('../native').NativeVm} native
 * @param {number} address
 * @param {number} value
 * @param {1 | 2 | 4} bytes
 * @param {boolean} privileged
 */
function writeUint(native, address, value, bytes, privileged) {
  const limit = 2 ** (8 * bytes);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= limit) {
    throw new RangeError(`value ${String(value)} out of range for a ${8 * bytes}-bit unsigned integer`);
  }
  if (bytes === 1) data.setUint8(0, value);
  else if (bytes === 2) data.setUint16(0, value, true);
  else data.setUint32(0, value, true);
  native.write(address, sized[bytes], privileged);
}

/**
 * Writes a 64-bit unsigned integer (a bigint in 0..2**64, or a safe integer number).
 * @param {import('../native').NativeVm} native
 * @param {number} address
 * @param {bigint | number} value
 * @param {boolean} privileged
 */
function writeU64(native, address, value, privileged) {
  const big = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof big !== 'bigint' || big < 0n || big > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`value ${String(value)} out of range for a 64-bit unsigned integer`);
  }
  data.setBigUint64(0, big, true);
  native.write(address, scratch, privileged);
}

module.exports = { readUint, readU64, writeUint, writeU64 };
