// The certificate authorities outbound TLS trusts: the system's store, as
// OpenSSL on this machine reads it, so that a CA an operator added there
// (update-ca-certificates) is trusted as it is by curl. Node's own default is
// the Mozilla bundle compiled into it, which knows nothing of those; Node 20
// has no API for the system store, so the bundle file is read here, once.
import { existsSync, readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { Logger } from '../../log.js';

/** Where distributions keep the system bundle (Debian and Ubuntu first). */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Arch, Gentoo
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // Alpine, macOS
];

export interface Trust {
  context: SecureContext;
  /** what it was read from, for the daemon's log */
  source: string;
}

/** The CAs to trust: $SSL_CERT_FILE if set (OpenSSL's convention), else the
 * system bundle, else Node's bundled roots; plus $NODE_EXTRA_CA_CERTS (Node's
 * convention, which an explicit CA list would otherwise lose). A file that
 * cannot be read is left out with a warning, as Node does. */
export function outboundTrust(env: NodeJS.ProcessEnv, log: Logger): Trust {
  const sources: string[] = [];
  const ca: string[] = [];
  const add = (file: string, what: string) => {
    try {
      ca.push(readFileSync(file, 'utf8'));
      sources.push(`${file}${what}`);
    } catch (e) {
      log.warn(`cannot read ${file}${what}: ${(e as Error).message}; its certificates are not trusted`);
    }
  };
  const system = env.SSL_CERT_FILE || SYSTEM_BUNDLES.find((f) => existsSync(f));
  if (system) add(system, env.SSL_CERT_FILE ? ' (SSL_CERT_FILE)' : '');
  if (ca.length === 0) {
    ca.push(...rootCertificates);
    sources.push("Node's bundled root certificates");
  }
  if (env.NODE_EXTRA_CA_CERTS) add(env.NODE_EXTRA_CA_CERTS, ' (NODE_EXTRA_CA_CERTS)');
  return { context: createSecureContext({ ca }), source: sources.join(' and ') };
}
