/**
 * dev/with-ca.js keeps a NODE_EXTRA_CA_CERTS the user already has (corporate TLS
 * inspection) and adds the local stack's certificate to it. The child process it starts
 * must trust both: checked with real TLS handshakes against two servers, one per
 * certificate.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { ensureLocalCertificate, readLocalCertificate } from '../../dev/local-cert';

const root = path.join(__dirname, '..', '..');
let tmp: string;
let userCertFile: string;
let userPems: { cert: string; key: string };
const servers: https.Server[] = [];

async function serve(cert: string, key: string): Promise<number> {
  const server = https.createServer({ cert, key }, (_req, res) => res.end('ok'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Runs `node dev/with-ca.js node -e <script>` and returns its output. */
function withCa(script: string, env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const childEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
    const child = spawn(process.execPath, [path.join(root, 'dev', 'with-ca.js'), process.execPath, '-e', script], { env: childEnv, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A child script: prints NODE_EXTRA_CA_CERTS, then the outcome of an https GET per port. */
const probe = (ports: number[]) => `
const https = require('node:https');
console.log(process.env.NODE_EXTRA_CA_CERTS);
const get = (port) => new Promise((resolve) => https.get({ host: '127.0.0.1', port, path: '/' }, (res) => { res.resume(); resolve(String(res.statusCode)); }).on('error', (e) => resolve(e.code || e.message)));
(async () => { for (const p of ${JSON.stringify(ports)}) console.log(await get(p)); })();
`;

beforeAll(async () => {
  await ensureLocalCertificate();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'with-ca-'));
  const selfsigned = require('selfsigned') as { generate: (attrs: unknown, o: unknown) => Promise<{ cert: string; private: string }> };
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'Corporate inspection root' }], {
    keySize: 2048,
    days: 2,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  userPems = { cert: pems.cert, key: pems.private };
  userCertFile = path.join(tmp, 'corporate.pem');
  fs.writeFileSync(userCertFile, pems.cert);
});

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('When the user already has a NODE_EXTRA_CA_CERTS, then the command gets a bundle holding both certificates and trusts servers of both', async () => {
  const local = readLocalCertificate();
  const userPort = await serve(userPems.cert, userPems.key);
  const localPort = await serve(local.cert, local.key);
  const r = await withCa(probe([userPort, localPort]), { NODE_EXTRA_CA_CERTS: userCertFile });
  expect(r.code).toBe(0);
  const [caPath, userOutcome, localOutcome] = r.stdout.trim().split('\n');
  expect(caPath).not.toBe(userCertFile);
  const bundle = fs.readFileSync(caPath!, 'utf8');
  expect(bundle).toContain(userPems.cert.trim());
  expect(bundle).toContain(local.cert.trim());
  expect({ userOutcome, localOutcome }).toEqual({ userOutcome: '200', localOutcome: '200' });
  // The user's own file is left untouched.
  expect(fs.readFileSync(userCertFile, 'utf8')).toBe(userPems.cert);
});

test('When with-ca runs inside with-ca, then the bundle is reused and no certificate is added twice', async () => {
  const outer = await withCa(probe([]), { NODE_EXTRA_CA_CERTS: userCertFile });
  const bundlePath = outer.stdout.trim().split('\n')[0]!;
  const inner = await withCa(probe([]), { NODE_EXTRA_CA_CERTS: bundlePath });
  expect(inner.stdout.trim().split('\n')[0]).toBe(bundlePath);
  const bundle = fs.readFileSync(bundlePath, 'utf8');
  expect(bundle.split('BEGIN CERTIFICATE').length - 1).toBe(2);
});

test('When the user has no NODE_EXTRA_CA_CERTS, then the command trusts the local certificate alone', async () => {
  const local = readLocalCertificate();
  const localPort = await serve(local.cert, local.key);
  const userPort = await serve(userPems.cert, userPems.key);
  const r = await withCa(probe([localPort, userPort]), { NODE_EXTRA_CA_CERTS: undefined });
  const [caPath, localOutcome, userOutcome] = r.stdout.trim().split('\n');
  expect(caPath).toBe(local.certPath);
  expect(localOutcome).toBe('200');
  expect(userOutcome).not.toBe('200');
});

test('When the user NODE_EXTRA_CA_CERTS cannot be read, then with-ca says so, naming the setting, and trusts the local certificate', async () => {
  const missing = path.join(tmp, 'missing.pem');
  const r = await withCa(probe([]), { NODE_EXTRA_CA_CERTS: missing });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain(`NODE_EXTRA_CA_CERTS names ${missing}`);
  expect(r.stdout.trim().split('\n')[0]).toBe(readLocalCertificate().certPath);
});
