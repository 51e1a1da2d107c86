// The README's example runs as written: from the repository root, importing the package
// by its name.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { PACKAGE, REPO } from './helpers.mjs';

/** The first ```js block after the line that says it is executed by this test (`which`). */
function example(which = '') {
  const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
  const marker = readme.indexOf(`this block is executed by \`test/readme.test.mjs\`${which}`);
  assert.ok(marker >= 0, 'the README no longer marks its example');
  const match = /```js\n([\s\S]*?)```/.exec(readme.slice(marker));
  assert.ok(match, 'no js block after the marker');
  return match[1];
}

/** Runs `source` as an ES module importing the package by its name; its stdout. */
function runExample(source) {
  const dir = mkdtempSync(join(tmpdir(), 'pvm-node-readme-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(PACKAGE, join(dir, 'node_modules', 'pvm-node'), 'dir');
    const file = join(dir, 'example.mjs');
    writeFileSync(file, source);
    const result = spawnSync(process.execPath, [file], { cwd: REPO, encoding: 'utf8' });
    assert.equal(result.status, 0, `the example failed:\n${result.stdout}${result.stderr}`);
    return result.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the README example runs as written', () => {
  assert.match(runExample(example()), /r7 = 42n gas left: 978n/);
});

test('the README cache example runs as written', () => {
  assert.match(runExample(example(', cache example')), /hits 2 misses 1/);
});
