'use strict';
// Loads the compiled addon `pvm.node` (built by `npm run build`, i.e. `napi build`).

const path = require('node:path');

const file = path.join(__dirname, '..', 'pvm.node');

/** @type {typeof import('../native')} */
let native;
try {
  native = require(file);
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND') {
    throw new Error(
      `the pvm native addon is not built (${file} is missing): run \`npm run build\` in ${path.dirname(file)}`,
      { cause: error },
    );
  }
  throw error;
}

module.exports = native;
