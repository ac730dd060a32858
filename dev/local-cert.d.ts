/**
 * Typings for dev/local-cert.js: the local stack's self-signed TLS certificate for
 * 127.0.0.1/localhost under .local/certs, trusted by node through NODE_EXTRA_CA_CERTS.
 */

/** Creates the certificate on first use; returns where it lives. */
export declare function ensureLocalCertificate(): Promise<{ certPath: string; keyPath: string }>;

/** Reads the certificate and key (PEM); throws if ensureLocalCertificate has not run yet. */
export declare function readLocalCertificate(): { cert: string; key: string; certPath: string; keyPath: string };

export declare const certPath: string;
export declare const keyPath: string;

/**
 * The file NODE_EXTRA_CA_CERTS should name: the local certificate, or a bundle of the
 * user's own NODE_EXTRA_CA_CERTS file and the local certificate (.local/certs/bundle.pem).
 */
export declare function combineWithUserCertificates(userSetting: string | undefined, localCertPath?: string): { path: string; warning?: string };

export declare const bundlePath: string;
