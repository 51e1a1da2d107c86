// The hand-written types: `tsc --strict` over index.d.ts, the JavaScript sources (checkJs)
// and test/types/usage.ts, which uses the API as a TypeScript user would and marks what the
// types must reject with @ts-expect-error.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';

import { PACKAGE } from './helpers.mjs';

test('tsc --strict accepts the package, its sources and the usage file', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(PACKAGE, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(result.status, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
});
