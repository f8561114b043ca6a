// Test certificates made at test time with the openssl CLI (execFile, no
// shell): a good CA with server/client/expired/wrong-host leaves, and an
// unrelated "wrong" CA with its own server cert. Cached per process.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of every generated PEM file. */
export interface Certs {
  dir: string;
  caCert: string;
  caKey: string;
  /** Signed by caCert; SAN IP:127.0.0.1, DNS:localhost. */
  serverCert: string;
  serverKey: string;
  /** Signed by caCert; extendedKeyUsage clientAuth. */
  clientCert: string;
  clientKey: string;
  /** An unrelated CA, and a server cert (127.0.0.1/localhost) it signed. */
  wrongCaCert: string;
  wrongCaKey: string;
  wrongCaServerCert: string;
  wrongCaServerKey: string;
  /** Signed by caCert, valid only in 2020 (expired). */
  expiredCert: string;
  expiredKey: string;
  /** Signed by caCert, for DNS:other.example only. */
  otherHostCert: string;
  otherHostKey: string;
}

const OPENSSL_CNF = `
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[other]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
[ca]
default_ca = ca_default
[ca_default]
database = $ENV::STNS_TEST_CA_DIR/index.txt
serial = $ENV::STNS_TEST_CA_DIR/serial
new_certs_dir = $ENV::STNS_TEST_CA_DIR
default_md = sha256
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
`;

const cache = new Map<string, Promise<Certs>>();
let tempRoot: string | undefined;

/** Generates (once per process and dir) the whole certificate set. */
export function makeCerts(dir?: string): Promise<Certs> {
  const target = dir ?? defaultDir();
  let pending = cache.get(target);
  if (!pending) {
    pending = generate(target);
    cache.set(target, pending);
  }
  return pending;
}

// A temp dir removed when the process exits, so tests leave nothing behind.
function defaultDir(): string {
  if (!tempRoot) {
    tempRoot = mkdtempSync(join(tmpdir(), 'stns-certs-'));
    const root = tempRoot;
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  return tempRoot;
}

// Runs openssl with the private config; the CA database lives in `dir`.
async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, env: { ...process.env, STNS_TEST_CA_DIR: dir } });
}

// A self-signed CA certificate and key.
async function makeCa(dir: string, name: string): Promise<[string, string]> {
  const [cert, key] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  await openssl(dir, [
    'req',
    '-x509',
    '-config',
    'openssl.cnf',
    '-extensions',
    'v3_ca',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    `/CN=stns-query test ${name}`,
    '-days',
    '3650',
  ]);
  return [cert, key];
}

// A key and CSR for a leaf certificate.
async function makeCsr(dir: string, name: string, cn: string): Promise<[string, string]> {
  const [csr, key] = [join(dir, `${name}.csr`), join(dir, `${name}.key`)];
  await openssl(dir, [
    'req',
    '-new',
    '-config',
    'openssl.cnf',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    `/CN=${cn}`,
  ]);
  return [csr, key];
}

// A leaf signed by `ca` with the given extension section, valid now.
async function signLeaf(dir: string, ca: [string, string], name: string, cn: string, ext: string) {
  const [csr, key] = await makeCsr(dir, name, cn);
  const cert = join(dir, `${name}.crt`);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca[0],
    '-CAkey',
    ca[1],
    '-set_serial',
    String(serial()),
    '-days',
    '825',
    '-sha256',
    '-extfile',
    'openssl.cnf',
    '-extensions',
    ext,
    '-out',
    cert,
  ]);
  return [cert, key] as const;
}

// A server leaf whose validity window lies in the past (openssl ca takes explicit dates).
async function signExpired(dir: string, ca: [string, string]) {
  const [csr, key] = await makeCsr(dir, 'expired', '127.0.0.1');
  const cert = join(dir, 'expired.crt');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  await openssl(dir, [
    'ca',
    '-config',
    'openssl.cnf',
    '-batch',
    '-notext',
    '-cert',
    ca[0],
    '-keyfile',
    ca[1],
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200201000000Z',
    '-extensions',
    'server',
    '-in',
    csr,
    '-out',
    cert,
  ]);
  return [cert, key] as const;
}

let serialCounter = 0x5000;
const serial = (): number => ++serialCounter;

// Generates everything into `dir`.
async function generate(dir: string): Promise<Certs> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'openssl.cnf'), OPENSSL_CNF);
  const ca = await makeCa(dir, 'ca');
  const wrongCa = await makeCa(dir, 'wrong-ca');
  const server = await signLeaf(dir, ca, 'server', '127.0.0.1', 'server');
  const client = await signLeaf(dir, ca, 'client', 'stns-client', 'client');
  const wrongServer = await signLeaf(dir, wrongCa, 'wrong-ca-server', '127.0.0.1', 'server');
  const other = await signLeaf(dir, ca, 'other-host', 'other.example', 'other');
  const expired = await signExpired(dir, ca);
  return {
    dir,
    caCert: ca[0],
    caKey: ca[1],
    serverCert: server[0],
    serverKey: server[1],
    clientCert: client[0],
    clientKey: client[1],
    wrongCaCert: wrongCa[0],
    wrongCaKey: wrongCa[1],
    wrongCaServerCert: wrongServer[0],
    wrongCaServerKey: wrongServer[1],
    expiredCert: expired[0],
    expiredKey: expired[1],
    otherHostCert: other[0],
    otherHostKey: other[1],
  };
}
