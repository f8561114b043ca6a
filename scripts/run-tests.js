#!/usr/bin/env node
// Runs every compiled test file under node:test. Node 20's --test takes no
// globs, so the files are listed here. `--load` selects test/load instead.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const load = process.argv.includes('--load');
const root = join('dist', 'test');

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const files = findTests(root)
  .filter((f) => f.startsWith(join(root, 'load')) === load)
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${root}: run npm run build first`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
