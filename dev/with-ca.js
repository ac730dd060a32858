#!/usr/bin/env node
// Runs a command with NODE_EXTRA_CA_CERTS pointing at the local stack's self-signed
// certificate (created on first use under .local/certs). Node reads that variable only
// at start, so it must be set before the test runner or the local stack starts.
//
// A NODE_EXTRA_CA_CERTS the user already has (a corporate TLS-inspection root, say) is
// kept: node takes one file only, so the user's certificates and the local one are
// combined into .local/certs/bundle.pem and the variable points at that bundle.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { ensureLocalCertificate, combineWithUserCertificates } = require('./local-cert');

async function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error('usage: node dev/with-ca.js <command> [args...]');
    process.exit(2);
  }
  const { certPath } = await ensureLocalCertificate();
  const { path: caPath, warning } = combineWithUserCertificates(process.env.NODE_EXTRA_CA_CERTS, certPath);
  if (warning) console.error(`with-ca: ${warning}`);
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: caPath };
  const bin = path.join(__dirname, '..', 'node_modules', '.bin');
  env.PATH = `${bin}${path.delimiter}${env.PATH ?? ''}`;
  const child = spawn(args[0], args.slice(1), { stdio: 'inherit', env, shell: process.platform === 'win32' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
