// The benchmark runs (tiny sizes): both engines agree on every guest's result and gas, and
// it prints the comparison and host-call tables.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

import { PACKAGE } from './helpers.mjs';

test('npm run bench -- --quick', () => {
  const result = spawnSync(process.execPath, [join(PACKAGE, 'bench', 'bench.mjs'), '--quick'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /\| fib\(10\) \| 1,775 \|/);
  assert.match(result.stdout, /speed-up over anan-as: geometric mean/);
  assert.match(result.stdout, /\| pvm-node, no-op host function \| \d+ \|/);
  assert.match(result.stdout, /r7 = 0x11000000/);
});
