// `stns-query check`: one screen that says whether this host can use its
// STNS servers — the config summary (never a secret), then one line per
// endpoint: health status and latency, the TLS peer, and whether our
// credentials are accepted.
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { checkServerIdentity, type PeerCertificate, connect as tlsConnect } from 'node:tls';
import { generationFor } from '../../api/generation.js';
import type { Config } from '../../config/types.js';
import { HELPER_PATH } from '../../daemon/protocol.js';
import { AuthError, ConfigError, ExitCode, StnsError } from '../../errors.js';
import { warn, writeLines, writeOut } from '../io.js';
import { loadCliConfig } from '../load-config.js';

/** Options of the check command. */
export interface CheckOptions {
  config?: string;
  /** Print the report as one JSON object. @default false */
  json: boolean;
}

/** What one endpoint probe found. */
export interface EndpointReport {
  url: string;
  verdict: 'ok' | 'refused' | 'unreachable' | 'broken';
  health: { path: string; status?: number; latencyMs?: number; error?: string };
  tls?: { subject?: string; issuer?: string; validTo?: string; verified: boolean; error?: string };
  auth: { state: 'accepted' | 'refused' | 'failed'; latencyMs?: number; error?: string };
}

// The server's health path: `/status` for modern servers, `/healthcheck` for 0.x, beside the API prefix.
function healthUrl(endpoint: string): URL {
  const generation = generationFor(endpoint).id;
  const url = new URL(endpoint);
  const segments = url.pathname.replace(/\/+$/, '').split('/');
  if (generation !== 'root') segments.pop();
  url.pathname = `${segments.join('/')}/${generation === 'v1' ? 'status' : 'healthcheck'}`;
  url.search = '';
  return url;
}

type TlsFiles = { ca?: Buffer; cert?: Buffer; key?: Buffer };

// One PEM file named by the config; unreadable is a config error naming the key.
function readPem(config: Config, key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(
      `${config.source}: ${key} = "${path}" cannot be read (${code}): fix the path or its permissions`,
    );
  }
}

// PEM files named by the config, read as the transport reads them.
function tlsFiles(config: Config): TlsFiles {
  const { caFile, certFile, keyFile } = config.tls;
  return {
    ...(caFile ? { ca: readPem(config, 'tls_ca', caFile) } : {}),
    ...(certFile ? { cert: readPem(config, 'tls_cert', certFile) } : {}),
    ...(keyFile ? { key: readPem(config, 'tls_key', keyFile) } : {}),
  };
}

// One GET of the health path through the one transport (proxy, TLS, headers as for lookups).
async function probeHealth(endpoint: string, config: Config): Promise<EndpointReport['health']> {
  const url = healthUrl(endpoint);
  const { createTransport } = await import('../../transport/http.js');
  const transport = createTransport(config);
  await import('undici'); // loaded before the clock starts: latency is the server's, not module loading
  const started = performance.now();
  try {
    const res = await transport.get(url.href);
    return { path: url.pathname, status: res.status, latencyMs: elapsed(started) };
  } catch (error) {
    if (!StnsError.isStnsError(error)) throw error;
    return { path: url.pathname, error: error.message };
  } finally {
    await transport.close();
  }
}

// The certificate the server presents, verified as the transport would verify it.
function probeTls(
  endpoint: string,
  config: Config,
  files: TlsFiles,
): Promise<NonNullable<EndpointReport['tls']>> {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port: Number(url.port || 443),
      ...(isIP(host) ? {} : { servername: host }),
      ...files,
      rejectUnauthorized: false,
      timeout: config.requestTimeoutMs,
    });
    socket.on('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      const identityError = checkServerIdentity(host, peer);
      const error = socket.authorized ? identityError?.message : String(socket.authorizationError);
      socket.destroy();
      resolve({ ...describePeer(peer), verified: error === undefined, ...(error ? { error } : {}) });
    });
    socket.on('timeout', () =>
      socket.destroy(new Error(`no TLS handshake within ${config.requestTimeoutMs} ms`)),
    );
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ verified: false, error: error.code ?? error.message }),
    );
  });
}

// Subject CN, issuer CN and expiry of a peer certificate.
function describePeer(peer: PeerCertificate): { subject?: string; issuer?: string; validTo?: string } {
  const cn = (name: PeerCertificate['subject'] | undefined): string | undefined =>
    name?.CN === undefined ? undefined : String(name.CN);
  const subject = cn(peer.subject);
  const issuer = cn(peer.issuer);
  return {
    ...(subject ? { subject } : {}),
    ...(issuer ? { issuer } : {}),
    ...(peer.valid_to ? { validTo: new Date(peer.valid_to).toISOString().slice(0, 10) } : {}),
  };
}

// A by-name lookup of a name no server holds: not found means reachable and authorized.
async function probeAuth(endpoint: string, config: Config): Promise<EndpointReport['auth']> {
  const { createClient } = await import('../../api/client.js');
  const client = createClient({ ...config, endpoints: [endpoint], retryRequest: 0 }, { warn });
  const started = performance.now();
  try {
    await client.getUserByName(`stns-query-check-${randomBytes(4).toString('hex')}`);
    return { state: 'accepted', latencyMs: elapsed(started) };
  } catch (error) {
    if (!StnsError.isStnsError(error)) throw error;
    return { state: error instanceof AuthError ? 'refused' : 'failed', error: error.message };
  } finally {
    await client.close();
  }
}

const elapsed = (since: number): number => Math.round(performance.now() - since);

/** Probes one endpoint: health, TLS (https only), then auth. */
export async function probeEndpoint(
  endpoint: string,
  config: Config,
  files: TlsFiles,
): Promise<EndpointReport> {
  const health = await probeHealth(endpoint, config);
  const tls = endpoint.startsWith('https:') ? await probeTls(endpoint, config, files) : undefined;
  const auth = await probeAuth(endpoint, config);
  return { url: endpoint, verdict: verdictOf(health, tls, auth), health, ...(tls ? { tls } : {}), auth };
}

// Fully working = healthy, TLS verified (when verification is on), credentials accepted.
function verdictOf(
  health: EndpointReport['health'],
  tls: EndpointReport['tls'],
  auth: EndpointReport['auth'],
): EndpointReport['verdict'] {
  if (auth.state === 'refused') return 'refused';
  const answered = health.status !== undefined || tls?.subject !== undefined;
  if (!answered && auth.state === 'failed') return 'unreachable';
  const healthy = health.status !== undefined && health.status >= 200 && health.status < 300;
  return healthy && auth.state === 'accepted' && (tls === undefined || tls.verified) ? 'ok' : 'broken';
}

/** 0 when one endpoint fully works; 77 when every reachable one refused our credentials; else 69. */
export function exitCodeFor(reports: readonly EndpointReport[]): number {
  if (reports.some((r) => r.verdict === 'ok')) return ExitCode.OK;
  const reachable = reports.filter((r) => r.verdict !== 'unreachable');
  if (reachable.length > 0 && reachable.every((r) => r.verdict === 'refused')) return ExitCode.PERMISSION;
  return ExitCode.UNAVAILABLE;
}

/** The config summary lines: what was read, never a secret's value. */
export function summarizeConfig(config: Config): string[] {
  const set = (value: string | undefined): string => (value ? '<set>' : '<not set>');
  const tls = config.tls;
  return [
    `config:   ${config.source || '(built-in defaults)'} (${config.dialect} dialect)`,
    `auth:     user: ${config.user ?? '<not set>'}, password: ${set(config.password)}, token: ${set(config.authToken)}, headers: ${Object.keys(config.headers).join(', ') || 'none'}`,
    `tls:      verify: ${tls.verify ? 'yes' : 'NO'}, ca: ${tls.caFile ?? 'system'}, client cert: ${tls.certFile ?? 'none'}`,
    `requests: timeout ${config.requestTimeoutMs} ms, retry ${config.retryRequest}, proxy: ${config.httpProxy ? '<set>' : 'none'}`,
    `ids:      uid_shift ${config.uidShift}, gid_shift ${config.gidShift}, min uid ${config.minUid}, min gid ${config.minGid}, enumerate: ${config.enumerate ? 'yes' : 'no'}`,
    `resolver: ${config.daemon.publicSocket} (public), ${config.daemon.privateSocket} (private)`,
  ];
}

/**
 * What the NSS module would run when no resolver answers. The module execs the
 * path it was built with (make STNS_QUERY_PATH=...), never one read at run
 * time; wrapper_path states that path so this screen can check it is there.
 */
export function describeHelper(path: string): string {
  let state: string;
  try {
    const stats = statSync(path);
    if (!stats.isFile() || (stats.mode & 0o111) === 0) state = 'NOT EXECUTABLE';
    else if (stats.uid !== 0) state = `owned by uid ${stats.uid}, not root: chown root ${path}`;
    else if ((stats.mode & 0o022) !== 0) state = `writable by group or others: chmod go-w ${path}`;
    else state = 'ok';
    if (state === 'ok') state = describeInterpreter(path);
  } catch {
    state = 'MISSING: lookups fail while the resolver is down';
  }
  return `helper:   ${path} (NSS fallback when the resolver is down): ${state}`;
}

/**
 * Whether the helper's `#!` interpreter starts under the fixed PATH the module
 * (and Debian's sshd, for AuthorizedKeysCommand) gives it: a node installed
 * elsewhere (nvm, /opt) works in a login shell and nowhere that matters.
 */
function describeInterpreter(path: string): string {
  const [interpreter, ...args] = shebangOf(path);
  if (interpreter === undefined) return 'ok';
  const name = interpreter.endsWith('/env') ? args.find((arg) => !arg.startsWith('-')) : undefined;
  const found = name === undefined ? executable(interpreter) : findOnHelperPath(name);
  if (found !== undefined) return `ok (runs ${found})`;
  const fix =
    name === undefined
      ? `fix the #! line of ${path}`
      : `sudo ln -s "$(command -v ${name})" /usr/local/bin/${name}`;
  return `its interpreter ${name ?? interpreter} is NOT FOUND on ${HELPER_PATH} (the PATH the module and sshd give it): ${fix}`;
}

// The words of the file's `#!` line; empty when it has none (a binary, a wrapper without one).
function shebangOf(path: string): string[] {
  const head = Buffer.alloc(256);
  const fd = openSync(path, 'r');
  try {
    const line =
      head
        .subarray(0, readSync(fd, head, 0, head.length, 0))
        .toString('utf8')
        .split('\n')[0] ?? '';
    return line.startsWith('#!') ? line.slice(2).trim().split(/\s+/).filter(Boolean) : [];
  } finally {
    closeSync(fd);
  }
}

function findOnHelperPath(name: string): string | undefined {
  for (const dir of HELPER_PATH.split(':')) {
    const found = executable(join(dir, name));
    if (found !== undefined) return found;
  }
  return undefined;
}

function executable(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile() ? path : undefined;
  } catch {
    return undefined;
  }
}

/** One line for one endpoint. */
export function describeEndpoint(report: EndpointReport): string {
  const { health, tls, auth } = report;
  const parts = [
    health.status === undefined
      ? `health ${health.path}: ${health.error}`
      : `health ${health.path}: ${health.status} in ${health.latencyMs} ms`,
  ];
  if (tls) {
    const peer = `CN=${tls.subject ?? '?'} issuer=${tls.issuer ?? '?'} expires ${tls.validTo ?? '?'}`;
    parts.push(
      tls.verified ? `tls ${peer}` : `tls ${tls.subject ? `${peer} ` : ''}NOT VERIFIED: ${tls.error}`,
    );
  }
  parts.push(
    auth.state === 'accepted'
      ? `auth accepted (lookup ${auth.latencyMs} ms)`
      : `auth ${auth.state}: ${auth.error}`,
  );
  return `${report.verdict.padEnd(11)} ${report.url}  ${parts.join('; ')}`;
}

/** Validates the config (ConfigError → 78), probes each endpoint in turn, prints one screen. */
export async function run(options: CheckOptions): Promise<number> {
  const config = await loadCliConfig(options);
  const files = tlsFiles(config);
  const reports: EndpointReport[] = [];
  for (const endpoint of config.endpoints) reports.push(await probeEndpoint(endpoint, config, files));
  const code = exitCodeFor(reports);
  if (options.json) {
    await writeOut(
      `${JSON.stringify({ config: summarizeConfig(config), endpoints: reports, exitCode: code })}\n`,
    );
    return code;
  }
  const working = reports.filter((r) => r.verdict === 'ok').length;
  const lines = [
    ...summarizeConfig(config),
    describeHelper(config.wrapperPath),
    ...reports.map(describeEndpoint),
    `result:   ${working} of ${reports.length} endpoint(s) fully working`,
  ];
  await writeLines(lines);
  return code;
}
