'use strict';
// The local stack's TLS certificate: one self-signed certificate for 127.0.0.1 and
// localhost, used by the local identity provider (MSAL insists on https) and trusted
// by node through NODE_EXTRA_CA_CERTS. Kept under .local/ (git-ignored).
const fs = require('node:fs');
const path = require('node:path');

// The project root, whether this runs from dev/ or from the compiled dist/dev/.
function projectRoot() {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json')) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}
const dir = path.join(projectRoot(), '.local', 'certs');
const certPath = path.join(dir, 'localhost.crt.pem');
const keyPath = path.join(dir, 'localhost.key.pem');
const bundlePath = path.join(dir, 'bundle.pem');

async function ensureLocalCertificate() {
  if (!fs.existsSync(certPath) || !fs.existsSync(keyPath)) {
    const selfsigned = require('selfsigned');
    const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      days: 3650,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
      ],
    });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(keyPath, pems.private, { mode: 0o600 });
    fs.writeFileSync(certPath, pems.cert);
  }
  return { certPath, keyPath };
}

function readLocalCertificate() {
  if (!fs.existsSync(certPath)) {
    throw new Error(`Local TLS certificate missing at ${certPath}: run through "node dev/with-ca.js" (npm test / npm start do).`);
  }
  return { cert: fs.readFileSync(certPath, 'utf8'), key: fs.readFileSync(keyPath, 'utf8'), certPath, keyPath };
}

/**
 * The file NODE_EXTRA_CA_CERTS should name so that node trusts both the user's own extra
 * certificates (`userSetting`, the variable as the user set it) and the local one.
 * Without a user setting that is the local certificate itself; with one, a bundle of the
 * user's file followed by the local certificate, written atomically (runs in parallel
 * must never read half a file). A setting that already names the local certificate or
 * the bundle (with-ca run inside with-ca) is kept as it is, so nothing is added twice.
 * An unreadable user file is reported and left out, as node itself would ignore it.
 */
function combineWithUserCertificates(userSetting, localCertPath = certPath) {
  const user = (userSetting ?? '').trim();
  if (!user) return { path: localCertPath };
  const resolved = path.resolve(user);
  if (resolved === path.resolve(localCertPath) || resolved === path.resolve(bundlePath)) return { path: resolved };
  let userPems;
  try {
    userPems = fs.readFileSync(resolved, 'utf8');
  } catch (e) {
    return { path: localCertPath, warning: `NODE_EXTRA_CA_CERTS names ${resolved}, which cannot be read (${e.code ?? e.message}); trusting the local certificate only` };
  }
  const local = fs.readFileSync(localCertPath, 'utf8');
  const text = `${userPems.trimEnd()}\n${local.trimEnd()}\n`;
  fs.mkdirSync(path.dirname(bundlePath), { recursive: true });
  const tmp = `${bundlePath}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, bundlePath);
  return { path: bundlePath };
}

module.exports = { ensureLocalCertificate, readLocalCertificate, combineWithUserCertificates, certPath, keyPath, bundlePath };
