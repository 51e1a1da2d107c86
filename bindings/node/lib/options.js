'use strict';
// Checks of the options objects the public API takes.

/**
 * The Gray Paper version option (default "0.8"); the native code checks the value.
 * @param {unknown} gp
 * @returns {import('../index').Gp}
 */
function checkGp(gp) {
  if (gp === undefined) return '0.8';
  if (typeof gp !== 'string') throw new TypeError(`gp must be "0.8" or "0.7", got ${typeof gp}`);
  return /** @type {import('../index').Gp} */ (gp);
}

/**
 * The engine option; the native code checks the value. `undefined` stays `undefined`: the
 * library's default engine (DEFAULT_ENGINE: the recompiler where it is supported).
 * @param {unknown} engine
 * @returns {import('../index').Engine | undefined}
 */
function checkEngine(engine) {
  if (engine === undefined) return undefined;
  if (typeof engine !== 'string') {
    throw new TypeError(`engine must be "interpreter" or "recompiler", got ${typeof engine}`);
  }
  return /** @type {import('../index').Engine} */ (engine);
}

/**
 * The options object of a VM constructor: `gas` is required.
 * @param {unknown} options
 * @returns {{ gas: bigint | number, gp?: string, engine?: unknown, hosts?: unknown }}
 */
function checkVmOptions(options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('expected an options object such as { gas: 1_000_000n }');
  }
  const { gas } = /** @type {{ gas?: unknown }} */ (options);
  if (typeof gas !== 'bigint' && typeof gas !== 'number') {
    throw new TypeError('options.gas must be a bigint (or a non-negative safe integer)');
  }
  return /** @type {any} */ (options);
}

module.exports = { checkEngine, checkGp, checkVmOptions };
