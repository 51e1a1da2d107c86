// The README's example runs as written: from the repository root, importing the package
// by its name.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { PACKAGE, REPO } from './helpers.mjs';

/** The first ```js block after the line that says it is executed by this test. */
function example() {
  const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
  const marker = readme.indexOf('this block is executed by `test/readme.test.mjs`');
  assert.ok(marker >= 0, 'the README no longer marks its example');
  const match = /```js\n([\s\S]*?)```/.exec(readme.slice(marker));
  assert.ok(match, 'no js block after the marker');
  return match[1];
}

test('the README example runs as written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvm-node-readme-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(PACKAGE, join(dir, 'node_modules', 'pvm-node'), 'dir');
    const file = join(dir, 'example.mjs');
    writeFileSync(file, example());
    const result = spawnSync(process.execPath, [file], { cwd: REPO, encoding: 'utf8' });
    assert.equal(result.status, 0, `the example failed:\n${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /r7 = 42n gas left: 978n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
