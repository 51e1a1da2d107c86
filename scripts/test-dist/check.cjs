// scripts/test-dist.sh: a host call and a page fault through the installed npm package,
// loaded with require().
'use strict';
const assert = require('node:assert/strict');
const pvm = require('pvm-node');
const { check } = require('./check-common.cjs');

console.log(check(pvm, assert, 'node (CommonJS)'));
