// Which file is read: explicit path, then $STNS_CONFIG, then the first default that exists.

import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import {
  DEFAULT_CONFIG_PATH,
  DEFAULT_CONFIG_PATHS,
  loadConfig,
  resolveConfigPath,
  V2_CONFIG_PATH,
} from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { defer } from '../support/cleanup.js';
import { tempDir } from './temp.js';

/** Writes a config whose request_timeout identifies it. */
function writeMarked(dir: string, name: string, timeoutSec: number): string {
  const path = join(dir, name);
  writeFileSync(path, `request_timeout = ${timeoutSec}\n`, { mode: 0o600 });
  return path;
}

test('the default paths: /etc/stns/libnss_stns.conf, then the libnss-stns-v2 /etc/stns/client/stns.conf', () => {
  assert.deepEqual(DEFAULT_CONFIG_PATHS, ['/etc/stns/libnss_stns.conf', '/etc/stns/client/stns.conf']);
  assert.equal(DEFAULT_CONFIG_PATH, DEFAULT_CONFIG_PATHS[0]);
  assert.equal(V2_CONFIG_PATH, DEFAULT_CONFIG_PATHS[1]);
});

test('without a path or STNS_CONFIG, the first default file that exists is read', (t) => {
  const dir = tempDir(t);
  const goEra = join(dir, 'libnss_stns.conf');
  const v2 = join(dir, 'client-stns.conf');
  writeFileSync(v2, 'api_endpoint = "http://127.0.0.1:9/v1"\nrequest_timeout = 4\n', { mode: 0o600 });
  const defaultPaths = [goEra, v2];
  assert.equal(resolveConfigPath(undefined, {}, defaultPaths), v2);
  const fromV2 = loadConfig(undefined, { env: {}, defaultPaths });
  assert.equal(fromV2.source, v2);
  assert.equal(fromV2.dialect, 'stns-v2');
  writeFileSync(goEra, 'request_timeout = 6\n', { mode: 0o600 });
  assert.equal(
    resolveConfigPath(undefined, { STNS_CONFIG: '' }, defaultPaths),
    goEra,
    'the Go-era file first',
  );
  assert.equal(loadConfig(undefined, { env: {}, defaultPaths }).requestTimeoutMs, 6000);
  rmSync(goEra);
  rmSync(v2);
  assert.equal(resolveConfigPath(undefined, {}, defaultPaths), goEra, 'neither: the error names the first');
  assert.throws(
    () => loadConfig(undefined, { env: {}, defaultPaths }),
    (error: Error) =>
      error.message.startsWith(`${goEra}: configuration file not found (nor is ${v2}); create it`),
  );
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
