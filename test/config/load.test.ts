// Which file is read: explicit path, then $STNS_CONFIG, then the default.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CONFIG_PATH, loadConfig, resolveConfigPath } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { defer } from '../support/cleanup.js';
import { tempDir } from './temp.js';

/** Writes a config whose request_timeout identifies it. */
function writeMarked(dir: string, name: string, timeoutSec: number): string {
  const path = join(dir, name);
  writeFileSync(path, `request_timeout = ${timeoutSec}\n`, { mode: 0o600 });
  return path;
}

test('the default path is /etc/stns/libnss_stns.conf', () => {
  assert.equal(DEFAULT_CONFIG_PATH, '/etc/stns/libnss_stns.conf');
  assert.equal(resolveConfigPath(undefined, {}), DEFAULT_CONFIG_PATH);
  assert.equal(resolveConfigPath('', { STNS_CONFIG: '' }), DEFAULT_CONFIG_PATH);
});

test('STNS_CONFIG is used when no path is given', (t) => {
  const dir = tempDir(t);
  const fromEnv = writeMarked(dir, 'env.conf', 7);
  const config = loadConfig(undefined, { env: { STNS_CONFIG: fromEnv } });
  assert.equal(config.source, fromEnv);
  assert.equal(config.requestTimeoutMs, 7000);
});

test('an explicit path wins over STNS_CONFIG', (t) => {
  const dir = tempDir(t);
  const fromEnv = writeMarked(dir, 'env.conf', 7);
  const explicit = writeMarked(dir, 'explicit.conf', 9);
  const config = loadConfig(explicit, { env: { STNS_CONFIG: fromEnv } });
  assert.equal(config.source, explicit);
  assert.equal(config.requestTimeoutMs, 9000);
});

test('process.env is the default environment', (t) => {
  const dir = tempDir(t);
  const fromEnv = writeMarked(dir, 'env.conf', 11);
  const saved = process.env.STNS_CONFIG;
  process.env.STNS_CONFIG = fromEnv;
  defer(t, () => {
    if (saved === undefined) delete process.env.STNS_CONFIG;
    else process.env.STNS_CONFIG = saved;
  });
  assert.equal(loadConfig().requestTimeoutMs, 11000);
});

test('a relative path is made absolute, so messages and TLS paths are unambiguous', (t) => {
  const dir = tempDir(t);
  const path = writeMarked(dir, 'rel.conf', 4);
  const config = loadConfig(relative(process.cwd(), path), { env: {} });
  assert.equal(config.source, path);
});

test('a missing file named by STNS_CONFIG is reported under that name', (t) => {
  const missing = join(tempDir(t), 'missing.conf');
  assert.throws(
    () => loadConfig(undefined, { env: { STNS_CONFIG: missing } }),
    (error: unknown) =>
      error instanceof ConfigError && error.message.startsWith(`${missing}: configuration file not found`),
  );
});
