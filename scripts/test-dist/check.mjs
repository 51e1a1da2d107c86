// scripts/test-dist.sh: the same through an ES module import.
import assert from 'node:assert/strict';
import * as pvm from 'pvm-node';
import { createRequire } from 'node:module';

const { check } = createRequire(import.meta.url)('./check-common.cjs');
assert.equal(typeof pvm.Vm, 'function', 'named ESM exports');
console.log(check(pvm, assert, 'node (ESM)'));
