'use strict';
// Loads the compiled addon `pvm.node`: built by `npm run build` (`napi build`) in a source
// checkout, prebuilt in the npm package that scripts/package.sh makes. That package's
// package.json lists the platforms its addon is for (`pvm.platforms`); on any other
// platform loading fails with a message naming this platform and those.

const path = require('node:path');

const root = path.join(__dirname, '..');
const file = path.join(root, 'pvm.node');

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

/**
 * This process's platform as napi-rs names its targets: `linux-x64-gnu`, `linux-arm64-musl`,
 * `darwin-arm64`, `win32-x64`, ...
 * @returns {string}
 */
function currentPlatform() {
  const base = `${process.platform}-${process.arch}`;
  if (process.platform !== 'linux') return base;
  const header = /** @type {{ header?: { glibcVersionRuntime?: string } }} */ (
    process.report.getReport()
  ).header;
  return `${base}-${header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
}

/**
 * The platforms the packaged addon supports, or undefined in a source checkout.
 * @returns {string[] | undefined}
 */
function packagedPlatforms() {
  /** @type {{ pvm?: { platforms?: string[] } }} */
  const manifest = require(path.join(root, 'package.json'));
  return manifest.pvm?.platforms;
}

/**
 * @param {string} platform
 * @param {string[]} supported
 * @param {string} why
 */
function unsupported(platform, supported, why) {
  return `pvm-node: ${why} on ${platform} (Node ${process.version}); this package's prebuilt ` +
    `addon supports: ${supported.join(', ')}. On another platform build it from source ` +
    'with a Rust toolchain: `npm ci && npm run build` in bindings/node of the pvm repository.';
}

/** @returns {typeof import('../native') & { fast: Fast }} */
function load() {
  const supported = packagedPlatforms();
  const platform = currentPlatform();
  if (supported && !supported.includes(platform)) {
    throw new Error(unsupported(platform, supported, 'no prebuilt addon'));
  }
  try {
    return require(file);
  } catch (error) {
    if (supported) {
      throw new Error(unsupported(platform, supported, `the addon ${file} cannot be loaded`), {
        cause: error,
      });
    }
    if (/** @type {{ code?: string }} */ (error)?.code === 'MODULE_NOT_FOUND') {
      throw new Error(
        `the pvm native addon is not built (${file} is missing): run \`npm run build\` in ${root}`,
        { cause: error },
      );
    }
    throw error;
  }
}

module.exports = load();
