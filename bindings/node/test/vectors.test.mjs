// Every conformance vector in ../shared/pvm-vectors (or $PVM_VECTORS) through the binding:
// the GP 0.8 suite (polkavm-e88d5b4 + polkavm-0.37.0-extra) and the GP 0.7 legacy set.

import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { vectorsRoot } from './helpers.mjs';
import { runVector } from './vectors.mjs';

const SETS = { 'polkavm-e88d5b4': '0.8', 'polkavm-0.37.0-extra': '0.8', 'w3f-v0.4': '0.7' };
const COUNTS = { 'polkavm-e88d5b4': 363, 'polkavm-0.37.0-extra': 1, 'w3f-v0.4': 307 };

function files(set) {
  const dir = join(vectorsRoot(), set, 'programs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}

test('the vectors are there', () => {
  assert.ok(existsSync(vectorsRoot()), `conformance vectors not found at ${vectorsRoot()} (set PVM_VECTORS)`);
  for (const [set, count] of Object.entries(COUNTS)) assert.equal(files(set).length, count, set);
});

for (const [set, gp] of Object.entries(SETS)) {
  describe(`${set} (GP ${gp})`, () => {
    for (const path of files(set)) {
      const name = path.split('/').pop().replace(/\.json$/, '');
      test(name, () => {
        const errors = runVector(path, gp);
        assert.deepEqual(errors, []);
      });
    }
  });
}
