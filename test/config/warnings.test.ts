// Warnings: unknown keys with a "did you mean", and settings that load but
// probably do not do what was meant.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { closestName, editDistance } from '../../src/config/suggest.js';
import { collectWarnings } from './temp.js';

/** The warnings parsing `text` produces. */
function warningsFor(text: string): string[] {
  const { warn, warnings } = collectWarnings();
  parseConfig(text, '/etc/stns/libnss_stns.conf', { warn });
  return warnings;
}

test('edit distance counts inserts, deletes and substitutions', () => {
  assert.equal(editDistance('', ''), 0);
  assert.equal(editDistance('abc', 'abc'), 0);
  assert.equal(editDistance('request_timout', 'request_timeout'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});

test('an unknown key is ignored with a warning naming the closest known key', () => {
  const cases: Array<[string, string]> = [
    ['request_timout = 3', 'unknown key request_timout is ignored; did you mean request_timeout?'],
    ['api_endpont = "http://a"', 'did you mean api_endpoint?'],
    ['ssl_verfy = true', 'did you mean ssl_verify?'],
    ['Retry_Request = 2', 'did you mean retry_request?'],
    ['[tls]\ncer = "/x"', 'unknown key tls.cer is ignored; did you mean tls.cert?'],
    ['[daemon]\npublic_sock = "/x"', 'did you mean daemon.public_socket?'],
    ['completely_unrelated = 1', 'unknown key completely_unrelated is ignored; see libnss_stns.conf.example'],
  ];
  for (const [text, fragment] of cases) {
    const warnings = warningsFor(text);
    assert.equal(warnings.length, 1, `${text}: ${warnings.join('\n')}`);
    assert.ok(warnings[0]?.startsWith('/etc/stns/libnss_stns.conf: '), warnings[0]);
    assert.ok(warnings[0]?.includes(fragment), `${warnings[0]}\n  want: ${fragment}`);
  }
  assert.equal(closestName('zzzzzz', ['request_timeout']), undefined);
});

test('an unknown key does not change the configuration', () => {
  const config = parseConfig('request_timout = 30', '/x.conf', { warn: () => {} });
  assert.equal(config.requestTimeoutMs, 3000);
});

test('ssl_verify = false loads with a warning', () => {
  const warnings = warningsFor('ssl_verify = false');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /ssl_verify = false: server certificates are not checked/);
  assert.deepEqual(warningsFor('ssl_verify = true'), []);
});

test('user without password (or the reverse) is warned about, without the password', () => {
  assert.match(warningsFor('user = "u"')[0] ?? '', /user is set without password, so no basic auth is sent/);
  const warnings = warningsFor('password = "lonely-sekrit"');
  assert.match(warnings[0] ?? '', /password is set without user/);
  assert.ok(!warnings.join('\n').includes('lonely-sekrit'));
});

test('[cached] is accepted; enable = true warns that cache-stnsd is not used', () => {
  assert.deepEqual(warningsFor('[cached]\nenable = false\nunix_socket = "/var/run/cache-stnsd.sock"'), []);
  const warnings = warningsFor('[cached]\nenable = true');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /\[cached\] enable = true is ignored/);
});

test('without a warn callback, warnings go to process.emitWarning', async () => {
  const seen = new Promise<Error>((resolve) => process.once('warning', resolve));
  parseConfig('request_timout = 3', '/x.conf');
  const warning = await seen;
  assert.equal(warning.name, 'StnsConfigWarning');
  assert.match(warning.message, /did you mean request_timeout\?/);
});
