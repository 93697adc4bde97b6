import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { createSecureContext, createServer, TLSSocket, type PeerCertificate, type SecureContext } from 'node:tls';
import { ServerOptionError } from './errors.js';
import type { ServerTlsOptions } from './tls-options.js';

/** What the server hears from the TLS layer, per connection. */
export interface TlsEvents {
  /** The handshake is done; `certificateName` is the subject CN of a verified client certificate. */
  secure(socket: TLSSocket, certificateName: string | undefined): void;
  /** The client presented a certificate that does not verify; the connection is being cut. */
  rejected(socket: TLSSocket, reason: string): void;
  /** The handshake failed (a plain-TCP client, a missing required certificate, a timeout). */
  failed(address: string | undefined, error: Error): void;
}

/** The loaded TLS setup of one server: turns accepted TCP sockets into TLS ones. */
export interface TlsAcceptor {
  /** Subject and expiry of the server certificate, for the log. */
  readonly summary: { subject: string; expires: string; clientCa: boolean; requireClientCert: boolean };
  /** Starts the handshake on an accepted TCP socket; `events.secure` follows once it is done. */
  accept(raw: Socket): void;
  /** Wraps a socket that is refused: what is written goes out, encrypted, once the handshake is done. */
  wrapForRefusal(raw: Socket): TLSSocket;
}

async function readOption(option: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new ServerOptionError(option, `cannot read ${file} (${option}): ${why}`);
  }
}

function parseCertificate(option: string, file: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new ServerOptionError(option, `${file} (${option}) is not a PEM certificate: ${(error as Error).message}`);
  }
}

/**
 * Reads and checks the certificate, key and client CA files, so that a missing file or a
 * key that does not belong to the certificate stops start-up with the file named.
 */
export async function loadTlsAcceptor(options: ServerTlsOptions, handshakeTimeoutMs: number, events: TlsEvents): Promise<TlsAcceptor> {
  const cert = await readOption('tls.certFile', options.certFile);
  const key = await readOption('tls.keyFile', options.keyFile);
  const ca = options.clientCaFile === undefined ? undefined : await readOption('tls.clientCaFile', options.clientCaFile);
  const certificate = parseCertificate('tls.certFile', options.certFile, cert);
  if (ca !== undefined) parseCertificate('tls.clientCaFile', options.clientCaFile!, ca);
  let context: SecureContext;
  try {
    createSecureContext({ key });
  } catch (error) {
    throw new ServerOptionError('tls.keyFile', `${options.keyFile} (tls.keyFile) is not a PEM private key: ${(error as Error).message}`);
  }
  try {
    context = createSecureContext({ cert, key, ca });
  } catch (error) {
    throw new ServerOptionError(
      'tls.keyFile',
      `${options.keyFile} (tls.keyFile) is not the private key of ${options.certFile} (tls.certFile): ${(error as Error).message}`,
    );
  }
  const requestCert = ca !== undefined;
  const server = createServer({
    cert,
    key,
    ca,
    requestCert,
    // Without a certificate a client may still connect, unless one is required; a bad one is cut below.
    rejectUnauthorized: options.requireClientCert === true,
    handshakeTimeout: handshakeTimeoutMs,
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const peer = requestCert ? socket.getPeerCertificate() : undefined;
    const presented = peer !== undefined && peer !== null && Object.keys(peer).length > 0;
    if (presented && !socket.authorized) {
      events.rejected(socket, String(socket.authorizationError ?? 'the certificate does not verify'));
      socket.destroy();
      return;
    }
    events.secure(socket, presented ? commonName(peer) : undefined);
  });
  server.on('tlsClientError', (error: Error, socket: TLSSocket) => events.failed(socket.remoteAddress, error));
  return {
    summary: {
      subject: certificate.subject.replace(/\n/g, ', '),
      expires: new Date(certificate.validTo).toISOString(),
      clientCa: requestCert,
      requireClientCert: options.requireClientCert === true,
    },
    // node:tls documents injecting a socket this way: the TLS server then handles it as its own.
    accept: (raw) => server.emit('connection', raw),
    wrapForRefusal: (raw) => new TLSSocket(raw, { isServer: true, secureContext: context }),
  };
}

/** The subject CN, when there is exactly one. */
function commonName(peer: PeerCertificate): string | undefined {
  const cn: unknown = peer.subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}
