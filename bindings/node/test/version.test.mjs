// The `version` export is the workspace version (root Cargo.toml), and package.json's.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { PACKAGE, REPO } from './helpers.mjs';
import { version } from '../index.js';

/** The `version` of [workspace.package] in the root Cargo.toml, the one source. */
function workspaceVersion() {
  const cargo = readFileSync(join(REPO, 'Cargo.toml'), 'utf8');
  const section = cargo.split('[workspace.package]')[1] ?? '';
  const match = /^version\s*=\s*"([^"]+)"/m.exec(section);
  assert.ok(match, 'no version in [workspace.package]');
  return match[1];
}

test('version is the workspace version and package.json\'s', () => {
  assert.equal(version, workspaceVersion());
  const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'));
  assert.equal(manifest.version, version);
});
