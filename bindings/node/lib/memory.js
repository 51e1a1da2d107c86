'use strict';
// Little-endian integer reads and writes of guest memory through one scratch buffer
// (safe to share: the native calls never run JavaScript while they use it).

const { fast } = require('./native.js');

const scratch = new Uint8Array(8);
const data = new DataView(scratch.buffer);
/** @type {Record<number, Uint8Array>} */
const sized = { 1: scratch.subarray(0, 1), 2: scratch.subarray(0, 2), 4: scratch.subarray(0, 4), 8: scratch };

/**
 * Reads an unsigned integer of `bytes` (1, 2 or 4) bytes.
 * @param {object} handle a VM's fast-path handle
 * @param {number} address
 * @param {1 | 2 | 4} bytes
 * @returns {number}
 */
function readUint(handle, address, bytes) {
  fast.readInto(handle, address, sized[bytes]);
  return bytes === 1 ? data.getUint8(0) : bytes === 2 ? data.getUint16(0, true) : data.getUint32(0, true);
}

/**
 * Reads a 64-bit unsigned integer.
 * @param {object} handle a VM's fast-path handle
 * @param {number} address
 * @returns {bigint}
 */
function readU64(handle, address) {
  fast.readInto(handle, address, scratch);
  return data.getBigUint64(0, true);
}

/**
 * Writes an unsigned integer of `bytes` (1, 2 or 4) bytes; `value` must fit.
 * @param {object} handle a VM's fast-path handle
 * @param {number} address
 * @param {number} value
 * @param {1 | 2 | 4} bytes
 * @param {boolean} privileged
 */
function writeUint(handle, address, value, bytes, privileged) {
  const limit = 2 ** (8 * bytes);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= limit) {
    throw new RangeError(`value ${String(value)} out of range for a ${8 * bytes}-bit unsigned integer`);
  }
  if (bytes === 1) data.setUint8(0, value);
  else if (bytes === 2) data.setUint16(0, value, true);
  else data.setUint32(0, value, true);
  fast.write(handle, address, sized[bytes], privileged);
}

/**
 * Writes a 64-bit unsigned integer (a bigint in 0..2**64, or a safe integer number).
 * @param {object} handle a VM's fast-path handle
 * @param {number} address
 * @param {bigint | number} value
 * @param {boolean} privileged
 */
function writeU64(handle, address, value, privileged) {
  const big = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof big !== 'bigint' || big < 0n || big > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`value ${String(value)} out of range for a 64-bit unsigned integer`);
  }
  data.setBigUint64(0, big, true);
  fast.write(handle, address, scratch, privileged);
}

module.exports = { readUint, readU64, writeUint, writeU64 };
