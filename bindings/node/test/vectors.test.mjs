// Every conformance vector through the binding, as the normalised cases of $PVM_CASES
// (written by `pvm test-vectors --emit-cases`), on both engines: the GP 0.8 suite (polkavm-e88d5b4 +
// polkavm-0.37.0-extra) and the GP 0.7 legacy set (w3f-v0.4).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { loadCases, runCase } from './cases.mjs';
import { ENGINES, engineOptions } from './helpers.mjs';

const CASES = loadCases();
const COUNTS = { 'polkavm-e88d5b4 0.8': 363, 'polkavm-0.37.0-extra 0.8': 1, 'w3f-v0.4 0.7': 307 };

/** The vector set a case came from (the first part of its source path). */
const setOf = (c) => c.source.split('/')[0];

test('the vectors are there', () => {
  const counts = {};
  for (const c of CASES) {
    const key = `${setOf(c)} ${c.gp}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  assert.deepEqual(counts, COUNTS);
});

for (const engine of ENGINES) {
  describe(engine, engineOptions(engine), () => {
    test('a wrong expectation is reported', () => {
      // Guard against glue that passes everything: corrupt one expected value.
      const c = CASES.find((x) => x.name === 'gas_complex_2');
      assert.deepEqual(runCase(c, engine), []);
      const wrong = { ...c, steps: c.steps.map((s) => (s.op === 'assert' ? { ...s, gas: '13' } : s)) };
      assert.ok(runCase(wrong, engine).some((e) => e.includes('gas: expected 13, got 12')));
    });

    for (const set of new Set(CASES.map(setOf))) {
      const cases = CASES.filter((c) => setOf(c) === set);
      describe(`${set} (GP ${cases[0].gp})`, () => {
        for (const c of cases) {
          test(c.name, () => {
            assert.deepEqual(runCase(c, engine), []);
          });
        }
      });
    }
  });
}
