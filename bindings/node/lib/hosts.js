'use strict';
// Host functions: the table of JavaScript callbacks a VM dispatches `ecalli` ids to.

/**
 * Checks a host-call id: an integer in 0..2**32.
 * @param {unknown} id
 * @returns {number}
 */
function checkHostId(id) {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffff_ffff) {
    throw new RangeError(`host-call id ${String(id)} out of range: expected an integer in 0..2**32`);
  }
  return id;
}

/**
 * Checks a host function.
 * @param {number} id
 * @param {unknown} fn
 * @returns {import('../index').HostFunction}
 */
function checkHostFunction(id, fn) {
  if (typeof fn !== 'function') {
    throw new TypeError(`the host function for id ${id} is not a function`);
  }
  return /** @type {import('../index').HostFunction} */ (fn);
}

/**
 * A host table from the `hosts` option: an object or a Map from id to function.
 * @param {unknown} hosts
 * @returns {Map<number, import('../index').HostFunction>}
 */
function hostTable(hosts) {
  /** @type {Map<number, import('../index').HostFunction>} */
  const table = new Map();
  if (hosts === undefined) return table;
  if (hosts === null || typeof hosts !== 'object') {
    throw new TypeError('options.hosts must be an object or a Map from host-call id to function');
  }
  const entries = hosts instanceof Map ? [...hosts] : Object.entries(hosts);
  for (const [key, fn] of entries) {
    const id = checkHostId(typeof key === 'string' && /^\d+$/.test(key) ? Number(key) : key);
    table.set(id, checkHostFunction(id, fn));
  }
  return table;
}

module.exports = { checkHostId, checkHostFunction, hostTable };
