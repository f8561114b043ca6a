// The files around a configuration: the config file itself (missing,
// unreadable, loose permissions, wrong owner) and the TLS files it names.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { SETTING_BY_NAME } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { makeCerts } from '../support/certs.js';
import { collectWarnings, repoRoot, tempDir } from './temp.js';

const isRoot = process.geteuid?.() === 0;
const NOBODY = 65534;

/** Asserts `fn` throws a ConfigError whose message contains every fragment; returns the message. */
function assertConfigError(fn: () => unknown, ...fragments: string[]): string {
  let message = '';
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    message = error.message;
    for (const fragment of fragments)
      assert.ok(message.includes(fragment), `${message}\n  want: ${fragment}`);
    return true;
  });
  return message;
}

test('a missing config file names the path and suggests --config / STNS_CONFIG', (t) => {
  const path = join(tempDir(t), 'absent.conf');
  assertConfigError(
    () => loadConfig(path),
    `${path}: configuration file not found`,
    '--config',
    'STNS_CONFIG',
  );
});

test('a directory in place of the config file is a ConfigError', (t) => {
  const dir = tempDir(t);
  assertConfigError(() => loadConfig(dir), `${dir}: not a regular file`, '--config');
});

test('a config file the process may not read is a ConfigUnreadableError (a ConfigError) naming it', {
  skip: !isRoot && 'needs root to switch uid',
}, (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  const path = join(dir, 'root-only.conf');
  writeFileSync(path, 'request_timeout = 3\n', { mode: 0o600 });
  const loader = join(repoRoot(), 'dist', 'src', 'config', 'index.js');
  const script = `import(${JSON.stringify(loader)}).then((m) => { try { m.loadConfig(${JSON.stringify(path)}); console.log('loaded'); } catch (e) { console.log([e.name, e.code, e.exitCode, e.path].join(' ') + ': ' + e.message); } });`;
  const child = spawnSync(process.execPath, ['-e', script], {
    uid: NOBODY,
    gid: NOBODY,
    encoding: 'utf8',
    timeout: 30000,
  });
  assert.equal(child.status, 0, child.stderr);
  assert.match(
    child.stdout,
    new RegExp(
      `^ConfigUnreadableError STNS_ERR_CONFIG_UNREADABLE 78 ${path}: ${path}: cannot read the configuration file \\(EACCES\\) as uid ${NOBODY}`,
    ),
  );
});

test('a TLS file that does not exist is an error naming the key and the path', async (t) => {
  const dir = tempDir(t);
  const source = join(dir, 'stns.conf');
  assertConfigError(
    () => parseConfig('tls_ca = "keys/ca.pem"', source),
    `tls_ca points to ${join(dir, 'keys', 'ca.pem')}, which does not exist`,
  );
  assertConfigError(
    () => parseConfig('[tls]\nca = "/nonexistent/ca.pem"', source),
    'tls.ca points to /nonexistent/ca.pem, which does not exist',
  );
  const certs = await makeCerts();
  assertConfigError(
    () => parseConfig(`tls_cert = "${certs.clientCert}"\ntls_key = "${join(dir, 'nope.key')}"`, source),
    `tls_key points to ${join(dir, 'nope.key')}, which does not exist`,
  );
  assertConfigError(
    () => parseConfig(`tls_ca = "${dir}"`, source),
    `tls_ca points to ${dir}, which is not a regular file`,
  );
});

test('a client certificate without its key (or the reverse) is an error', async () => {
  const certs = await makeCerts();
  assertConfigError(
    () => parseConfig(`tls_cert = "${certs.clientCert}"`, '/x.conf'),
    'tls_cert is set but tls_key is not',
  );
  assertConfigError(
    () => parseConfig(`[tls]\nkey = "${certs.clientKey}"`, '/x.conf'),
    'tls.key is set but tls.cert is not',
  );
});

test('TLS files are resolved next to the config file and accepted when readable', async (t) => {
  const dir = tempDir(t);
  const certs = await makeCerts();
  mkdirSync(join(dir, 'keys'));
  copyFileSync(certs.caCert, join(dir, 'keys', 'ca.pem'));
  const config = parseConfig('tls_ca = "keys/ca.pem"', join(dir, 'libnss_stns.conf'));
  assert.equal(config.tls.caFile, join(dir, 'keys', 'ca.pem'));
});

test('a world-readable tls_key is warned about', async (t) => {
  const dir = tempDir(t);
  const certs = await makeCerts();
  const key = join(dir, 'client.key');
  copyFileSync(certs.clientKey, key);
  chmodSync(key, 0o644);
  const { warn, warnings } = collectWarnings();
  parseConfig(`tls_cert = "${certs.clientCert}"\ntls_key = "${key}"`, join(dir, 'x.conf'), { warn });
  assert.ok(
    warnings.some((w) => w.includes(`tls_key ${key} is readable by group/others (mode 0644)`)),
    warnings.join('\n'),
  );
});

test('a config file holding a password or token readable by others is warned about, without the secret', (t) => {
  const dir = tempDir(t);
  for (const [text, secret] of [
    ['user = "u"\npassword = "perm-sekrit"\n', 'perm-sekrit'],
    ['auth_token = "perm-token-sekrit"\n', 'perm-token-sekrit'],
  ] as const) {
    const path = join(dir, 'secret.conf');
    writeFileSync(path, text);
    chmodSync(path, 0o644);
    const loose = collectWarnings();
    loadConfig(path, { warn: loose.warn });
    const warning = loose.warnings.find((w) => w.includes('readable by group/others'));
    assert.ok(warning, loose.warnings.join('\n'));
    assert.ok(warning.includes(`${path}: holds`) && warning.includes('(mode 0644); chmod 600'), warning);
    assert.ok(!loose.warnings.join('\n').includes(secret));
    chmodSync(path, 0o600);
    const tight = collectWarnings();
    loadConfig(path, { warn: tight.warn });
    assert.deepEqual(tight.warnings, []);
  }
});

test('a config file without secrets may be world-readable', (t) => {
  const path = join(tempDir(t), 'public.conf');
  writeFileSync(path, 'request_timeout = 3\n', { mode: 0o644 });
  const { warn, warnings } = collectWarnings();
  loadConfig(path, { warn });
  assert.deepEqual(warnings, []);
});

test('as root, a config or key file owned by another user is warned about', {
  skip: !isRoot && 'needs root',
}, async (t) => {
  const dir = tempDir(t);
  const certs = await makeCerts();
  const key = join(dir, 'client.key');
  copyFileSync(certs.clientKey, key);
  chmodSync(key, 0o600);
  chownSync(key, NOBODY, NOBODY);
  const path = join(dir, 'owned.conf');
  writeFileSync(path, `tls_cert = "${certs.clientCert}"\ntls_key = "${key}"\n`, { mode: 0o600 });
  chownSync(path, NOBODY, NOBODY);
  const { warn, warnings } = collectWarnings();
  loadConfig(path, { warn });
  assert.ok(
    warnings.some((w) => w.startsWith(`configuration file ${path} is owned by uid ${NOBODY}, not root`)),
    warnings.join('\n'),
  );
  assert.ok(
    warnings.some((w) => w.includes(`tls_key ${key} is owned by uid ${NOBODY}, not root`)),
    warnings.join('\n'),
  );
});

test('the example file parses without warnings and mentions every key', () => {
  const example = join(repoRoot(), 'libnss_stns.conf.example');
  const text = readFileSync(example, 'utf8');
  const { warn, warnings } = collectWarnings();
  const config = parseConfig(text, example, { warn });
  assert.deepEqual(warnings, []);
  assert.equal(config.dialect, 'libnss_stns');
  for (const name of SETTING_BY_NAME.keys()) {
    const leaf = name.split('.').pop() ?? name;
    assert.match(text, new RegExp(`\\b${leaf}\\b`), `example mentions ${name}`);
  }
});
