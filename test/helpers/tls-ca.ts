import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cleanup } from './raw-peer.js';

/** A certificate and its key, as files and as PEM text. */
export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface TestCa extends IssuedCertificate {
  dir: string;
  /** Issues a certificate with subject CN `commonName`, signed by this CA. */
  issue(commonName: string, options?: { subjectAltName?: string }): IssuedCertificate;
}

const OPENSSL_TIMEOUT_MS = 30_000;

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: OPENSSL_TIMEOUT_MS });
}

function read(dir: string, name: string): IssuedCertificate {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A throwaway certificate authority made with openssl in a fresh temp directory (removed
 * when the test ends). `server` is issued for localhost and 127.0.0.1.
 */
export function createTestCa(cleanup: Cleanup, name = 'sup test CA'): TestCa & { server: IssuedCertificate } {
  const dir = mkdtempSync(join(tmpdir(), 'sup-tls-'));
  cleanup.after(() => rmSync(dir, { recursive: true, force: true }));
  openssl(dir, ['req', '-x509', ...KEY_ARGS, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${name}`]);
  let serial = 0;
  const issue = (commonName: string, options: { subjectAltName?: string } = {}): IssuedCertificate => {
    const base = `cert-${++serial}`;
    openssl(dir, ['req', ...KEY_ARGS, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${commonName}`]);
    const extensions = options.subjectAltName === undefined ? [] : [`subjectAltName=${options.subjectAltName}`];
    writeFileSync(join(dir, `${base}.ext`), `${['basicConstraints=CA:FALSE', ...extensions].join('\n')}\n`);
    openssl(dir, [
      'x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(serial),
      '-days', '2', '-out', `${base}.crt`, '-extfile', `${base}.ext`,
    ]);
    return read(dir, base);
  };
  const server = issue('localhost', { subjectAltName: 'DNS:localhost,IP:127.0.0.1' });
  return { dir, ...read(dir, 'ca'), issue, server };
}
