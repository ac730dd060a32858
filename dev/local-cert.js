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

module.exports = { ensureLocalCertificate, readLocalCertificate, certPath, keyPath };
