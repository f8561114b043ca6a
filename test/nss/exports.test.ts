// The module exports exactly the 15 _nss_stns_* entry points, nothing else.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, test } from 'node:test';
import { buildNss, moduleSo } from './helpers.js';

const EXPECTED = [
  'getpwnam_r',
  'getpwuid_r',
  'setpwent',
  'getpwent_r',
  'endpwent',
  'getgrnam_r',
  'getgrgid_r',
  'setgrent',
  'getgrent_r',
  'endgrent',
  'getspnam_r',
  'setspent',
  'getspent_r',
  'endspent',
  'initgroups_dyn',
].map((name) => `_nss_stns_${name}`);

before(() => buildNss());

test('nm -D --defined-only lists exactly the 15 NSS functions', () => {
  const out = execFileSync('nm', ['-D', '--defined-only', moduleSo], { encoding: 'utf8' });
  const symbols = out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1] !== 'A')
    .map((fields) => fields[2]);
  assert.deepEqual(symbols.sort(), [...EXPECTED].sort());
});

test('the soname is libnss_stns.so.2', () => {
  const out = execFileSync('readelf', ['-d', moduleSo], { encoding: 'utf8' });
  assert.match(out, /SONAME.*\[libnss_stns\.so\.2\]/);
});
