// `npm run demo`: starts real STNS test servers on 127.0.0.1 (plain HTTP, and
// HTTPS with freshly generated certificates behind a dead first endpoint),
// writes temp configs, and runs the real CLI against them, printing each
// command and its output. Exits non-zero if an expected lookup failed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCerts } from '../test/support/certs.js';
import { refusedUrl, startStnsServer, type TestServer } from '../test/support/stns-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'stns-query');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'users.toml');

interface Step {
  args: string[];
  /** The exit status this step must have for the demo to pass. @default 0 */
  expect?: number;
}

// Runs the CLI once, passing its output through; resolves to the exit status.
function runCli(config: string, args: string[]): Promise<number> {
  process.stdout.write(`\n$ stns-query ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--config', config, ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

// A Go-dialect config in `dir` whose resolver sockets point where nothing listens.
function writeConfig(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  const sockets = `[daemon]\npublic_socket = "${join(dir, 'nss.sock')}"\nprivate_socket = "${join(dir, 'private.sock')}"\n`;
  writeFileSync(path, `${body}\n${sockets}`, { mode: 0o600 });
  return path;
}

// Runs every step, printing a one-line verdict per failure; resolves to the failure count.
async function runSteps(title: string, config: string, steps: Step[]): Promise<number> {
  process.stdout.write(`\n### ${title}\n### config ${config}:\n${readFileSync(config, 'utf8')}`);
  let failures = 0;
  for (const step of steps) {
    const code = await runCli(config, step.args);
    const expected = step.expect ?? 0;
    process.stdout.write(`(exit ${code}${code === expected ? '' : `, EXPECTED ${expected}`})\n`);
    if (code !== expected) failures++;
  }
  return failures;
}

// Starts the servers, runs the demo, and always stops and removes everything.
async function demo(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'stns-demo-'));
  const servers: TestServer[] = [];
  try {
    const data = readFileSync(FIXTURE, 'utf8');
    const plain = await startStnsServer({ data });
    servers.push(plain);
    const certDir = join(dir, 'certs');
    mkdirSync(certDir);
    const certs = await makeCerts(certDir);
    const tls = await startStnsServer({ data, tls: { cert: certs.serverCert, key: certs.serverKey } });
    servers.push(tls);
    const dead = await refusedUrl();

    const plainConfig = writeConfig(dir, 'plain.conf', `api_end_point = ["${plain.url}/v1"]`);
    let failures = await runSteps('plain HTTP, modern /v1 server', plainConfig, [
      { args: ['passwd', 'alice'] },
      { args: ['passwd', '1002'] },
      { args: ['group', 'dev'] },
      { args: ['passwd'] },
      { args: ['initgroups', 'alice'] },
      { args: ['keys', 'alice'] },
      { args: ['--json', 'passwd', 'bob'] },
      { args: ['passwd', 'nosuchuser'], expect: 2 },
      { args: ['check'] },
    ]);
    const failoverConfig = writeConfig(
      dir,
      'failover.conf',
      `api_end_point = ["${dead}/v1", "${tls.url}/v2"]\ntls_ca = "${certs.caCert}"\nretry_request = 0`,
    );
    failures += await runSteps('dead first endpoint, then HTTPS (pinned CA) 0.x /v2 server', failoverConfig, [
      { args: ['passwd', 'alice'] },
      { args: ['group', '2002'] },
      { args: ['check'] },
    ]);
    process.stdout.write(
      `\n${failures === 0 ? 'demo OK' : `demo FAILED: ${failures} step(s) did not exit as expected`}\n`,
    );
    return failures === 0 ? 0 : 1;
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

demo().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
