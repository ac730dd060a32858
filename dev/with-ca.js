#!/usr/bin/env node
// Runs a command with NODE_EXTRA_CA_CERTS pointing at the local stack's self-signed
// certificate (created on first use under .local/certs). Node reads that variable only
// at start, so it must be set before the test runner or the local stack starts.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { ensureLocalCertificate } = require('./local-cert');

async function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error('usage: node dev/with-ca.js <command> [args...]');
    process.exit(2);
  }
  const { certPath } = await ensureLocalCertificate();
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: certPath };
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
