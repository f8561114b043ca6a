// Every class of bad input gives one ConfigError line naming the file, the
// key and the bad value, and never a password, token or header value.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

const SOURCE = '/etc/stns/libnss_stns.conf';

/** Runs parseConfig expecting a ConfigError; returns its message. */
function errorFor(text: string): string {
  try {
    parseConfig(text, SOURCE, { warn: () => {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'STNS_ERR_CONFIG');
    assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
    assert.ok(error.message.startsWith(`${SOURCE}: `), `names the file: ${error.message}`);
    return error.message;
  }
  assert.fail(`no error for ${JSON.stringify(text)}`);
}

const LONG_SOCKET = `/run/${'s'.repeat(120)}.sock`;

// [toml text, fragment the message must contain]
const BAD_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['request_timeout = "abc"', 'request_timeout must be a whole number of seconds from 1 to 300, got "abc"'],
  ['request_timeout = 0', 'request_timeout must be a whole number of seconds from 1 to 300, got 0'],
  ['request_timeout = 301', 'got 301'],
  ['request_timeout = 1.5', 'got 1.5'],
  ['request_timeout = 1979-05-27', 'got a date'],
  ['request_timeout = [3]', 'got an array'],
  ['retry_request = 11', 'retry_request must be a whole number of retries from 0 to 10, got 11'],
  ['retry_request = -1', 'got -1'],
  ['request_retry = "3"', 'request_retry must be a whole number of retries from 0 to 10, got "3"'],
  [
    'endpoint_cooldown = 3601',
    'endpoint_cooldown must be a whole number of seconds from 0 to 3600, got 3601',
  ],
  ['request_locktime = -5', 'request_locktime must be a whole number of seconds from 0 to 3600, got -5'],
  [
    'max_response_bytes = 10',
    'max_response_bytes must be a whole number of bytes from 1024 to 1073741824, got 10',
  ],
  [
    'api_end_point = []',
    'api_end_point must be a URL string or a non-empty array of URL strings, got an array',
  ],
  ['api_end_point = 5', 'api_end_point must be a URL string or a non-empty array of URL strings, got 5'],
  ['api_end_point = ["ftp://stns.example.jp/v2"]', 'api_end_point[0] must be an http:// or https:// URL'],
  [
    'api_end_point = ["http://a", "file:///etc/passwd"]',
    'api_end_point[1] must be an http:// or https:// URL',
  ],
  ['api_end_point = ["stns.example.jp:1104"]', 'got "stns.example.jp:1104"'],
  ['api_end_point = ["http://"]', 'api_end_point[0] must be an http:// or https:// URL'],
  ['api_end_point = [1104]', 'api_end_point[0] must be an http:// or https:// URL with a host'],
  ['api_endpoint = "http://a/v1?x=1"', 'api_endpoint[0] must be a URL without ?query or #fragment'],
  ['api_endpoint = "http://a/v1#f"', 'without ?query or #fragment'],
  ['api_endpoint = {}', 'api_endpoint must be a URL string or a non-empty array of URL strings, got a table'],
  ['ssl_verify = "false"', 'ssl_verify must be true or false (without quotes), got "false"'],
  ['ssl_verify = 0', 'ssl_verify must be true or false (without quotes), got 0'],
  [
    'uid_shift = 2147483648',
    'uid_shift must be a whole number from -2147483648 to 2147483647, got 2147483648',
  ],
  [
    'gid_shift = -2147483649',
    'gid_shift must be a whole number from -2147483648 to 2147483647, got -2147483649',
  ],
  ['uid_shift = 9007199254740993', 'got 9007199254740993'],
  ['min_uid = 0', 'min_uid must be a whole number from 1 to 4294967294, got 0'],
  ['min_gid = 4294967295', 'min_gid must be a whole number from 1 to 4294967294, got 4294967295'],
  ['enumerate = "yes"', 'enumerate must be true or false (without quotes), got "yes"'],
  [
    'wrapper_path = "bin/stns-query"',
    'wrapper_path must be an absolute path (starting with /), got "bin/stns-query"',
  ],
  ['query_wrapper = ""', 'query_wrapper must be a non-empty string, got ""'],
  ['chain_ssh_wrapper = 1', 'chain_ssh_wrapper must be a non-empty string, got 1'],
  ['cache = "on"', 'cache must be true or false (without quotes), got "on"'],
  ['cache_dir = "cache"', 'cache_dir must be an absolute path (starting with /), got "cache"'],
  ['cache_ttl = -1', 'cache_ttl must be a whole number of seconds from 0 to 604800, got -1'],
  [
    'negative_cache_ttl = 86401',
    'negative_cache_ttl must be a whole number of seconds from 0 to 86400, got 86401',
  ],
  ['cache_max_stale = "1d"', 'cache_max_stale must be a whole number of seconds from 0 to 2592000, got "1d"'],
  ['cache_snapshot = 1', 'cache_snapshot must be true or false (without quotes), got 1'],
  ['boot_guard_processes = "init"', 'boot_guard_processes must be an array of strings'],
  ['boot_guard_processes = ["init", 1]', 'boot_guard_processes[1] must be a non-empty string, got 1'],
  [
    'boot_guard_processes = ["/sbin/init"]',
    'boot_guard_processes[0] must be a program name without a directory',
  ],
  ['daemon = "x"', 'daemon must be a table ([daemon]), got "x"'],
  [
    '[daemon]\npublic_socket = "nss.sock"',
    'daemon.public_socket must be an absolute path (starting with /), got "nss.sock"',
  ],
  [
    `[daemon]\nprivate_socket = "${LONG_SOCKET}"`,
    'daemon.private_socket must be an absolute path of at most 107 bytes',
  ],
  ['tls = 1', 'tls must be a table ([tls]), got 1'],
  ['[tls]\nca = 1', 'tls.ca must be a non-empty string, got 1'],
  ['tls_key = ""', 'tls_key must be a non-empty string, got ""'],
  ['[cached]\nenable = "yes"', 'cached.enable must be true or false (without quotes), got "yes"'],
  ['[cached]\nunix_socket = "stnsd.sock"', 'cached.unix_socket must be an absolute path'],
  ['user = "a:b"', 'user must be a user name without ":" (HTTP basic auth splits on it), got "a:b"'],
  ['user = 5', 'user must be a non-empty string, got 5'],
  ['http_proxy = "socks5://proxy:1080"', 'http_proxy must be an http:// or https:// URL'],
  ['http_proxy = true', 'http_proxy must be an http:// or https:// URL with a host'],
  [
    'request_header = "X-A: b"',
    'request_header must be a table of header names to string values, got "X-A: b"',
  ],
  [
    '[request_header]\n"Bad Name" = "x"',
    'request_header."Bad Name" must be keyed by a valid HTTP header name',
  ],
  ['[http_headers]\nHost = "evil"', 'http_headers."Host" must be a header the HTTP client does not manage'],
  ['[http_headers]\nX-A = "1"\nx-a = "2"', 'http_headers."x-a" must be set once (header names ignore case)'],
  ['[http_headers]\nX-A = 1', 'http_headers.X-A must be a string, got <hidden>'],
  [
    '[http_headers]\nX-A = "a\\r\\nInjected: 1"',
    'http_headers.X-A must be a string without CR, LF or NUL characters, got <hidden>',
  ],
  ['password = 5', 'password must be a non-empty string, got <hidden>'],
  ['auth_token = ""', 'auth_token must be a non-empty string, got <hidden>'],
  ['a = 1\nb = = 2', 'TOML syntax error at line 2, column'],
  ['a = 1\na = 2', 'TOML syntax error at line 2'],
];

test('every bad value gives a one-line ConfigError naming file, key, value and the allowed range', () => {
  for (const [text, fragment] of BAD_VALUES) {
    const message = errorFor(text);
    assert.ok(message.includes(fragment), `${JSON.stringify(text)}\n  got:  ${message}\n  want: ${fragment}`);
  }
});

// [toml text, the secret that must not appear]
const SECRETS: ReadonlyArray<readonly [string, string]> = [
  ['password = ["hunter2-sekrit"]', 'hunter2-sekrit'],
  ['password = "pw-with\\nnewline-sekrit"', 'newline-sekrit'],
  ['auth_token = ["tok-sekrit"]', 'tok-sekrit'],
  ['auth_token = "tok\\u0000sekrit"', 'sekrit'],
  ['[request_header]\nAuthorization = "Bearer hdr-sekrit\\n"', 'hdr-sekrit'],
  ['[http_headers]\nX-Token = ["hdr-array-sekrit"]', 'hdr-array-sekrit'],
  ['password = "syntax-sekrit', 'syntax-sekrit'],
  ['user = "u"\npassword = "ok-sekrit"\nrequest_timeout = "x"', 'ok-sekrit'],
  ['api_end_point = ["https://alice:url-sekrit@stns.example.jp/v2"]', 'url-sekrit'],
  ['http_proxy = "ftp://proxyuser:proxy-sekrit@proxy.example.jp:21"', 'proxy-sekrit'],
  ['password = """multi\n=line-sekrit', 'line-sekrit'],
];

test('passwords, tokens, header values and URL credentials never appear in a message', () => {
  for (const [text, secret] of SECRETS) {
    const message = errorFor(text);
    assert.ok(!message.includes(secret), `${message} leaks ${secret}`);
  }
});

test('a syntax error reports the line number but no file content', () => {
  const message = errorFor(
    'api_end_point = ["http://a"]\nuser = "u"\npassword = "pw-in-context"\nrequest_timeout = = 3\n',
  );
  assert.match(message, /TOML syntax error at line 4, column \d+: /);
  assert.ok(!message.includes('pw-in-context'), message);
});

test('credentials in an endpoint URL are refused with the fix', () => {
  const message = errorFor('api_end_point = ["https://alice:pw@stns.example.jp/v2"]');
  assert.match(
    message,
    /without user:password@ \(set user and password instead\), got "https:\/\/<hidden>@stns\.example\.jp\/v2"/,
  );
});
