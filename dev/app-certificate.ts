/**
 * Self-signed X.509 certificates for app registrations in tests and local runs: the
 * public part is registered with the local identity provider, the private key plus
 * certificate form the connector's certificate credential.
 */
import { X509Certificate } from 'node:crypto';
import * as selfsigned from 'selfsigned';

export interface AppCertificate {
  /** The public certificate, as uploaded to an app registration. */
  certificatePem: string;
  /** PKCS#8 private key. */
  privateKeyPem: string;
  /** Upper-case hex, as the Entra portal shows "Thumbprint". */
  thumbprintSha1: string;
  thumbprintSha256: string;
}

export async function createAppCertificate(commonName: string): Promise<AppCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: commonName }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  const x509 = new X509Certificate(pems.cert);
  const hex = (fingerprint: string) => fingerprint.replace(/:/g, '').toUpperCase();
  return {
    certificatePem: pems.cert,
    privateKeyPem: pems.private,
    thumbprintSha1: hex(x509.fingerprint),
    thumbprintSha256: hex(x509.fingerprint256),
  };
}
